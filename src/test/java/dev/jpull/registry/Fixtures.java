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

  OkHttpRegistryClient.Builder builder(HostResolver hosts) {
    return OkHttpRegistryClient.builder(hosts)
        .dns(LOOPBACK)
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
