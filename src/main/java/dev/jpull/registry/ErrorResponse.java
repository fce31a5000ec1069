package dev.jpull.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.Kind;
import dev.jpull.oci.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import okhttp3.Response;

/**
 * Turns a refused response into a {@link RegistryException}, keeping the registry's own error codes and
 * messages (distribution-spec "Error Codes"). The body is read only up to {@link #MAX_BODY}: error bodies
 * are untrusted (CVE-2020-1702, go-containerregistry cbd9b4e9).
 */
final class ErrorResponse {
  static final int MAX_BODY = 64 * 1024;
  private static final int MAX_SHOWN = 300;

  private ErrorResponse() {}

  /**
   * @param action what was being done, e.g. {@code resolve 127.0.0.1:5000/a:1}
   * @param host the host that answered, as named in messages
   * @param registry the registry for hints ({@code jpull login <registry>})
   * @param authSent whether credentials were sent (decides the hint for a 401)
   */
  static RegistryException of(Response response, String action, String host, String registry, boolean authSent) {
    int status = response.code();
    List<String> codes = new ArrayList<>();
    List<String> messages = new ArrayList<>();
    try {
      byte[] body = Bodies.readAtMost(response.body().byteStream(), MAX_BODY);
      JsonNode tree = Json.MAPPER.readTree(body);
      JsonNode errors = tree == null ? null : tree.get("errors");
      if (errors != null && errors.isArray()) {
        for (JsonNode e : errors) {
          if (codes.size() >= 8) {
            break;
          }
          String code = clean(e.path("code").asText(""));
          if (!code.isEmpty()) {
            codes.add(code.toUpperCase(Locale.ROOT));
          }
          String message = clean(e.path("message").asText(""));
          messages.add(message.isEmpty() ? code.toLowerCase(Locale.ROOT).replace('_', ' ') : message);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not a distribution error body (or too large): the status alone has to do.
    } finally {
      response.close();
    }
    Kind kind = kind(status, codes);
    StringBuilder m = new StringBuilder(action).append(" at ").append(host).append(": ");
    if (messages.isEmpty()) {
      m.append("HTTP ").append(status);
      String reason = clean(response.message());
      if (!reason.isEmpty()) {
        m.append(' ').append(reason);
      }
    } else {
      for (int i = 0; i < messages.size(); i++) {
        if (i > 0) {
          m.append("; ");
        }
        m.append(messages.get(i));
        if (i < codes.size()) {
          m.append(" (").append(codes.get(i)).append(')');
        }
      }
    }
    String hint = switch (kind) {
      case UNAUTHORIZED -> authSent ? "check the credentials for " + registry : "run `jpull login " + registry + "`";
      case RATE_LIMITED -> "wait and try again, or log in to get a higher pull limit";
      case NOT_FOUND -> "check the repository name and tag ('jpull tags REPO' lists the tags)";
      default -> null;
    };
    return new RegistryException(kind, m.toString(), hint, status, codes);
  }

  static Kind kind(int status, List<String> codes) {
    for (String c : codes) {
      switch (c) {
        case "MANIFEST_UNKNOWN", "NAME_UNKNOWN", "BLOB_UNKNOWN":
          return Kind.NOT_FOUND;
        case "DENIED", "UNAUTHORIZED":
          return Kind.UNAUTHORIZED;
        case "TOOMANYREQUESTS":
          return Kind.RATE_LIMITED;
        default:
          break;
      }
    }
    if (status == 404) {
      return Kind.NOT_FOUND;
    }
    if (status == 401 || status == 403) {
      return Kind.UNAUTHORIZED;
    }
    if (status == 429) {
      return Kind.RATE_LIMITED;
    }
    return Kind.NETWORK;
  }

  /** Registry text reaches a terminal: no control characters, bounded length. */
  static String clean(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_SHOWN));
    for (int i = 0; i < s.length() && b.length() < MAX_SHOWN; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x1b ? '?' : c);
    }
    if (s.length() > MAX_SHOWN) {
      b.append('…');
    }
    return b.toString().trim();
  }
}
