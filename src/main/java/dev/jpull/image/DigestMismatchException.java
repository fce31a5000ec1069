package dev.jpull.image;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Digest;

/** Content whose digest is not the one its descriptor promised ({@code VERIFICATION}, exit 7). */
public final class DigestMismatchException extends JpullException {
  private static final long serialVersionUID = 1L;

  private final transient Digest expected;
  private final transient Digest actual;

  public DigestMismatchException(Digest expected, Digest actual) {
    this(expected.toString(), expected, actual);
  }

  /** {@code what} names the content: "blob sha256:…", "layer sha256:… (diff ID)". */
  public DigestMismatchException(String what, Digest expected, Digest actual) {
    super(Kind.VERIFICATION, "digest mismatch for " + what + ": got " + actual
        + (what.contains(expected.toString()) ? "" : ", want " + expected));
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
