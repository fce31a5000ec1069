package dev.jpull.registry;

import dev.jpull.Quoted;
import dev.jpull.progress.ProgressListener;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * A registry's {@code Warning} headers (distribution-spec "Warnings": {@code 299 - "text"}, e.g. a deprecated
 * repository or a rate-limit notice), shown once each per command as a warning line and a {@code warning}
 * event. Only code 299 is shown, as the spec asks; the text is escaped (it comes from the network) and the
 * number of distinct warnings is bounded, so a hostile registry cannot flood the terminal.
 */
final class RegistryWarnings implements Interceptor {
  static final int MAX_DISTINCT = 16;
  private static final int MAX_HEADER = 4096;

  private final ProgressListener listener;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  RegistryWarnings(ProgressListener listener) {
    this.listener = listener;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Response r = chain.proceed(chain.request());
    for (String value : r.headers("Warning")) {
      String text = text(value);
      if (text != null && seen.size() < MAX_DISTINCT && seen.add(text)) {
        listener.warn("registry " + r.request().url().host() + ":" + r.request().url().port() + ": "
            + Quoted.of(text));
      }
    }
    return r;
  }

  /** The quoted text of a {@code 299 <agent> "<text>"} value; null for other codes or a malformed value. */
  static String text(String value) {
    if (value == null || value.length() > MAX_HEADER) {
      return null;
    }
    String v = value.strip();
    if (!v.startsWith("299 ")) {
      return null;
    }
    int open = v.indexOf('"');
    if (open < 0) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    for (int i = open + 1; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '\\' && i + 1 < v.length()) {
        b.append(v.charAt(++i));
      } else if (c == '"') {
        return b.toString().isBlank() ? null : b.toString();
      } else {
        b.append(c);
      }
    }
    return null;
  }
}
