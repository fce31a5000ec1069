package dev.jpull.registry;

import static dev.jpull.registry.Fixtures.dispatch;
import static dev.jpull.registry.Fixtures.ref;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.registry.auth.Credentials;
import dev.jpull.registry.hosts.RegistryHost;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedirectTest {
  static final byte[] BLOB = Fixtures.bytes("layer bytes");
  static final Descriptor DESC = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(BLOB), BLOB.length);

  @StartStop final MockWebServer registry = new MockWebServer();
  @StartStop final MockWebServer cdn = new MockWebServer();
  @StartStop final MockWebServer auth = new MockWebServer();
  final Fixtures fx = new Fixtures();
  final List<RecordedRequest> cdnRequests = new CopyOnWriteArrayList<>();

  OkHttpRegistryClient client() {
    return fx.builder(StaticHosts.direct("http", RegistryHost.Tls.SYSTEM))
        .credentials(new MapCredentials(Map.of(Fixtures.name(registry), Credentials.basic("bob", "hunter2"))))
        .build();
  }

  /** The registry wants Basic auth, then redirects the blob to {@code location}. */
  void registryRedirectingTo(String location) {
    registry.setDispatcher(dispatch(r -> r.getHeaders().get("Authorization") == null
        ? new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Basic realm=\"reg\"").build()
        : new MockResponse.Builder().code(307).addHeader("Location", location).build()));
  }

  void cdnServing(MockResponse response) {
    cdn.setDispatcher(dispatch(r -> {
      cdnRequests.add(r);
      return response;
    }));
  }

  byte[] fetch(OkHttpRegistryClient c) throws Exception {
    try (BlobStream s = c.blob(ref(Fixtures.name(registry) + "/a:1"), DESC, 0)) {
      return s.body().readAllBytes();
    }
  }

  // (A redirect from registry.test to 127.0.0.1 by number is refused outright: NetworkPolicyTest.)
  @ParameterizedTest(name = "redirect to {0}")
  @ValueSource(strings = {"registry.test", "cdn.test", "blobs.cdn.test"})
  void noAuthorizationOnAnotherOrigin(String host) throws Exception {
    registryRedirectingTo("http://" + host + ":" + cdn.getPort() + "/blob?X-Amz-Signature=s3cr3t");
    cdnServing(new MockResponse.Builder().code(200).body(new okio.Buffer().write(BLOB)).build());
    try (OkHttpRegistryClient c = client()) {
      assertArrayEquals(BLOB, fetch(c));
    }
    assertEquals(1, cdnRequests.size());
    assertNull(cdnRequests.get(0).getHeaders().get("Authorization"));
    assertTrue(String.join("\n", fx.log).contains("X-Amz-Signature=REDACTED"), String.join("\n", fx.log));
    assertTrue(fx.log.stream().noneMatch(l -> l.contains("s3cr3t") || l.contains("Ym9iOmh1bnRlcjI")));
  }

  @Test
  void unauthorizedFromTheRedirectTargetNeverGetsCredentials() throws Exception {
    registryRedirectingTo("http://cdn.test:" + cdn.getPort() + "/blob");
    cdnServing(new MockResponse.Builder().code(401)
        .addHeader("WWW-Authenticate", "Bearer realm=\"http://auth.test:" + auth.getPort() + "/t\",service=\"x\"")
        .addHeader("WWW-Authenticate", "Basic realm=\"evil\"").build());
    try (OkHttpRegistryClient c = client()) {
      JpullException e = assertThrows(JpullException.class, () -> fetch(c));
      assertEquals(Kind.UNAUTHORIZED, e.kind());
    }
    assertEquals(1, cdnRequests.size());
    assertNull(cdnRequests.get(0).getHeaders().get("Authorization"));
    assertEquals(0, auth.getRequestCount());
  }

  @Test
  void redirectLoop() throws Exception {
    registry.setDispatcher(dispatch(r -> new MockResponse.Builder().code(302)
        .addHeader("Location", Fixtures.path(r).endsWith("/x") ? "/y" : "/x").build()));
    try (OkHttpRegistryClient c = client()) {
      long t0 = System.nanoTime();
      JpullException e = assertThrows(JpullException.class, () -> fetch(c));
      assertEquals(Kind.NETWORK, e.kind());
      assertTrue(e.getMessage().contains("too many redirects"), e.getMessage());
      assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    }
    assertEquals(11, registry.getRequestCount());
  }

  /** {@code hops} distinct redirects, then the blob. */
  void chain(int hops) {
    registry.setDispatcher(dispatch(r -> {
      String p = Fixtures.path(r);
      int n = p.startsWith("/hop") ? Integer.parseInt(p.substring(4)) : 0;
      if (n < hops) {
        return new MockResponse.Builder().code(301).addHeader("Location", "/hop" + (n + 1)).build();
      }
      return new MockResponse.Builder().code(200).body(new okio.Buffer().write(BLOB)).build();
    }));
  }

  @Test
  void tenRedirectsAreFollowed() throws Exception {
    chain(10);
    try (OkHttpRegistryClient c = client()) {
      assertArrayEquals(BLOB, fetch(c));
    }
  }

  @Test
  void elevenRedirectsAreTooMany() throws Exception {
    chain(11);
    try (OkHttpRegistryClient c = client()) {
      JpullException e = assertThrows(JpullException.class, () -> fetch(c));
      assertTrue(e.getMessage().contains("too many redirects"), e.getMessage());
    }
  }

  @ParameterizedTest(name = "Location {0}")
  @ValueSource(strings = {"ftp://x/blob", "file:///etc/passwd", "", "javascript:alert(1)"})
  void badLocations(String location) throws Exception {
    registry.setDispatcher(dispatch(r -> location.isEmpty() ? Fixtures.status(302)
        : new MockResponse.Builder().code(302).addHeader("Location", location).build()));
    try (OkHttpRegistryClient c = client()) {
      JpullException e = assertThrows(JpullException.class, () -> fetch(c));
      assertEquals(Kind.NETWORK, e.kind());
      assertTrue(e.getMessage().contains("bad redirect"), e.getMessage());
    }
  }
}
