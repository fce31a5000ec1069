package dev.jpull.reference;

import dev.jpull.JpullException;
import dev.jpull.Kind;

/** A reference that breaks the distribution grammar; always a usage error, raised before any request. */
public final class ReferenceParseException extends JpullException {
  private static final long serialVersionUID = 1L;

  public ReferenceParseException(String message) {
    super(Kind.INVALID_INPUT, message);
  }
}
