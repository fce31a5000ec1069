package dev.jpull;

/**
 * The class of a failure, decided where the failure is understood. The CLI maps each kind to one exit
 * code of the contract; nothing downstream guesses a class from message text.
 */
public enum Kind {
  /** Repository, tag, digest or platform does not exist (exit 3). */
  NOT_FOUND,
  /** 401/403, DENIED, a failing credential helper (exit 4). */
  UNAUTHORIZED,
  /** 429 / TOOMANYREQUESTS after the retry budget (exit 5). */
  RATE_LIMITED,
  /** Connection, DNS, TLS, timeouts, stalls, 5xx after retries (exit 6). */
  NETWORK,
  /** Digest, size or diffID mismatch; malformed documents; unsafe layer content (exit 7). */
  VERIFICATION,
  /** Schema 1, non-image artifacts, unknown media types (exit 8). */
  UNSUPPORTED,
  /** Disk full, permission denied, unusable store (exit 9). */
  LOCAL_IO,
  /** A bad argument discovered after parsing, e.g. a non-empty --rootfs (exit 2). */
  INVALID_INPUT,
  /** The operation was cancelled because another part of it failed or the user interrupted it. */
  CANCELLED
}
