package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.file.AccessDeniedException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract's exit-code table, including the two rows no well-behaved input reaches through the
 * launcher: 1 for a bug (anything unclassified) and the classification of bare JDK exceptions.
 */
class ExitCodesTest {
  @Test
  void everyKindHasItsContractCode() {
    Map<Kind, Integer> table = Map.of(Kind.NOT_FOUND, 3, Kind.UNAUTHORIZED, 4, Kind.RATE_LIMITED, 5,
        Kind.NETWORK, 6, Kind.VERIFICATION, 7, Kind.UNSUPPORTED, 8, Kind.LOCAL_IO, 9, Kind.INVALID_INPUT, 2,
        Kind.CANCELLED, 130);
    assertEquals(Kind.values().length, table.size(), "every kind is in the table");
    table.forEach((kind, code) -> assertEquals(code, ExitCodes.of(kind), kind.name()));
  }

  @Test
  void aClassifiedCauseAnywhereInTheChainDecides() {
    Exception wrapped = new RuntimeException(new UncheckedIOException(
        new IOException(new JpullException(Kind.UNAUTHORIZED, "denied"))));
    assertEquals(4, ExitCodes.of(wrapped));
  }

  @Test
  void bareJdkExceptionsAreClassifiedByType() {
    assertEquals(6, ExitCodes.of(new ConnectException("refused")));
    assertEquals(9, ExitCodes.of(new AccessDeniedException("/store")));
    assertEquals(130, ExitCodes.of(new java.io.InterruptedIOException()));
  }

  @Test
  void anythingUnclassifiedIsABugExit1() {
    assertEquals(1, ExitCodes.of(new IllegalStateException("unexpected")));
    assertEquals(1, ExitCodes.of(new NullPointerException()));
  }
}
