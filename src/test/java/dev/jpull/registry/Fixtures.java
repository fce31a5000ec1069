package dev.jpull.registry;

import dev.jpull.progress.ProgressEvent;
import dev.jpull.reference.Reference;
import dev.jpull.registry.hosts.HostResolver;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Dns;

/** Shared helpers for the registry tests: fast client options, names mapped to loopback, dispatchers. */
final class Fixtures {
  /** Every name (registry.test, auth.test, cdn.test…) resolves to loopback. */
  static final Dns LOOPBACK = host -> List.of(InetAddress.getLoopbackAddress());

  final List<ProgressEvent> events = new CopyOnWriteArrayList<>();
  final List<String> log = new CopyOnWriteArrayList<>();

  /**
   * Names under {@code .test} play remote public hosts (they resolve to loopback here, and the policy is
   * told they are public), so a realm or redirect aimed at a loopback or internal literal is refused
   * before any connection, as it would be for a real registry. Literals are classed for real.
   */
  static RequestPolicy.AddressClass testNamesArePublic(InetAddress a) {
    String s = a.toString(); // "name/literal"; never getHostName(), which would do a reverse lookup
    String name = s.substring(0, s.indexOf('/'));
    return name.endsWith(".test") ? RequestPolicy.AddressClass.PUBLIC : RequestPolicy.classify(a);
  }

  /** Every name resolves to 127.0.0.1, keeping its name so {@link #testNamesArePublic} can tell it apart. */
  static final Dns NAMED_LOOPBACK = host -> List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));

  OkHttpRegistryClient.Builder builder(HostResolver hosts) {
    return OkHttpRegistryClient.builder(hosts)
        .dns(NAMED_LOOPBACK)
        .addressClassifier(Fixtures::testNamesArePublic)
        .environment(Map.of())
        .listener(events::add)
        .readTimeout(Duration.ofSeconds(2))
        .connectTimeout(Duration.ofSeconds(2))
        .backoff(Duration.ofMillis(5))
        .maxRetryAfter(Duration.ofMillis(300))
        .debugSink(log::add);
  }

  /** A client for registries named {@code registry.test:<port>} served over plain http. */
  OkHttpRegistryClient plain() {
    return builder(StaticHosts.direct("http", dev.jpull.registry.hosts.RegistryHost.Tls.SYSTEM)).build();
  }

  /** Every tag the client passes on, in order. */
  static List<String> tags(RegistryClient c, Reference repo) throws java.io.IOException {
    List<String> out = new java.util.ArrayList<>();
    c.tags(repo, out::add);
    return out;
  }

  static String name(MockWebServer s) {
    return "registry.test:" + s.getPort();
  }

  static Reference ref(String s) {
    try {
      return Reference.parse(s);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static Dispatcher dispatch(Function<RecordedRequest, MockResponse> f) {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return f.apply(request);
      }
    };
  }

  static MockResponse status(int code) {
    return new MockResponse.Builder().code(code).build();
  }

  static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String path(RecordedRequest r) {
    return r.getUrl().encodedPath();
  }
}
