package dev.jpull.registry;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.util.List;

/**
 * A registry refused a request: the HTTP status and the distribution-spec {@code errors[].code}s it sent,
 * kept so callers can tell {@code MANIFEST_UNKNOWN} from {@code NAME_UNKNOWN} without reading messages.
 */
public final class RegistryException extends JpullException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final List<String> codes;

  RegistryException(Kind kind, String message, String hint, int status, List<String> codes) {
    super(kind, message, hint, null);
    this.status = status;
    this.codes = List.copyOf(codes);
  }

  /** The HTTP status, or 0 when the failure was not an HTTP response. */
  public int status() {
    return status;
  }

  /** The registry's error codes, e.g. {@code MANIFEST_UNKNOWN}; empty when it sent none. */
  public List<String> codes() {
    return codes;
  }
}
