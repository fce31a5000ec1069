package dev.jpull.registry;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/** Adds a request's credentials and host headers only when it goes to the bound origin; logs redacted. */
final class BindingInterceptor implements Interceptor {
  private final String userAgent;
  private final DebugLog log;

  BindingInterceptor(String userAgent, DebugLog log) {
    this.userAgent = userAgent;
    this.log = log;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request r = chain.request();
    Transport.Binding b = r.tag(Transport.Binding.class);
    Request.Builder nb = r.newBuilder().removeHeader("Authorization").header("User-Agent", userAgent);
    if (b != null && b.origin().equals(Transport.origin(r.url()))) {
      if (b.authorization() != null) {
        nb.header("Authorization", b.authorization());
      }
      try {
        b.headers().forEach((name, values) -> values.forEach(v -> nb.addHeader(name, v)));
      } catch (IllegalArgumentException e) {
        throw new JpullException(Kind.INVALID_INPUT, "configured header for " + r.url().host() + " is invalid: "
            + e.getMessage());
      }
    }
    Request out = nb.build();
    java.util.Set<String> configured = b == null ? java.util.Set.of() : b.headers().keySet();
    if (log.enabled()) {
      log.log("--> " + out.method() + " " + Redactor.url(out.url()) + " [" + Redactor.headers(out.headers(), configured)
          + "]");
    }
    long t0 = System.nanoTime();
    Response resp = chain.proceed(out);
    if (log.enabled()) {
      log.log("<-- " + resp.code() + " " + out.method() + " " + Redactor.url(out.url()) + " ("
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms) [" + Redactor.headers(resp.headers()) + "]");
    }
    return resp;
  }
}
