package dev.jpull.registry;

import static dev.jpull.registry.Fixtures.dispatch;
import static dev.jpull.registry.Fixtures.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jpull.registry.hosts.RegistryHost;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

class ProxyTest {
  @StartStop final MockWebServer proxy = new MockWebServer();
  final Fixtures fx = new Fixtures();

  @Test
  void proxyUserinfoBecomesProxyAuthorizationAndIsNotLogged() throws Exception {
    List<RecordedRequest> seen = new CopyOnWriteArrayList<>();
    proxy.setDispatcher(dispatch(r -> {
      seen.add(r);
      return r.getHeaders().get("Proxy-Authorization") == null
          ? new MockResponse.Builder().code(407).addHeader("Proxy-Authenticate", "Basic realm=\"proxy\"").build()
          : Images.manifest(r.getMethod());
    }));
    Map<String, String> env = Map.of("http_proxy", "http://puser:proxy-pw@127.0.0.1:" + proxy.getPort(),
        "NO_PROXY", "other.test");
    try (OkHttpRegistryClient c = fx.builder(StaticHosts.direct("http", RegistryHost.Tls.SYSTEM)).environment(env)
        .build()) {
      c.resolve(ref("registry.test:5000/a:1"));
    }
    assertEquals(2, seen.size());
    assertNull(seen.get(0).getHeaders().get("Proxy-Authorization"));
    assertEquals(okhttp3.Credentials.basic("puser", "proxy-pw"), seen.get(1).getHeaders().get("Proxy-Authorization"));
    assertEquals("registry.test", seen.get(1).getUrl().host());
    assertFalse(String.join("\n", fx.log).contains("proxy-pw"));
  }
}
