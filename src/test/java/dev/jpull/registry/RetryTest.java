package dev.jpull.registry;

import static dev.jpull.registry.Fixtures.dispatch;
import static dev.jpull.registry.Fixtures.json;
import static dev.jpull.registry.Fixtures.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.progress.ProgressEvent;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

class RetryTest {
  @StartStop final MockWebServer registry = new MockWebServer();
  final Fixtures fx = new Fixtures();

  String reg() {
    return Fixtures.name(registry);
  }

  List<ProgressEvent.Retry> retries() {
    return fx.events.stream().filter(ProgressEvent.Retry.class::isInstance).map(ProgressEvent.Retry.class::cast).toList();
  }

  @Test
  void tooManyRequestsWithRetryAfterThenSuccess() throws Exception {
    AtomicInteger n = new AtomicInteger();
    registry.setDispatcher(dispatch(r -> n.incrementAndGet() == 1
        ? new MockResponse.Builder().code(429).addHeader("Retry-After", "1").build()
        : Images.manifest(r.getMethod())));
    try (OkHttpRegistryClient c = fx.plain()) {
      assertEquals(Images.MANIFEST_DIGEST, c.resolve(ref(reg() + "/a:1")).descriptor().digest());
    }
    List<ProgressEvent.Retry> r = retries();
    assertEquals(1, r.size());
    assertEquals("HTTP 429", r.get(0).reason());
    assertEquals(reg(), r.get(0).host());
    assertEquals(300, r.get(0).waitMillis(), "Retry-After: 1 capped by maxRetryAfter");
  }

  @Test
  void serviceUnavailableUntilTheBudgetIsSpent() throws Exception {
    registry.setDispatcher(dispatch(r -> Fixtures.status(503)));
    try (OkHttpRegistryClient c = fx.plain()) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.NETWORK, e.kind());
      assertTrue(e.getMessage().startsWith("resolve " + reg() + "/a:1 at " + reg() + ": HTTP 503"), e.getMessage());
    }
    assertEquals(5, registry.getRequestCount());
    assertEquals(List.of(1, 2, 3, 4), retries().stream().map(ProgressEvent.Retry::attempt).toList());
  }

  @Test
  void rateLimitedAfterTheBudget() throws Exception {
    registry.setDispatcher(dispatch(r -> json(429,
        "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"you have reached your pull rate limit\"}]}")));
    try (OkHttpRegistryClient c = fx.builder(StaticHosts.direct("http", dev.jpull.registry.hosts.RegistryHost.Tls.SYSTEM))
        .attempts(3).build()) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.RATE_LIMITED, e.kind());
    }
    assertEquals(3, registry.getRequestCount());
  }

  @Test
  void notFoundKeepsTheRegistryErrorCode() throws Exception {
    registry.setDispatcher(dispatch(r -> r.getMethod().equals("HEAD") ? Fixtures.status(404)
        : json(404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{}}]}")));
    try (OkHttpRegistryClient c = fx.plain()) {
      RegistryException e = assertThrows(RegistryException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.NOT_FOUND, e.kind());
      assertEquals("resolve " + reg() + "/a:1 at " + reg() + ": manifest unknown (MANIFEST_UNKNOWN)", e.getMessage());
      assertEquals(List.of("MANIFEST_UNKNOWN"), e.codes());
      assertEquals(404, e.status());
    }
  }

  @Test
  void connectionRefusedIsNetwork() throws Exception {
    int port = registry.getPort();
    registry.close();
    try (OkHttpRegistryClient c = fx.builder(StaticHosts.direct("http", dev.jpull.registry.hosts.RegistryHost.Tls.SYSTEM))
        .attempts(2).build()) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref("registry.test:" + port + "/a:1")));
      assertEquals(Kind.NETWORK, e.kind());
      assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
    }
  }

  @Test
  void retryAfterParsing() {
    assertEquals(5000, Transport.retryAfterMillis("5"));
    assertEquals(-1, Transport.retryAfterMillis("soon"));
    assertEquals(0, Transport.retryAfterMillis("Wed, 21 Oct 2015 07:28:00 GMT"));
    assertEquals(-1, Transport.retryAfterMillis(null));
  }
}
