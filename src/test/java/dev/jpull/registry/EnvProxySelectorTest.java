package dev.jpull.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnvProxySelectorTest {
  @ParameterizedTest(name = "NO_PROXY={0} host={1}:{2} bypass={3}")
  @CsvSource(delimiter = '|', value = {
      "example.com|example.com|443|true",
      "example.com|sub.example.com|443|true",
      "example.com|notexample.com|443|false",
      ".example.com|sub.example.com|443|true",
      ".example.com|example.com|443|false",
      "*|anything.test|443|true",
      "10.0.0.0/8|10.1.2.3|443|true",
      "10.0.0.0/8|11.1.2.3|443|false",
      "192.168.1.5|192.168.1.5|5000|true",
      "192.168.1.5|192.168.1.6|5000|false",
      "registry.test:5000|registry.test|5000|true",
      "registry.test:5000|registry.test|443|false",
      "fd00::/8|fd00::1|443|true",
      "'a.test, b.test'|b.test|443|true",
      "''|127.0.0.1|443|true",
      "''|localhost|443|true",
      "''|ghcr.io|443|false",
  })
  void noProxyMatching(String noProxy, String host, int port, boolean bypass) {
    EnvProxySelector s = new EnvProxySelector(Map.of("HTTPS_PROXY", "http://proxy.test:3128", "NO_PROXY", noProxy));
    assertEquals(bypass, s.bypass(host, port));
  }

  @Test
  void selectsPerSchemeUpperCaseFirst() {
    EnvProxySelector s = new EnvProxySelector(Map.of(
        "HTTPS_PROXY", "http://up.test:1", "https_proxy", "http://low.test:2", "http_proxy", "low.test:3"));
    assertEquals(List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("up.test", 1))),
        s.select(URI.create("https://ghcr.io/v2/")));
    assertEquals(List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("low.test", 3))),
        s.select(URI.create("http://ghcr.io/v2/")));
    assertEquals(List.of(Proxy.NO_PROXY), new EnvProxySelector(Map.of()).select(URI.create("https://ghcr.io/")));
  }
}
