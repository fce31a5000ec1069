package dev.jpull;

import java.io.IOException;
import java.util.Objects;

/**
 * A failure with a {@link Kind}. It is an {@link IOException} so that it can surface from
 * {@code InputStream.read()} (a digest mismatch at EOF) and from OkHttp interceptors unchanged.
 *
 * <p>Messages are lower-case, start with the action ("fetch blob sha256:ab12… from ghcr.io/x/y: …") and
 * never contain a credential. A remedy, when one is known, is kept apart so the CLI can print it last.
 */
public class JpullException extends IOException {
  private static final long serialVersionUID = 1L;

  private final Kind kind;
  private final String hint;

  public JpullException(Kind kind, String message) {
    this(kind, message, null, null);
  }

  public JpullException(Kind kind, String message, Throwable cause) {
    this(kind, message, null, cause);
  }

  public JpullException(Kind kind, String message, String hint, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.hint = hint;
  }

  public Kind kind() {
    return kind;
  }

  /** What the user can do next, or null. */
  public String hint() {
    return hint;
  }

  /** Returns a copy of this failure with a wider context prefixed to the message, keeping kind and hint. */
  public JpullException withContext(String context) {
    JpullException e = new JpullException(kind, context + ": " + getMessage(), hint, getCause());
    e.setStackTrace(getStackTrace());
    return e;
  }
}
