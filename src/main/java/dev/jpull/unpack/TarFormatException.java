package dev.jpull.unpack;

import java.io.IOException;

/** The layer's bytes are not a well-formed tar archive, or use a form jpull refuses. */
final class TarFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  TarFormatException(String message) {
    super(message);
  }
}
