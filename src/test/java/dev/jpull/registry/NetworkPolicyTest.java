package dev.jpull.registry;

import static dev.jpull.registry.Fixtures.dispatch;
import static dev.jpull.registry.Fixtures.json;
import static dev.jpull.registry.Fixtures.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.registry.auth.Credentials;
import dev.jpull.registry.hosts.HostOverrides;
import dev.jpull.registry.hosts.HostsDirectory;
import dev.jpull.registry.hosts.RegistryHost;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Dns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request policy on real flows, without a packet off loopback: {@code registry.test}, {@code auth.test}
 * and {@code cdn.test} resolve to 127.0.0.2, which the test's classifier calls public; 127.0.0.1 is what it
 * is, loopback, and plays the internal service a hostile server would aim jpull at.
 */
class NetworkPolicyTest {
  static final byte[] PUBLIC_STANDIN = {127, 0, 0, 2};
  static final byte[] INTERNAL = {127, 0, 0, 1};

  final MockWebServer registry = new MockWebServer();
  final MockWebServer auth = new MockWebServer();
  final MockWebServer cdn = new MockWebServer();
  final MockWebServer internal = new MockWebServer();
  final Fixtures fx = new Fixtures();
  final List<RecordedRequest> registryRequests = new CopyOnWriteArrayList<>();
  @TempDir Path dir;

  @BeforeEach
  void start() throws Exception {
    InetAddress standIn = InetAddress.getByAddress(PUBLIC_STANDIN);
    registry.start(standIn, 0);
    auth.start(standIn, 0);
    cdn.start(standIn, 0);
    internal.start(InetAddress.getByAddress(INTERNAL), 0);
    internal.setDispatcher(dispatch(r -> json(200, "{\"token\":\"stolen-metadata-token\"}")));
  }

  @AfterEach
  void stop() {
    registry.close();
    auth.close();
    cdn.close();
    internal.close();
  }

  static RequestPolicy.AddressClass classify(InetAddress a) {
    return java.util.Arrays.equals(a.getAddress(), PUBLIC_STANDIN) ? RequestPolicy.AddressClass.PUBLIC
        : RequestPolicy.classify(a);
  }

  /** {@code internal.test} resolves inside (127.0.0.1); every other name to the public stand-in. */
  static final Dns DNS = host -> List.of(InetAddress.getByAddress(host,
      host.startsWith("internal.") ? INTERNAL : PUBLIC_STANDIN));

  OkHttpRegistryClient.Builder builder(dev.jpull.registry.hosts.HostResolver hosts) {
    return fx.builder(hosts).dns(DNS).addressClassifier(NetworkPolicyTest::classify).attempts(1);
  }

  OkHttpRegistryClient client() {
    return builder(StaticHosts.direct("http", RegistryHost.Tls.SYSTEM)).build();
  }

  String reg() {
    return Fixtures.name(registry);
  }

  String internalUrl(String path) {
    return "http://127.0.0.1:" + internal.getPort() + path;
  }

  void challengeWith(String realm) {
    registry.setDispatcher(dispatch(r -> {
      registryRequests.add(r);
      if (r.getHeaders().get("Authorization") != null) {
        return Images.manifest(r.getMethod());
      }
      return new MockResponse.Builder().code(401)
          .addHeader("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"reg\"").build();
    }));
  }

  @Test
  void aTokenRealmOnAPublicNameThatRedirectsToAnInternalAddressIsRefused() throws Exception {
    challengeWith("http://auth.test:" + auth.getPort() + "/token");
    auth.setDispatcher(dispatch(r -> new MockResponse.Builder().code(302)
        .addHeader("Location", internalUrl("/internal-metadata")).build()));
    try (OkHttpRegistryClient c = client()) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.UNAUTHORIZED, e.kind(), e.getMessage());
      assertTrue(e.getMessage().contains(reg() + "/a:1"), "names the reference: " + e.getMessage());
      assertTrue(e.getMessage().contains("loopback"), e.getMessage());
    }
    assertEquals(1, auth.getRequestCount(), "the realm itself is public and was asked");
    assertEquals(0, internal.getRequestCount(), "no request reaches the internal address");
    assertTrue(registryRequests.stream().noneMatch(r -> r.getHeaders().get("Authorization") != null),
        "nothing the internal service says becomes a Bearer token");
  }

  @Test
  void aTokenRealmWhoseNameResolvesInsideIsRefused() throws Exception {
    for (String realm : List.of("http://internal.test:" + internal.getPort() + "/token",
        "http://localhost:" + internal.getPort() + "/token", internalUrl("/token"))) {
      challengeWith(realm);
      try (OkHttpRegistryClient c = client()) {
        JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
        assertEquals(Kind.UNAUTHORIZED, e.kind(), e.getMessage());
      }
    }
    assertEquals(0, internal.getRequestCount());
  }

  @Test
  void aTokenRealmAsPublicAsItsRegistryIsUsed() throws Exception {
    challengeWith("http://auth.test:" + auth.getPort() + "/token");
    auth.setDispatcher(dispatch(r -> json(200, "{\"token\":\"good\"}")));
    try (OkHttpRegistryClient c = client()) {
      assertEquals(Images.MANIFEST_DIGEST, c.resolve(ref(reg() + "/a:1")).descriptor().digest());
    }
    assertEquals(1, auth.getRequestCount());
  }

  @Test
  void aBlobRedirectFromAPublicRegistryToAnInternalAddressIsRefused() throws Exception {
    registry.setDispatcher(dispatch(r -> new MockResponse.Builder().code(307)
        .addHeader("Location", internalUrl("/latest/meta-data/")).build()));
    Descriptor d = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(new byte[3]), 3);
    try (OkHttpRegistryClient c = client()) {
      JpullException e = assertThrows(JpullException.class, () -> c.blob(ref(reg() + "/a:1"), d, 0));
      assertEquals(Kind.NETWORK, e.kind(), e.getMessage());
      assertTrue(e.getMessage().contains("more internal"), e.getMessage());
    }
    assertEquals(0, internal.getRequestCount());
  }

  @Test
  void aBlobRedirectToAPublicCdnIsFollowed() throws Exception {
    byte[] blob = {1, 2, 3};
    registry.setDispatcher(dispatch(r -> new MockResponse.Builder().code(307)
        .addHeader("Location", "http://cdn.test:" + cdn.getPort() + "/b").build()));
    cdn.setDispatcher(dispatch(r -> new MockResponse.Builder().code(200).body(new okio.Buffer().write(blob)).build()));
    Descriptor d = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(blob), 3);
    try (OkHttpRegistryClient c = client(); BlobStream s = c.blob(ref(reg() + "/a:1"), d, 0)) {
      assertEquals(3, s.body().readAllBytes().length);
    }
  }

  @Test
  void aNameThatReResolvesInsideBetweenTheCheckAndTheConnectionGetsNoRequest() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    // The policy's lookup sees the public stand-in; OkHttp's own lookup, for the connection, sees inside.
    Dns rebinding = host -> host.startsWith("rebind.")
        ? List.of(InetAddress.getByAddress(host, lookups.getAndIncrement() == 0 ? PUBLIC_STANDIN : INTERNAL))
        : DNS.lookup(host);
    registry.setDispatcher(dispatch(r -> new MockResponse.Builder().code(307)
        .addHeader("Location", "http://rebind.test:" + internal.getPort() + "/latest/meta-data/").build()));
    Descriptor d = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(new byte[3]), 3);
    try (OkHttpRegistryClient c = builder(StaticHosts.direct("http", RegistryHost.Tls.SYSTEM)).dns(rebinding).build()) {
      JpullException e = assertThrows(JpullException.class, () -> c.blob(ref(reg() + "/a:1"), d, 0));
      assertTrue(e.getMessage().contains("connected to a loopback address"), e.getMessage());
    }
    assertTrue(lookups.get() >= 2, "both lookups happened: " + lookups.get());
    assertEquals(0, internal.getRequestCount());
  }

  // ---- credentials over plain HTTP ----

  void basicRegistry() {
    registry.setDispatcher(dispatch(r -> {
      registryRequests.add(r);
      if (r.getHeaders().get("Authorization") != null) {
        return Images.manifest(r.getMethod());
      }
      return new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Basic realm=\"reg\"").build();
    }));
  }

  OkHttpRegistryClient plainHttpWithCredentials(String registryName) throws Exception {
    HostsDirectory hosts = new HostsDirectory(List.of(dir), List.of(), new HostOverrides(true, null, null));
    return builder(hosts).credentials(new MapCredentials(Map.of(registryName, Credentials.basic("bob", "pw"))))
        .build();
  }

  @Test
  void credentialsAreNotSentOverPlainHttpToARemoteHostWithoutTheHostsTomlOptIn() throws Exception {
    basicRegistry();
    try (OkHttpRegistryClient c = plainHttpWithCredentials(reg())) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.UNAUTHORIZED, e.kind(), e.getMessage());
      assertTrue(e.getMessage().contains("plain HTTP"), e.getMessage());
      assertTrue(e.hint().contains("server = \"http://" + reg() + "\""), e.hint());
    }
    assertFalse(registryRequests.isEmpty());
    for (RecordedRequest r : registryRequests) {
      assertNull(r.getHeaders().get("Authorization"), "no credential over plain HTTP: " + r);
    }
  }

  @Test
  void credentialsAreSentOverPlainHttpWithTheHostsTomlOptIn() throws Exception {
    basicRegistry();
    Path hostDir = Files.createDirectories(dir.resolve(reg()));
    Files.writeString(hostDir.resolve("hosts.toml"), "server = \"http://" + reg() + "\"\n");
    try (OkHttpRegistryClient c = plainHttpWithCredentials(reg())) {
      assertEquals(Images.MANIFEST_DIGEST, c.resolve(ref(reg() + "/a:1")).descriptor().digest());
    }
    assertTrue(registryRequests.stream().anyMatch(r -> r.getHeaders().get("Authorization") != null));
  }

  @Test
  void credentialsGoOverPlainHttpToAHostNamedAsThisMachine() throws Exception {
    try (MockWebServer local = new MockWebServer()) {
      local.start(InetAddress.getByAddress(INTERNAL), 0);
      List<RecordedRequest> seen = new CopyOnWriteArrayList<>();
      local.setDispatcher(dispatch(r -> {
        seen.add(r);
        return r.getHeaders().get("Authorization") != null ? Images.manifest(r.getMethod())
            : new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Basic realm=\"reg\"").build();
      }));
      String name = "127.0.0.1:" + local.getPort();
      try (OkHttpRegistryClient c = plainHttpWithCredentials(name)) {
        assertEquals(Images.MANIFEST_DIGEST, c.resolve(ref(name + "/a:1")).descriptor().digest());
      }
      assertTrue(seen.stream().anyMatch(r -> r.getHeaders().get("Authorization") != null));
    }
  }

  // ---- --debug ----

  @Test
  void debugNeverLogsHeadersFromHostsToml() throws Exception {
    registry.setDispatcher(dispatch(r -> new MockResponse.Builder().code(200)
        .addHeader("Content-Type", MediaTypes.OCI_MANIFEST)
        .addHeader("Docker-Content-Digest", Images.MANIFEST_DIGEST.toString())
        .addHeaderLenient("X-Note", "\u001b]0;pwned\u0007 \u009b31m")
        .body(new okio.Buffer().write(Images.MANIFEST)).build()));
    RegistryHost host = new RegistryHost(java.net.URI.create("http://" + reg()), "/v2",
        java.util.Set.of(RegistryHost.Capability.PULL, RegistryHost.Capability.RESOLVE), RegistryHost.Tls.SYSTEM,
        Map.of("X-Api-Key", List.of("s3cret"), "X-Auth", List.of("s3cret"), "X-Plain", List.of("s3cret")), false);
    try (OkHttpRegistryClient c = builder(r -> List.of(host)).build()) {
      c.resolve(ref(reg() + "/a:1"));
    }
    RecordedRequest sent = registry.takeRequest();
    assertEquals("s3cret", sent.getHeaders().get("X-Api-Key"), "the header is still sent");
    String all = String.join("\n", fx.log);
    assertTrue(all.contains("X-Api-Key"), all);
    assertFalse(all.contains("s3cret"), all);
    assertFalse(all.contains("\u001b") || all.contains("\u0007") || all.contains("\u009b"), all);
  }
}
