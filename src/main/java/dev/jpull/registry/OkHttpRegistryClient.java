package dev.jpull.registry;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import dev.jpull.oci.MediaTypes;
import dev.jpull.progress.ProgressListener;
import dev.jpull.reference.Reference;
import dev.jpull.registry.auth.CredentialSource;
import dev.jpull.registry.auth.Credentials;
import dev.jpull.registry.hosts.HostResolver;
import dev.jpull.registry.hosts.RegistryHost;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The registry client over OkHttp: mirrors then upstream, Docker token and Basic auth bound to each host,
 * manual redirects, retries, resumable blob bodies and per-host TLS. Thread-safe; one per process.
 */
public final class OkHttpRegistryClient implements RegistryClient {
  /** Manifest Accept: the supported types first; schema 1 last, only so that it can be refused clearly. */
  static final String MANIFEST_ACCEPT = String.join(", ", MediaTypes.MANIFEST_ACCEPT) + ", "
      + MediaTypes.DOCKER_SCHEMA1_SIGNED + ", " + MediaTypes.DOCKER_SCHEMA1;

  private final HostResolver hosts;
  private final CredentialSource credentials;
  private final Transport transport;
  private final Authorizer authorizer;
  private final DebugLog log;
  private final boolean allowForeignUrls;
  private final long maxTags;
  private final HostFallback fallback;
  /** Root digests a HEAD named for a tag: fetching one the registry then cannot serve falls back to the tag. */
  private final Map<String, Digest> headResolved = new ConcurrentHashMap<>();

  private OkHttpRegistryClient(Builder b) {
    this.hosts = b.hosts;
    this.credentials = b.credentials;
    this.log = b.debugSink == null ? DebugLog.slf4j() : DebugLog.to(b.debugSink);
    this.allowForeignUrls = b.allowForeignUrls;
    this.maxTags = b.maxTags;
    RequestPolicy policy = new RequestPolicy(b.dns, b.classifier);
    this.transport = new Transport(new Transport.Options(b.connectTimeout, b.readTimeout, b.attempts, b.maxRetryAfter,
        b.backoffBase, b.dns, b.userAgent, b.environment), policy, b.listener, log);
    this.authorizer = new Authorizer(new TokenClient(transport, b.clock), policy, b.clock);
    this.fallback = new HostFallback(hosts, credentials, transport, log);
  }

  public static Builder builder(HostResolver hosts) {
    return new Builder(hosts);
  }

  @Override
  public Resolution resolve(Reference ref) throws IOException {
    RegistryHost.Capability cap = ref.digest() != null ? RegistryHost.Capability.PULL : RegistryHost.Capability.RESOLVE;
    Resolution r = fallback.onHosts(ref.registry(), cap, "resolve " + ref, ep -> new Manifests(this, ep, ref).resolve());
    if (r.fromHead() && ref.digest() == null) {
      headResolved.put(ref.toString(), r.descriptor().digest());
    }
    return r;
  }

  @Override
  public Document manifest(Reference ref, Descriptor descriptor) throws IOException {
    boolean named = descriptor.digest().equals(headResolved.get(ref.toString()));
    return fallback.onHosts(ref.registry(), RegistryHost.Capability.PULL, "fetch manifest " + descriptor.digest(),
        ep -> new Manifests(this, ep, ref).fetch(descriptor, named));
  }

  @Override
  public BlobStream blob(Reference ref, Descriptor descriptor, long offset) throws IOException {
    return new Blobs(this, ref, descriptor).open(offset);
  }

  @Override
  public TagList tags(Reference repository, TagSink sink) throws IOException {
    java.util.concurrent.atomic.AtomicLong passed = new java.util.concurrent.atomic.AtomicLong();
    TagSink counting = new TagSink() {
      @Override
      public void accept(String tag) throws IOException {
        passed.incrementAndGet();
        sink.accept(tag);
      }

      @Override
      public void pageDone() throws IOException {
        sink.pageDone();
      }
    };
    return fallback.onHosts(repository.registry(), RegistryHost.Capability.RESOLVE, "list tags of " + repository.name(),
        ep -> new TagLister(this, ep, repository, maxTags).list(counting), () -> passed.get() == 0);
  }

  /**
   * Checks credentials for {@code jpull login}: {@code GET /v2/} through the challenge flow with exactly
   * these credentials, at the registry itself (never a mirror).
   */
  public void verifyCredentials(String registry, Credentials c) throws IOException {
    Objects.requireNonNull(c, "credentials");
    List<RegistryHost> all = hosts.hosts(registry);
    RegistryHost upstream = all.stream().filter(h -> !h.mirror()).reduce((a, b) -> b)
        .orElseThrow(() -> new JpullException(Kind.INVALID_INPUT, "log in to " + registry + ": no upstream host"));
    Endpoint ep = Endpoint.of(upstream, registry, c);
    Transport.Context ctx = new Transport.Context("log in to " + registry, null, ep.name());
    if (ep.withheld()) {
      throw withheld(ep, ctx);
    }
    HttpUrl url = apiRoot(ep).addPathSegment("").build();
    Response r = exchange(ep, "GET", url, Map.of(), List.of(), ctx);
    try (r) {
      if (r.code() != 200) {
        throw ErrorResponse.of(r, ctx.action(), ep.name(), registry, true);
      }
    }
  }

  @Override
  public void cancelAll() {
    transport.cancelAll();
  }

  @Override
  public void close() {
    transport.close();
  }

  // ---- shared by Manifests, Blobs and TagLister ----

  Transport transport() {
    return transport;
  }

  HostResolver hosts() {
    return hosts;
  }

  HostFallback fallback() {
    return fallback;
  }

  boolean allowForeignUrls() {
    return allowForeignUrls;
  }

  DebugLog log() {
    return log;
  }

  static List<String> scopes(Reference ref) {
    return List.of("repository:" + ref.repository() + ":pull");
  }

  /** Sends one request to the endpoint, answering its challenges; 401s from other origins are returned as is. */
  Response exchange(Endpoint ep, String method, HttpUrl url, Map<String, String> headers, List<String> scopes,
      Transport.Context ctx) throws IOException {
    return exchange(ep, method, url, headers, scopes, firstAttempts(ep), ctx);
  }

  /**
   * Like containerd, a failing mirror is not retried: the next host is the retry (a mirror that is down would
   * otherwise cost the whole backoff budget on every request before the upstream is tried).
   */
  int firstAttempts(Endpoint ep) {
    return ep.host().mirror() ? 1 : transport.options().attempts();
  }

  /** As above, with its own budget of {@code attempts}. */
  Response exchange(Endpoint ep, String method, HttpUrl url, Map<String, String> headers,
      List<String> scopes, int attempts, Transport.Context ctx) throws IOException {
    Authorizer.Round round = authorizer.start(ep, scopes, ctx);
    while (true) {
      Request.Builder rb = new Request.Builder().url(url).method(method, null)
          .tag(Transport.Binding.class, new Transport.Binding(ep.origin(), round.header, ep.host().headers()))
          .tag(RequestPolicy.Permit.class, RequestPolicy.Permit.CONFIGURED);
      headers.forEach(rb::header);
      Response r = transport.send(rb.build(), ep.host().tls(), true, attempts, ctx);
      if (r.code() != 401 || !Transport.origin(r.request().url()).equals(ep.origin())) {
        return r;
      }
      if (ep.withheld()) {
        r.close();
        throw withheld(ep, ctx);
      }
      boolean again;
      try {
        again = authorizer.reauthorize(ep, round, r, ctx);
      } catch (IOException | RuntimeException e) {
        r.close();
        throw e;
      }
      if (!again) {
        return r;
      }
      r.close();
    }
  }

  /** The registry asked for credentials that jpull has but will not send over plain HTTP to a remote host. */
  private static JpullException withheld(Endpoint ep, Transport.Context ctx) {
    String host = ep.name();
    String dir = host.replace(":", "_") + "_";
    return new JpullException(Kind.UNAUTHORIZED, ctx.action() + " at " + host + ": the registry asks for "
        + "credentials, and jpull does not send them over plain HTTP to a host that is not this machine "
        + "(--plain-http alone is no opt-in)",
        "use https, or opt in for this host with server = \"http://" + host + "\" in its hosts.toml "
            + "(--hosts-dir DIR; default ~/.config/jpull/certs.d/" + dir + "/hosts.toml)", null);
  }

  HttpUrl url(Endpoint ep, String repository, String kind, String identifier) {
    return apiRoot(ep).addPathSegments(repository).addPathSegment(kind).addPathSegments(identifier).build();
  }

  private static HttpUrl.Builder apiRoot(Endpoint ep) {
    HttpUrl.Builder b = ep.base().newBuilder();
    String path = ep.host().path() == null ? "" : ep.host().path().replaceAll("^/+|/+$", "");
    if (!path.isEmpty()) {
      b.addPathSegments(path);
    }
    if (ep.host().mirror()) {
      b.addQueryParameter("ns", ep.registry()); // containerd: tells a mirror which upstream is meant
    }
    return b;
  }

  /** Options for {@link OkHttpRegistryClient}; every one has a default. */
  public static final class Builder {
    private final HostResolver hosts;
    private CredentialSource credentials = CredentialSource.ANONYMOUS;
    private ProgressListener listener = ProgressListener.NONE;
    private Duration connectTimeout = Duration.ofSeconds(15);
    private Duration readTimeout = Duration.ofSeconds(30);
    private int attempts = 5;
    private Duration maxRetryAfter = Duration.ofSeconds(60);
    private Duration backoffBase = Duration.ofMillis(500);
    private Dns dns;
    private String userAgent = "jpull/" + version();
    private Map<String, String> environment = System.getenv();
    private LongSupplier clock = System::nanoTime;
    private Consumer<String> debugSink;
    private boolean allowForeignUrls;
    private long maxTags = TagLister.MAX_TAGS;
    private java.util.function.Function<java.net.InetAddress, RequestPolicy.AddressClass> classifier;

    private Builder(HostResolver hosts) {
      this.hosts = Objects.requireNonNull(hosts, "hosts");
    }

    private static String version() {
      String v = OkHttpRegistryClient.class.getPackage().getImplementationVersion();
      return v == null ? "dev" : v;
    }

    public Builder credentials(CredentialSource c) {
      this.credentials = Objects.requireNonNull(c);
      return this;
    }

    /** Receives {@code Retry} events. */
    public Builder listener(ProgressListener l) {
      this.listener = Objects.requireNonNull(l);
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = Objects.requireNonNull(d);
      return this;
    }

    /** How long a read may wait for the next byte before the request is retried or resumed. */
    public Builder readTimeout(Duration d) {
      this.readTimeout = Objects.requireNonNull(d);
      return this;
    }

    /** Attempts per request (and consecutive resumes per blob without progress), at least 1. */
    public Builder attempts(int n) {
      this.attempts = Math.max(1, n);
      return this;
    }

    /** Cap on a server's {@code Retry-After}. */
    public Builder maxRetryAfter(Duration d) {
      this.maxRetryAfter = Objects.requireNonNull(d);
      return this;
    }

    /** First backoff delay, doubled per attempt with jitter. */
    public Builder backoff(Duration base) {
      this.backoffBase = Objects.requireNonNull(base);
      return this;
    }

    /** Name resolution override (tests map {@code registry.test} to 127.0.0.1). */
    public Builder dns(Dns d) {
      this.dns = d;
      return this;
    }

    public Builder userAgent(String ua) {
      this.userAgent = Objects.requireNonNull(ua);
      return this;
    }

    /** Where {@code HTTPS_PROXY}/{@code HTTP_PROXY}/{@code NO_PROXY} are read from (default: the process env). */
    public Builder environment(Map<String, String> env) {
      this.environment = Map.copyOf(env);
      return this;
    }

    Builder clock(LongSupplier nanoTime) {
      this.clock = nanoTime;
      return this;
    }

    /**
     * Lets a foreign (non-distributable) layer be fetched from its descriptor's {@code urls}, over https to
     * public addresses only; off by default: layers come from the registry.
     */
    public Builder allowForeignUrls(boolean allow) {
      this.allowForeignUrls = allow;
      return this;
    }

    /** Test seam: how an address is classed (tests call 127.0.0.2 "public" to exercise the policy on loopback). */
    Builder addressClassifier(java.util.function.Function<java.net.InetAddress, RequestPolicy.AddressClass> c) {
      this.classifier = c;
      return this;
    }

    /** Test seam: how many tags {@link #tags} passes on before it only counts. */
    Builder maxTags(long n) {
      this.maxTags = n;
      return this;
    }

    Builder debugSink(Consumer<String> sink) {
      this.debugSink = sink;
      return this;
    }

    public OkHttpRegistryClient build() {
      return new OkHttpRegistryClient(this);
    }
  }
}
