package dev.jpull.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StoreFailureTest {
  private static final String ACTION = "write blob sha256:ab to store /x";

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of("disk full from a channel write", new IOException("No space left on device"), Kind.LOCAL_IO,
            ACTION + ": No space left on device", true),
        Arguments.of("disk full from a file operation",
            new FileSystemException("/x/blobs/sha256/ab", null, "No space left on device"), Kind.LOCAL_IO,
            ACTION + ": No space left on device (/x/blobs/sha256/ab)", true),
        Arguments.of("permission denied", new AccessDeniedException("/x/ingest"), Kind.LOCAL_IO,
            ACTION + ": permission denied (/x/ingest)", true),
        Arguments.of("interrupted while writing", new ClosedByInterruptException(), Kind.CANCELLED,
            ACTION + ": interrupted", false),
        Arguments.of("anything else", new IOException("Input/output error"), Kind.LOCAL_IO,
            ACTION + ": Input/output error", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void namesTheActionAndTheReason(String name, IOException cause, Kind kind, String message, boolean hasHint) {
    JpullException e = StoreFailure.of(ACTION, cause);
    assertEquals(kind, e.kind());
    assertEquals(message, e.getMessage());
    assertSame(cause, e.getCause());
    assertEquals(hasHint, e.hint() != null, String.valueOf(e.hint()));
  }

  @Test
  void aClassifiedFailurePassesThrough() {
    JpullException original = new JpullException(Kind.VERIFICATION, "digest mismatch");
    assertSame(original, StoreFailure.of(ACTION, original));
  }
}
