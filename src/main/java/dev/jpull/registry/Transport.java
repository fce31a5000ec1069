package dev.jpull.registry;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.progress.ProgressEvent;
import dev.jpull.progress.ProgressListener;
import dev.jpull.registry.hosts.RegistryHost;
import java.io.IOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.ConnectionSpec;
import okhttp3.Dispatcher;
import okhttp3.Dns;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Sends requests: one shared connection pool, per-host TLS, redirects followed by hand, retries with
 * backoff, and the one place where {@code Authorization} is attached. OkHttp's {@code Authenticator} and
 * automatic redirects are not used: the first answers a 401 from any host, the second follows https→http
 * (HOSTILE-INPUTS (d), GHSA-vh4v-2xq2-g5cg, CVE-2020-15157).
 */
final class Transport {
  static final int MAX_REDIRECTS = 10;

  /** The origin ({@code scheme://host:port}) that alone may receive a request's credentials and headers. */
  record Binding(String origin, String authorization, Map<String, List<String>> headers) {
    Binding {
      headers = Map.copyOf(headers);
    }
  }

  /** What a request is for, to name it in errors and {@code Retry} events. */
  record Context(String action, String digest, String host) {}

  /** The permit one hop was sent under, so the connected socket can be checked against it. */
  private record Hop(RequestPolicy.Permit permit, String what) {}

  private final Options options;
  private final RequestPolicy policy;
  private final ProgressListener listener;
  private final DebugLog log;
  private final OkHttpClient base;
  private final Map<RegistryHost.Tls, OkHttpClient> clients = new ConcurrentHashMap<>();
  private final Set<Call> live = ConcurrentHashMap.newKeySet();
  private final Set<String> unverifiedWarned = ConcurrentHashMap.newKeySet();
  private final Object pauseLock = new Object();
  private volatile boolean cancelled;

  Transport(Options options, RequestPolicy policy, ProgressListener listener, DebugLog log) {
    this.options = options;
    this.policy = policy;
    this.listener = listener;
    this.log = log;
    OkHttpClient.Builder b = new OkHttpClient.Builder()
        .dispatcher(new Dispatcher())
        .connectionPool(new ConnectionPool())
        .connectTimeout(options.connectTimeout())
        .readTimeout(options.readTimeout())
        .writeTimeout(options.readTimeout())
        .followRedirects(false)
        .followSslRedirects(false)
        .retryOnConnectionFailure(false)
        .addInterceptor(new BindingInterceptor(options.userAgent(), log))
        .addInterceptor(new RegistryWarnings(listener))
        .addNetworkInterceptor(new ConnectedCheck())
        .eventListenerFactory(call -> new LiveCalls())
        // Cleartext only: OkHttp would otherwise load the platform trust store (~150 ms of a no-op pull)
        // even for a plain-HTTP registry. https gets its own client in clientFor().
        .connectionSpecs(List.of(ConnectionSpec.CLEARTEXT));
    if (options.dns() != null) {
      b.dns(options.dns());
    }
    EnvProxySelector proxies = new EnvProxySelector(options.environment());
    if (proxies.configured()) {
      b.proxySelector(proxies).proxyAuthenticator(proxies.authenticator());
    }
    this.base = b.build();
  }

  Options options() {
    return options;
  }

  RequestPolicy policy() {
    return policy;
  }

  static String origin(HttpUrl url) {
    return url.scheme() + "://" + url.host() + ":" + url.port();
  }

  /**
   * Sends {@code first} (tagged with a {@link Binding} and the {@link RequestPolicy.Permit} it is sent
   * under), following redirects when asked, retrying
   * connection failures, timeouts, 408, 429 and 5xx within the budget. Returns the last response, which
   * may still be a 429 or 5xx once the budget is spent; the caller turns it into an error.
   */
  Response send(Request first, RegistryHost.Tls tls, boolean followRedirects, Context ctx) throws IOException {
    return send(first, tls, followRedirects, options.attempts(), ctx);
  }

  /** As {@link #send(Request, RegistryHost.Tls, boolean, Context)} with its own budget of {@code attempts}. */
  Response send(Request first, RegistryHost.Tls tls, boolean followRedirects, int attempts, Context ctx)
      throws IOException {
    for (int attempt = 1; ; attempt++) {
      checkCancelled(ctx);
      String reason;
      long wait;
      try {
        Response r = follow(first, tls, followRedirects, ctx);
        int code = r.code();
        if (!retryable(code) || attempt >= attempts) {
          return r;
        }
        long after = retryAfterMillis(r.header("Retry-After"));
        wait = after >= 0 ? Math.min(after, options.maxRetryAfter().toMillis()) : backoff(attempt);
        reason = "HTTP " + code;
        r.close();
      } catch (JpullException e) {
        throw e;
      } catch (IOException e) {
        checkCancelled(ctx);
        if (!NetworkErrors.isTransient(e) || attempt >= attempts) {
          throw NetworkErrors.of(e, ctx, first.url());
        }
        reason = NetworkErrors.describe(e);
        wait = backoff(attempt);
      }
      retrying(ctx, reason, attempt, wait);
    }
  }

  /** Emits a {@code Retry} event and waits (interrupted by {@link #cancelAll()}). */
  void retrying(Context ctx, String reason, int attempt, long waitMillis) throws JpullException {
    listener.on(new ProgressEvent.Retry(ctx.digest(), ctx.host(), reason, attempt, waitMillis));
    log.log("retry " + attempt + " of " + ctx.action() + " at " + ctx.host() + " in " + waitMillis + " ms: " + reason);
    pause(waitMillis, ctx);
  }

  private Response follow(Request first, RegistryHost.Tls tls, boolean followRedirects, Context ctx)
      throws IOException {
    Binding binding = first.tag(Binding.class);
    RequestPolicy.Permit permit = first.tag(RequestPolicy.Permit.class);
    if (permit == null) {
      throw new IllegalStateException("request without a permit: " + Redactor.url(first.url()));
    }
    String home = binding != null ? binding.origin() : origin(first.url());
    Request req = first;
    for (int hop = 0; ; hop++) {
      String what = ctx.action() + " at " + ctx.host() + (hop == 0 ? "" : " (redirect " + hop + ")");
      // Checked before the connection: a refused target gets no packet, not even a DNS-named one.
      RequestPolicy.Permit checked = policy.check(req.url(), permit, what);
      req = req.newBuilder().tag(Hop.class, new Hop(checked, what)).build();
      boolean sameOrigin = origin(req.url()).equals(home);
      if (req.url().isHttps() && sameOrigin && !tls.verify()) {
        warnUnverified(req.url(), binding);
      }
      // A redirect target (blob storage, a CDN) gets no client certificate and no skip_verify.
      OkHttpClient client = !req.url().isHttps() ? base : clientFor(sameOrigin ? tls
          : new RegistryHost.Tls(true, tls.caCertificates(), List.of()), ctx);
      Call call = client.newCall(req);
      live.add(call);
      if (cancelled) {
        call.cancel();
      }
      Response r = call.execute();
      if (!followRedirects || !isRedirect(r.code())) {
        return r;
      }
      String location = r.header("Location");
      int code = r.code();
      r.close();
      if (hop >= MAX_REDIRECTS) {
        throw new JpullException(Kind.NETWORK, ctx.action() + " at " + ctx.host() + ": too many redirects (more than "
            + MAX_REDIRECTS + ")");
      }
      if (location == null || location.isBlank()) {
        throw new JpullException(Kind.NETWORK, ctx.action() + " at " + ctx.host() + ": bad redirect: HTTP " + code
            + " without a Location");
      }
      HttpUrl next = req.url().resolve(location.trim());
      if (next == null) {
        throw new JpullException(Kind.NETWORK, ctx.action() + " at " + ctx.host() + ": bad redirect to "
            + Redactor.url(location) + " (only http and https are followed)");
      }
      if (req.url().isHttps() && !next.isHttps()) {
        throw new JpullException(Kind.NETWORK, ctx.action() + " at " + ctx.host()
            + ": refusing redirect from https to http (" + Redactor.url(next) + ")");
      }
      permit = policy.redirectFrom(req.url(), checked);
      Request.Builder nb = req.newBuilder().url(next);
      if ((code == 303 && !req.method().equals("HEAD")) || ((code == 301 || code == 302)
          && req.method().equals("POST"))) {
        nb.get();
      }
      req = nb.build();
    }
  }

  /** One warning per origin: verification is off, so anything sent there (credentials too) could be read. */
  private void warnUnverified(HttpUrl url, Binding binding) {
    String origin = origin(url);
    if (unverifiedWarned.add(origin)) {
      listener.warn("TLS certificate verification is disabled for " + url.host() + ":" + url.port()
          + " (--tls-verify=false or skip_verify): its identity is not checked"
          + (binding != null && binding.authorization() != null ? ", and the credentials sent to it could be "
              + "read by anyone in between" : "")
          + "; use --ca-cert FILE or ca in hosts.toml instead");
    }
  }

  OkHttpClient clientFor(RegistryHost.Tls tls, Context ctx) throws JpullException {
    OkHttpClient c = clients.get(tls);
    if (c != null) {
      return c;
    }
    OkHttpClient.Builder b = base.newBuilder().connectionSpecs(List.of(ConnectionSpec.MODERN_TLS));
    TlsContexts.apply(b, tls, ctx.host());
    c = b.build();
    OkHttpClient prev = clients.putIfAbsent(tls, c);
    return prev != null ? prev : c;
  }

  static boolean isRedirect(int code) {
    return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
  }

  static boolean retryable(int code) {
    return code == 408 || code == 429 || (code >= 500 && code != 501 && code != 505);
  }

  long backoff(int attempt) {
    long base = options.backoffBase().toMillis();
    long cap = Math.max(base, Math.min(Duration.ofSeconds(30).toMillis(), options.maxRetryAfter().toMillis()));
    long exp = Math.min(cap, base << Math.min(attempt - 1, 20));
    double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
    return Math.max(0, Math.round(exp * jitter));
  }

  /** {@code Retry-After} in seconds or as an HTTP date; -1 when absent or unreadable. */
  static long retryAfterMillis(String value) {
    if (value == null || value.isBlank()) {
      return -1;
    }
    String v = value.trim();
    try {
      long s = Long.parseLong(v);
      return s < 0 ? -1 : Math.min(s, 86_400) * 1000;
    } catch (NumberFormatException e) {
      try {
        long ms = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli()
            - System.currentTimeMillis();
        return Math.max(0, ms);
      } catch (DateTimeParseException e2) {
        return -1;
      }
    }
  }

  void checkCancelled(Context ctx) throws JpullException {
    if (cancelled) {
      throw new JpullException(Kind.CANCELLED, ctx.action() + ": cancelled");
    }
  }

  boolean cancelled() {
    return cancelled;
  }

  private void pause(long millis, Context ctx) throws JpullException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (pauseLock) {
      while (!cancelled) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          break;
        }
        try {
          pauseLock.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new JpullException(Kind.CANCELLED, ctx.action() + ": interrupted", e);
        }
      }
    }
    checkCancelled(ctx);
  }

  void cancelAll() {
    cancelled = true;
    synchronized (pauseLock) {
      pauseLock.notifyAll();
    }
    for (Call c : live) {
      c.cancel();
    }
  }

  void close() {
    cancelAll();
    base.dispatcher().executorService().shutdown();
    base.connectionPool().evictAll();
  }


  /** Checks the socket a hop reached, so a name that re-resolved since {@link RequestPolicy#check} gets no request. */
  private final class ConnectedCheck implements Interceptor {
    @Override
    public Response intercept(Chain chain) throws IOException {
      Hop hop = chain.request().tag(Hop.class);
      okhttp3.Connection c = chain.connection();
      if (hop != null && c != null && c.route().proxy().type() == java.net.Proxy.Type.DIRECT) {
        policy.checkConnected(c.route().socketAddress().getAddress(), chain.request().url(), hop.permit(), hop.what());
      }
      return chain.proceed(chain.request());
    }
  }

  private final class LiveCalls extends EventListener {
    @Override
    public void callEnd(Call call) {
      live.remove(call);
    }

    @Override
    public void callFailed(Call call, IOException ioe) {
      live.remove(call);
    }

    @Override
    public void canceled(Call call) {
      live.remove(call);
    }
  }

  /** Timeouts, retry budget and test seams; see {@link OkHttpRegistryClient.Builder}. */
  record Options(Duration connectTimeout, Duration readTimeout, int attempts, Duration maxRetryAfter,
      Duration backoffBase, Dns dns, String userAgent, Map<String, String> environment) {
    Options {
      environment = Map.copyOf(environment);
    }
  }
}
