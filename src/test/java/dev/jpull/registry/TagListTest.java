package dev.jpull.registry;

import static dev.jpull.registry.Fixtures.dispatch;
import static dev.jpull.registry.Fixtures.json;
import static dev.jpull.registry.Fixtures.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.registry.hosts.RegistryHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

class TagListTest {
  @StartStop final MockWebServer registry = new MockWebServer();
  @StartStop final MockWebServer mirror = new MockWebServer();
  final Fixtures fx = new Fixtures();

  String reg() {
    return Fixtures.name(registry);
  }

  /** Page 1 lists a and b and links to page 2, which fails with {@code page2}. */
  static MockResponse page(mockwebserver3.RecordedRequest r, MockResponse page2) {
    if (r.getUrl().queryParameter("last") == null) {
      return new MockResponse.Builder().code(200).addHeader("Link", "</v2/a/tags/list?last=b>; rel=\"next\"")
          .body("{\"name\":\"a\",\"tags\":[\"a\",\"b\"]}").build();
    }
    return page2;
  }

  @Test
  void aTagListWhosePage2FailsPassesOnPage1First() throws Exception {
    registry.setDispatcher(dispatch(r -> page(r, json(404,
        "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"gone\"}]}"))));
    List<String> seen = new ArrayList<>();
    List<Integer> requestsWhenSeen = new ArrayList<>();
    try (OkHttpRegistryClient c = fx.plain()) {
      JpullException e = assertThrows(JpullException.class, () -> c.tags(ref(reg() + "/a:latest"), t -> {
        seen.add(t);
        requestsWhenSeen.add(registry.getRequestCount());
      }));
      assertEquals(Kind.NOT_FOUND, e.kind());
    }
    assertEquals(List.of("a", "b"), seen);
    assertEquals(List.of(1, 1), requestsWhenSeen, "page 1 was passed on before page 2 was requested");
  }

  @Test
  void aMirrorThatFailsAfterOutputBeganIsNotRepeatedByTheUpstream() throws Exception {
    mirror.setDispatcher(dispatch(r -> page(r, Fixtures.status(400))));
    registry.setDispatcher(dispatch(r -> json(200, "{\"tags\":[\"a\",\"b\",\"c\"]}")));
    StaticHosts hosts = new StaticHosts(Map.of("docker.io", List.of(
        StaticHosts.mirror("http://mirror.test:" + mirror.getPort(), RegistryHost.Capability.RESOLVE),
        StaticHosts.upstream("http://" + reg(), RegistryHost.Tls.SYSTEM))));
    List<String> seen = new ArrayList<>();
    try (OkHttpRegistryClient c = fx.builder(hosts).attempts(1).build()) {
      assertThrows(JpullException.class, () -> c.tags(ref("alpine"), seen::add));
    }
    assertEquals(List.of("a", "b"), seen, "no re-print from another host");
    assertEquals(0, registry.getRequestCount());
  }

  @Test
  void aMirrorThatFailsBeforeOutputFallsBackToTheUpstream() throws Exception {
    mirror.setDispatcher(dispatch(r -> Fixtures.status(400)));
    registry.setDispatcher(dispatch(r -> json(200, "{\"tags\":[\"a\",\"b\",\"c\"]}")));
    StaticHosts hosts = new StaticHosts(Map.of("docker.io", List.of(
        StaticHosts.mirror("http://mirror.test:" + mirror.getPort(), RegistryHost.Capability.RESOLVE),
        StaticHosts.upstream("http://" + reg(), RegistryHost.Tls.SYSTEM))));
    try (OkHttpRegistryClient c = fx.builder(hosts).attempts(1).build()) {
      assertEquals(List.of("a", "b", "c"), Fixtures.tags(c, ref("alpine")));
    }
  }

  @Test
  void tagsBreakingTheGrammarAreLeftOutAndCounted() throws Exception {
    registry.setDispatcher(dispatch(r -> json(200, "{\"tags\":[\"ok\",\"\\u001b]0;pwned\\u0007\",\"\\u009b31m\","
        + "\"a\\rb\",\"-x\",\".x\",\"" + "t".repeat(129) + "\",\"" + "t".repeat(128) + "\",7,\"v1.0_rc-2\"]}")));
    List<String> seen = new ArrayList<>();
    TagList result;
    try (OkHttpRegistryClient c = fx.plain()) {
      result = c.tags(ref(reg() + "/a:latest"), seen::add);
    }
    assertEquals(List.of("ok", "t".repeat(128), "v1.0_rc-2"), seen);
    assertEquals(7, result.invalid());
    assertEquals(3, result.listed());
  }

  @Test
  void tagsPastTheCapAreCountedNotDroppedSilently() throws Exception {
    registry.setDispatcher(dispatch(r -> json(200, "{\"tags\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}")));
    List<String> seen = new ArrayList<>();
    TagList result;
    try (OkHttpRegistryClient c = fx.builder(StaticHosts.direct("http", RegistryHost.Tls.SYSTEM)).maxTags(2).build()) {
      result = c.tags(ref(reg() + "/a:latest"), seen::add);
    }
    assertEquals(List.of("a", "b"), seen);
    assertEquals(3, result.omitted());
    assertTrue(!result.truncated());
  }
}
