package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressModeTest {
  @Test
  void autoIsTtyOnlyOnATerminalOutsideCi() {
    assertEquals(ProgressMode.TTY, ProgressMode.auto(true, Map.of("TERM", "xterm")));
    assertEquals(ProgressMode.PLAIN, ProgressMode.auto(false, Map.of()));
    assertEquals(ProgressMode.PLAIN, ProgressMode.auto(true, Map.of("TERM", "dumb")));
    assertEquals(ProgressMode.PLAIN, ProgressMode.auto(true, Map.of("CI", "true")));
    assertEquals(ProgressMode.PLAIN, ProgressMode.auto(true, Map.of("CI", "TRUE")));
    assertEquals(ProgressMode.TTY, ProgressMode.auto(true, Map.of("CI", "false")));
  }
}
