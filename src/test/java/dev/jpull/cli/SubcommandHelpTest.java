package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code -h/--help} works on every command, even one with required parameters (picocli's standard options). */
class SubcommandHelpTest {
  @ParameterizedTest(name = "jpull {0} {1}")
  @CsvSource({"pull,--help", "login,--help", "logout,-h", "tags,--help", "inspect,-h", "unpack,--help",
      "rm,--help", "images,--help", "gc,--help", "fsck,--help", "completion,--help"})
  void helpPrintsUsageAndExitsZero(String command, String flag) {
    picocli.CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    assertEquals(0, cli.execute(command, flag), err.toString());
    assertTrue(out.toString().startsWith("Usage: jpull " + command), out.toString());
    assertEquals("", err.toString());
  }

  /** A bare --version skips picocli (issue 15); it must print exactly what picocli's -V prints. */
  @ParameterizedTest(name = "jpull {0}")
  @CsvSource({"--version", "-V"})
  void aBareVersionPrintsWhatPicocliPrints(String flag) {
    picocli.CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    assertEquals(0, cli.execute(flag));
    InProcess.Result fast = InProcess.run(flag);
    assertEquals(0, fast.exit());
    assertEquals("", fast.stderr());
    assertEquals(out.toString().replace(System.lineSeparator(), "\n"), fast.stdout().replace(System.lineSeparator(), "\n"));
    assertTrue(fast.stdout().startsWith("jpull "), fast.stdout());
  }
}
