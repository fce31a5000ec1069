package dev.jpull.registry;

import java.util.Locale;
import java.util.Set;
import okhttp3.Headers;
import okhttp3.HttpUrl;

/**
 * Makes URLs and headers safe to log: secrets never reach a log at any level (CVE-2021-45449,
 * GHSA-99qr-h2rp-65rc, GHSA-gc89-7gcr-jxqc). Query values are redacted unless their name is known to be
 * harmless, because signed blob URLs carry their secret in parameters whose names vary by CDN.
 */
final class Redactor {
  static final String REDACTED = "REDACTED";
  private static final Set<String> HARMLESS_QUERY = Set.of("service", "scope", "n", "last", "ns", "digest");
  private static final Set<String> SECRET_HEADERS = Set.of(
      "authorization", "proxy-authorization", "cookie", "set-cookie", "x-registry-auth");

  private static final java.util.regex.Pattern REALM =
      java.util.regex.Pattern.compile("(?i)realm\\s*=\\s*\"([^\"]*)\"");

  private Redactor() {}

  static String url(HttpUrl url) {
    if (url == null) {
      return "null";
    }
    HttpUrl.Builder b = url.newBuilder();
    if (!url.username().isEmpty() || !url.password().isEmpty()) {
      b.username(url.username().isEmpty() ? "" : "user").password("xxxxx");
    }
    String query = url.encodedQuery();
    if (query != null) {
      StringBuilder q = new StringBuilder();
      for (String part : query.split("&", -1)) {
        int eq = part.indexOf('=');
        String name = eq < 0 ? part : part.substring(0, eq);
        if (q.length() > 0) {
          q.append('&');
        }
        q.append(name);
        if (eq >= 0) {
          q.append('=').append(HARMLESS_QUERY.contains(name.toLowerCase(Locale.ROOT)) ? part.substring(eq + 1) : REDACTED);
        }
      }
      b.encodedQuery(q.toString());
    }
    b.fragment(null);
    return b.build().toString();
  }

  /** A URL given as text (a {@code Location} header, a realm): redacted when it parses, else cut short. */
  static String url(String text) {
    if (text == null) {
      return "null";
    }
    HttpUrl parsed = HttpUrl.parse(text);
    if (parsed != null) {
      return url(parsed);
    }
    int cut = indexOfAny(text, "?#");
    String kept = cut < 0 ? text : text.substring(0, cut) + "…";
    int scheme = kept.indexOf("://");
    int at = kept.lastIndexOf('@');
    if (at > scheme) {
      kept = kept.substring(0, scheme < 0 ? 0 : scheme + 3) + "xxxxx" + kept.substring(at);
    }
    return dev.jpull.Quoted.of(kept);
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  static String headers(Headers headers) {
    return headers(headers, Set.of());
  }

  /**
   * Headers for a log line: secrets redacted, every value escaped (a server's ESC or C1 byte never reaches
   * the terminal through --debug).
   *
   * @param configured names of the headers hosts.toml adds: all redacted, whatever they are called (an
   *     {@code X-Api-Key} is as secret as an {@code Authorization})
   */
  static String headers(Headers headers, Set<String> configured) {
    Set<String> extra = new java.util.HashSet<>();
    configured.forEach(n -> extra.add(n.toLowerCase(Locale.ROOT)));
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < headers.size(); i++) {
      String name = headers.name(i);
      String lower = name.toLowerCase(Locale.ROOT);
      String value = headers.value(i);
      if (SECRET_HEADERS.contains(lower) || extra.contains(lower) || lower.contains("token")
          || lower.contains("secret") || (lower.contains("auth") && !lower.endsWith("authenticate"))
          || lower.contains("key")
          || lower.contains("password")) {
        int space = value.indexOf(' ');
        // Keep the scheme ("Bearer", "Basic") so --debug still shows which auth was used.
        value = (space > 0 && lower.endsWith("authorization") ? value.substring(0, space + 1) : "") + REDACTED;
      } else if (lower.equals("www-authenticate")) {
        value = challengeValue(value);
      } else if (lower.equals("location") || lower.equals("content-location") || lower.equals("link")) {
        value = lower.equals("link") ? linkValue(value) : url(value);
      }
      if (b.length() > 0) {
        b.append("; ");
      }
      b.append(name).append(": ").append(escaped(value));
    }
    return b.toString();
  }

  /**
   * The value with every character {@link dev.jpull.Quoted} escapes (controls, C1 included) escaped as it
   * does, and nothing else changed: Quoted decides what is unsafe, this only keeps the line unquoted and
   * whole. (A whole-text form of Quoted would replace this loop.)
   */
  static String escaped(String value) {
    StringBuilder b = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      String q = c == '"' || c == '\\' || Character.isSurrogate(c) ? null : dev.jpull.Quoted.of(String.valueOf(c));
      boolean unsafe = q != null && q.length() != 3;
      if (unsafe && b == null) {
        b = new StringBuilder(value.length() + 16).append(value, 0, i);
      }
      if (b != null) {
        if (unsafe) {
          b.append(q, 1, q.length() - 1);
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? value : b.toString();
  }

  /** A realm is a URL the registry chose: its query is redacted like any other URL's. */
  private static String challengeValue(String value) {
    java.util.regex.Matcher m = REALM.matcher(value);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(b, java.util.regex.Matcher.quoteReplacement("realm=\"" + url(m.group(1)) + "\""));
    }
    m.appendTail(b);
    return b.toString();
  }

  private static String linkValue(String value) {
    int open = value.indexOf('<');
    int close = value.indexOf('>', open + 1);
    if (open < 0 || close < 0) {
      return REDACTED;
    }
    String target = value.substring(open + 1, close);
    String shown = target.startsWith("/") ? url("http://x" + target).substring("http://x".length()) : url(target);
    return value.substring(0, open + 1) + shown + value.substring(close);
  }
}
