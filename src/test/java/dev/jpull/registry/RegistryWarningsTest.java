package dev.jpull.registry;

import static dev.jpull.registry.Fixtures.dispatch;
import static dev.jpull.registry.Fixtures.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.progress.ProgressEvent;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/** Issue 16: the registry's {@code Warning} headers are shown once each, escaped, bounded. */
class RegistryWarningsTest {
  @StartStop final MockWebServer registry = new MockWebServer();
  final Fixtures fx = new Fixtures();

  private List<String> warnings() {
    return fx.events.stream().filter(ProgressEvent.Warning.class::isInstance)
        .map(e -> ((ProgressEvent.Warning) e).message()).toList();
  }

  private static MockResponse withWarnings(MockResponse r, String... values) {
    MockResponse.Builder b = r.newBuilder();
    for (String v : values) {
      b.addHeaderLenient("Warning", v);
    }
    return b.build();
  }

  @Test
  void aWarningHeaderIsShownOnceThoughEveryResponseCarriesIt() throws Exception {
    registry.setDispatcher(dispatch(r -> withWarnings(Images.manifest(r.getMethod()),
        "299 - \"this repository is deprecated; use app2\"")));
    try (OkHttpRegistryClient c = fx.plain()) {
      c.resolve(ref(Fixtures.name(registry) + "/a:1"));
      c.resolve(ref(Fixtures.name(registry) + "/a:1"));
    }
    assertEquals(List.of("registry registry.test:" + registry.getPort() + ": \"this repository is deprecated; use app2\""),
        warnings());
  }

  @Test
  void onlyCode299IsShownAndControlCharactersAreEscaped() throws Exception {
    registry.setDispatcher(dispatch(r -> withWarnings(Images.manifest(r.getMethod()),
        "199 - \"miscellaneous\"", "110 - \"stale\"", "299 - \"evil \u009b31m \u001b]0;pwned\u0007\"")));
    try (OkHttpRegistryClient c = fx.plain()) {
      c.resolve(ref(Fixtures.name(registry) + "/a:1"));
    }
    List<String> w = warnings();
    assertEquals(1, w.size(), w.toString());
    assertTrue(w.get(0).contains("evil \\x9b31m"), w.get(0));
    assertFalse(w.get(0).contains("\u009b") || w.get(0).contains("\u001b") || w.get(0).contains("\u0007"), w.get(0));
  }

  @Test
  void distinctWarningsAreBounded() throws Exception {
    AtomicInteger n = new AtomicInteger();
    registry.setDispatcher(dispatch(r -> withWarnings(Images.manifest(r.getMethod()),
        "299 - \"notice " + n.incrementAndGet() + "\"", "299 - \"notice b" + n.get() + "\"")));
    try (OkHttpRegistryClient c = fx.plain()) {
      for (int i = 0; i < 20; i++) {
        c.resolve(ref(Fixtures.name(registry) + "/a:1"));
      }
    }
    assertEquals(RegistryWarnings.MAX_DISTINCT, warnings().size());
  }

  @Test
  void headerGrammar() {
    assertEquals("a \"quoted\" word", RegistryWarnings.text("299 - \"a \\\"quoted\\\" word\""));
    assertEquals("x", RegistryWarnings.text("299 registry.example \"x\" \"Sat, 25 Aug 2012 23:34:45 GMT\""));
    assertNull(RegistryWarnings.text("299 - unquoted"));
    assertNull(RegistryWarnings.text("299 - \"unterminated"));
    assertNull(RegistryWarnings.text("299 - \"  \""));
    assertNull(RegistryWarnings.text("2990 - \"x\""));
    assertNull(RegistryWarnings.text("299 - \"" + "a".repeat(5000) + "\""));
  }
}
