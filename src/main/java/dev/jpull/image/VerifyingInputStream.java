package dev.jpull.image;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * The one way jpull checks content it reads: a stream that hashes and counts what passes and fails the read
 * that completes a mismatch — the read past the declared size, or the end of the stream with too few bytes
 * or the wrong digest (go-containerregistry's {@code verify.ReadCloser}). Whoever reads to the end has read
 * only verified bytes; a caller that stops early has checked nothing, so callers read to the end.
 *
 * <p>The failure is {@code VERIFICATION} (exit 7) and names the blob by its digest.
 */
public final class VerifyingInputStream extends FilterInputStream {
  private final Digest expected;
  private final long size;
  private final String what;
  private final MessageDigest hash;
  private long count;
  private boolean verified;
  /** The digest of everything read, set at the end of the stream. */
  private Digest computed;

  private VerifyingInputStream(InputStream in, Digest expected, long size, String what) {
    super(in);
    this.expected = expected;
    this.size = size;
    this.what = what;
    this.hash = expected == null ? Digest.newSha256() : expected.newDigester();
  }

  /** Verifies {@code in} against a descriptor: exactly its size, and its digest. */
  public static VerifyingInputStream of(InputStream in, Descriptor d) {
    return new VerifyingInputStream(in, d.digest(), d.size(), "blob " + d.digest());
  }

  /**
   * Verifies {@code in} against a digest of unknown size, e.g. a layer's uncompressed bytes against its
   * diff ID; {@code what} names the content in the failure ("layer sha256:… (diff ID)").
   */
  public static VerifyingInputStream ofDigest(InputStream in, Digest expected, String what) {
    return new VerifyingInputStream(in, expected, -1, what);
  }

  /**
   * Hashes {@code in} (sha256) with nothing to check it against, for content whose digest is only learnt
   * from its bytes, e.g. a manifest fetched by tag without {@code Docker-Content-Digest}; read it to the
   * end, then ask {@link #digest()}.
   */
  public static VerifyingInputStream computing(InputStream in) {
    return new VerifyingInputStream(in, null, -1, "content");
  }

  /**
   * Reads a whole small blob (a manifest, an index, a config) through the verifying stream: bounded by
   * {@code max} before a byte is read, so a descriptor that declares more is refused without reading.
   */
  public static byte[] readAll(InputStream in, Descriptor d, int max) throws IOException {
    if (d.size() > max || d.size() < 0) {
      throw new JpullException(Kind.VERIFICATION, "blob " + d.digest() + " is declared as " + d.size()
          + " bytes, over the limit of " + max + " for a document");
    }
    try (VerifyingInputStream v = of(in, d)) {
      byte[] bytes = v.readNBytes((int) d.size());
      v.verifyAtEnd();
      return bytes;
    }
  }

  /** Whether the whole content has been read and matched. */
  public boolean verified() {
    return verified;
  }

  /** The digest of the whole content; only once the end of the stream has been read. */
  public Digest digest() {
    if (computed == null) {
      throw new IllegalStateException("the digest of " + what + " is known only after its end is read");
    }
    return computed;
  }

  /** Reads on to the end (discarding) and verifies: for callers that stop once they have what they need. */
  public void verifyAtEnd() throws IOException {
    byte[] sink = new byte[8192];
    while (read(sink, 0, sink.length) >= 0) {
      // drained through read(), which hashes and checks
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n < 0) {
      finish();
      return -1;
    }
    hash.update(b, off, n);
    count += n;
    if (size >= 0 && count > size) {
      throw mismatch("it has more than the descriptor's " + size + " bytes");
    }
    return n;
  }

  private void finish() throws JpullException {
    if (computed != null) {
      if (expected != null && !verified) {
        throw new DigestMismatchException(what, expected, computed); // a second read at the end fails again
      }
      return;
    }
    if (size >= 0 && count != size) {
      throw mismatch("it ended after " + count + " of the descriptor's " + size + " bytes");
    }
    computed = Digest.of(expected == null ? "sha256" : expected.algorithm(), hash);
    if (expected == null) {
      return; // computing only: nothing to match
    }
    if (!computed.equals(expected)) {
      throw new DigestMismatchException(what, expected, computed);
    }
    verified = true;
  }

  private JpullException mismatch(String why) {
    return new JpullException(Kind.VERIFICATION, what + " does not match its descriptor: " + why);
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipped bytes must be hashed too.
    byte[] sink = new byte[(int) Math.min(8192, Math.max(n, 1))];
    long left = n;
    while (left > 0) {
      int r = read(sink, 0, (int) Math.min(sink.length, left));
      if (r < 0) {
        break;
      }
      left -= r;
    }
    return n - left;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int readlimit) {
    // not supported: a reset would hash bytes twice
  }

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported");
  }
}
