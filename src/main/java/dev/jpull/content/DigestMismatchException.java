package dev.jpull.content;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Digest;

/** Content whose digest is not the one its descriptor promised ({@code VERIFICATION}, exit 7). */
public final class DigestMismatchException extends JpullException {
  private static final long serialVersionUID = 1L;

  private final transient Digest expected;
  private final transient Digest actual;

  public DigestMismatchException(Digest expected, Digest actual) {
    super(Kind.VERIFICATION, "digest mismatch for " + expected + ": got " + actual);
    this.expected = expected;
    this.actual = actual;
  }

  public Digest expected() {
    return expected;
  }

  public Digest actual() {
    return actual;
  }
}
