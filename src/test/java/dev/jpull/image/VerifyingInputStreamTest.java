package dev.jpull.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The one verifying read of issue 14: size and digest are checked as the bytes pass, and the failure comes on
 * the read that completes the mismatch (go-containerregistry's {@code verify.ReadCloser}) — never earlier, so a
 * reader sees every byte up to it, and never later, so nothing reads past the declared size unnoticed.
 */
class VerifyingInputStreamTest {
  private static final byte[] CONTENT = "0123456789abcdefghijklmnopqrstuvwxyz".repeat(300).getBytes(StandardCharsets.US_ASCII);
  private static final Descriptor DESCRIPTOR = new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(CONTENT), CONTENT.length);

  private static VerifyingInputStream over(byte[] bytes) {
    return VerifyingInputStream.of(new ByteArrayInputStream(bytes), DESCRIPTOR);
  }

  /**
   * Reads exactly {@code n} bytes with reads that never ask for more than are left (and never for 0, which some
   * streams answer with the end): the reads a careful reader makes up to the declared size.
   */
  private static byte[] exactly(InputStream in, int n) throws IOException {
    byte[] out = new byte[n];
    int off = 0;
    while (off < n) {
      int r = in.read(out, off, Math.min(4096, n - off));
      if (r < 0) {
        throw new AssertionError("end after " + off + " of " + n + " bytes");
      }
      off += r;
    }
    return out;
  }

  /** A VERIFICATION failure (exit 7) that names the blob by its digest. */
  private static void assertNamesTheBlob(JpullException e) {
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains(DESCRIPTOR.digest().toString()), "names the blob: " + e.getMessage());
  }

  @Test
  void theRightBytesPassAndAreVerifiedAtTheEnd() throws IOException {
    try (VerifyingInputStream in = over(CONTENT)) {
      byte[] got = exactly(in, CONTENT.length);
      assertArrayEquals(CONTENT, got);
      assertFalse(in.verified(), "nothing is verified before the end is read");
      assertEquals(-1, in.read());
      assertTrue(in.verified());
      assertEquals(-1, in.read(), "a second read at the end stays at the end");
    }
  }

  @Test
  void theRightBytesPassReadOneAtATime() throws IOException {
    try (VerifyingInputStream in = over(CONTENT)) {
      for (byte b : CONTENT) {
        assertEquals(b & 0xff, in.read());
      }
      assertEquals(-1, in.read());
      assertTrue(in.verified());
    }
  }

  @Test
  void oneWrongByteFailsOnTheReadThatReturnsTheEndNotBefore() throws IOException {
    byte[] bad = CONTENT.clone();
    bad[bad.length / 2] ^= 1;
    try (VerifyingInputStream in = over(bad)) {
      // Every byte up to the size is handed out: the mismatch is not known before the end.
      assertArrayEquals(bad, exactly(in, CONTENT.length));
      JpullException e = assertThrows(JpullException.class, in::read, "the read that returns the end fails");
      assertNamesTheBlob(e);
      assertFalse(in.verified());
    }
  }

  @Test
  void oneWrongByteFailsTheReadAllOfAWholeRead() {
    byte[] bad = CONTENT.clone();
    bad[0] ^= 1;
    JpullException e = assertThrows(JpullException.class, () -> {
      try (VerifyingInputStream in = over(bad)) {
        in.readAllBytes();
      }
    });
    assertNamesTheBlob(e);
  }

  @Test
  void oneExtraByteFailsOnTheReadPastTheSize() throws IOException {
    byte[] longer = Arrays.copyOf(CONTENT, CONTENT.length + 1);
    try (VerifyingInputStream in = over(longer)) {
      // Reads that stay within the size pass (they are the right bytes so far).
      assertArrayEquals(CONTENT, exactly(in, CONTENT.length));
      JpullException e = assertThrows(JpullException.class, () -> in.read(new byte[16], 0, 16),
          "the read that goes past the declared size fails");
      assertNamesTheBlob(e);
      assertFalse(in.verified());
    }
  }

  @Test
  void oneExtraByteFailsEvenWhenTheWholeBodyArrivesInOneRead() throws IOException {
    byte[] longer = Arrays.copyOf(CONTENT, CONTENT.length + 1);
    try (VerifyingInputStream in = over(longer)) {
      JpullException e = assertThrows(JpullException.class, () -> in.read(new byte[CONTENT.length * 2], 0,
          CONTENT.length * 2));
      assertNamesTheBlob(e);
    }
  }

  @Test
  void tooShortFailsAtTheEnd() throws IOException {
    byte[] shorter = Arrays.copyOf(CONTENT, CONTENT.length - 1);
    try (VerifyingInputStream in = over(shorter)) {
      assertArrayEquals(shorter, exactly(in, shorter.length), "the bytes there are are handed out");
      JpullException e = assertThrows(JpullException.class, in::read, "the end comes too early");
      assertNamesTheBlob(e);
      assertFalse(in.verified());
    }
  }

  @Test
  void anEmptyStreamForANonEmptyBlobFailsOnTheFirstRead() {
    JpullException e = assertThrows(JpullException.class, () -> over(new byte[0]).read());
    assertNamesTheBlob(e);
  }

  @Test
  void verifyAtEndDrainsAndChecks() throws IOException {
    try (VerifyingInputStream in = over(CONTENT)) {
      exactly(in, 10);
      in.verifyAtEnd();
      assertTrue(in.verified());
    }
    byte[] bad = CONTENT.clone();
    bad[bad.length - 1] ^= 1;
    try (VerifyingInputStream in = over(bad)) {
      exactly(in, 10);
      assertNamesTheBlob(assertThrows(JpullException.class, in::verifyAtEnd));
    }
  }

  @Test
  void skippedBytesAreHashed() throws IOException {
    try (VerifyingInputStream in = over(CONTENT)) {
      assertEquals(1000, in.skip(1000));
      assertArrayEquals(Arrays.copyOfRange(CONTENT, 1000, CONTENT.length), in.readAllBytes());
      assertTrue(in.verified(), "skipped bytes count towards the digest: the whole blob was read");
    }
    // A wrong byte inside the skipped range is found: skip() does not step over what it does not hash.
    byte[] bad = CONTENT.clone();
    bad[500] ^= 1;
    try (VerifyingInputStream in = over(bad)) {
      assertEquals(1000, in.skip(1000));
      exactly(in, CONTENT.length - 1000);
      assertNamesTheBlob(assertThrows(JpullException.class, in::read));
    }
  }

  @Test
  void skipPastTheEndStopsAtTheEndAndVerifies() throws IOException {
    try (VerifyingInputStream in = over(CONTENT)) {
      assertEquals(CONTENT.length, in.skip(CONTENT.length + 100L));
      assertEquals(-1, in.read());
      assertTrue(in.verified());
    }
  }

  @Test
  void markAndResetAreRefused() {
    VerifyingInputStream in = over(CONTENT);
    assertFalse(in.markSupported());
    assertThrows(IOException.class, in::reset);
  }

  @Test
  void readAllReturnsAVerifiedDocument() throws IOException {
    assertArrayEquals(CONTENT, VerifyingInputStream.readAll(new ByteArrayInputStream(CONTENT), DESCRIPTOR,
        CONTENT.length));
  }

  @Test
  void readAllRefusesADeclaredSizeOverTheMaximumWithoutReading() {
    InputStream untouchable = new InputStream() {
      @Override
      public int read() {
        throw new AssertionError("read although the declared size is over the limit");
      }

      @Override
      public int read(byte[] b, int off, int len) {
        throw new AssertionError("read although the declared size is over the limit");
      }
    };
    JpullException e = assertThrows(JpullException.class,
        () -> VerifyingInputStream.readAll(untouchable, DESCRIPTOR, CONTENT.length - 1));
    assertNamesTheBlob(e);
  }

  @Test
  void readAllRefusesAWrongDocument() {
    byte[] bad = CONTENT.clone();
    bad[3] ^= 1;
    assertNamesTheBlob(assertThrows(JpullException.class,
        () -> VerifyingInputStream.readAll(new ByteArrayInputStream(bad), DESCRIPTOR, CONTENT.length)));
    byte[] longer = Arrays.copyOf(CONTENT, CONTENT.length + 1);
    assertNamesTheBlob(assertThrows(JpullException.class,
        () -> VerifyingInputStream.readAll(new ByteArrayInputStream(longer), DESCRIPTOR, CONTENT.length + 1)));
  }

  @Test
  void aDigestOfUnknownSizeIsCheckedAtTheEndAndNamedAsTheCallerSays() throws IOException {
    Digest diffId = Digest.sha256(CONTENT);
    try (VerifyingInputStream in = VerifyingInputStream.ofDigest(new ByteArrayInputStream(CONTENT), diffId, "layer "
        + diffId + " (diff ID)")) {
      in.readAllBytes();
      assertTrue(in.verified());
    }
    byte[] bad = CONTENT.clone();
    bad[7] ^= 1;
    try (VerifyingInputStream in = VerifyingInputStream.ofDigest(new ByteArrayInputStream(bad), diffId, "layer "
        + diffId + " (diff ID)")) {
      JpullException e = assertThrows(JpullException.class, in::readAllBytes);
      assertEquals(Kind.VERIFICATION, e.kind());
      assertTrue(e.getMessage().contains("(diff ID)") && e.getMessage().contains(diffId.toString()), e.getMessage());
    }
  }

  @Test
  void computingGivesTheDigestOnlyOnceTheEndIsRead() throws IOException {
    byte[] bytes = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
    VerifyingInputStream in = VerifyingInputStream.computing(new ByteArrayInputStream(bytes));
    byte[] got = new byte[bytes.length];
    assertEquals(bytes.length, in.read(got, 0, got.length)); // all of it, but not yet the end
    assertArrayEquals(bytes, got);
    assertThrows(IllegalStateException.class, in::digest, "the end has not been read yet");
    assertEquals(-1, in.read());
    assertEquals(Digest.sha256(bytes), in.digest());
  }
}
