package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import javax.net.ssl.SSLException;
import picocli.CommandLine;

/** The only place where failures become the contract's exit codes. */
final class ExitCodes implements CommandLine.IExitCodeExceptionMapper {
  static final int OK = 0;
  static final int BUG = 1;
  static final int USAGE = 2;
  static final int NOT_FOUND = 3;
  static final int AUTH = 4;
  static final int RATE_LIMITED = 5;
  static final int NETWORK = 6;
  static final int INVALID_CONTENT = 7;
  static final int UNSUPPORTED = 8;
  static final int LOCAL = 9;
  static final int SIGINT = 130;
  static final int SIGTERM = 143;

  /** The exit-code table shown at the end of the top-level help. */
  static final String TABLE = """
      Exit codes:
        0    success
        1    unexpected internal error (a bug)
        2    usage: bad flags, bad reference syntax
        3    not found: repository, tag, digest, or no manifest for the platform
        4    authentication or authorization refused
        5    rate-limited after the retry budget
        6    network: connection, DNS, TLS, timeouts, 5xx after retries
        7    content invalid: digest, size or diffID mismatch, malformed documents, unsafe layer content
        8    unsupported: schema 1 manifests, non-image artifacts, unknown layer media types
        9    local: disk full, permission denied, store unusable
        130  interrupted (SIGINT); 143 terminated (SIGTERM)
      """;

  @Override
  public int getExitCode(Throwable t) {
    return of(t);
  }

  /** The first classified cause in the chain decides; unclassified JDK exceptions by their type. */
  static int of(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof CommandLine.ParameterException) {
        return USAGE;
      }
      if (c instanceof JpullException j && j.kind() != Kind.CANCELLED) {
        return of(j.kind());
      }
    }
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof UnknownHostException || c instanceof ConnectException || c instanceof SSLException
          || c instanceof SocketTimeoutException) {
        return NETWORK;
      }
      if (c instanceof FileSystemException || c instanceof AccessDeniedException) {
        return LOCAL;
      }
      if (c instanceof InterruptedException || c instanceof InterruptedIOException) {
        return SIGINT;
      }
    }
    return BUG;
  }

  static int of(Kind kind) {
    return switch (kind) {
      case NOT_FOUND -> NOT_FOUND;
      case UNAUTHORIZED -> AUTH;
      case RATE_LIMITED -> RATE_LIMITED;
      case NETWORK -> NETWORK;
      case VERIFICATION -> INVALID_CONTENT;
      case UNSUPPORTED -> UNSUPPORTED;
      case LOCAL_IO -> LOCAL;
      case INVALID_INPUT -> USAGE;
      case CANCELLED -> SIGINT;
    };
  }

  /** The kind's name for JSON error events. */
  static String kindName(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof JpullException j && j.kind() != Kind.CANCELLED) {
        return j.kind().name().toLowerCase(java.util.Locale.ROOT);
      }
    }
    return switch (of(t)) {
      case NETWORK -> "network";
      case LOCAL -> "local_io";
      case USAGE -> "usage";
      case SIGINT -> "interrupted";
      default -> "internal";
    };
  }
}
