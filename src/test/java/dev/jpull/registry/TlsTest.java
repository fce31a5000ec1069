package dev.jpull.registry;

import static dev.jpull.registry.Fixtures.dispatch;
import static dev.jpull.registry.Fixtures.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.registry.auth.Credentials;
import dev.jpull.registry.hosts.RegistryHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TlsTest {
  static final HeldCertificate ROOT = new HeldCertificate.Builder().certificateAuthority(0).commonName("test root")
      .build();
  static final HeldCertificate SERVER = new HeldCertificate.Builder().addSubjectAlternativeName("registry.test")
      .addSubjectAlternativeName("localhost").signedBy(ROOT).build();

  @StartStop final MockWebServer registry = new MockWebServer();
  @StartStop final MockWebServer plain = new MockWebServer();
  @TempDir Path dir;
  final Fixtures fx = new Fixtures();
  Path caFile;

  @BeforeEach
  void https() throws Exception {
    HandshakeCertificates server = new HandshakeCertificates.Builder().heldCertificate(SERVER, ROOT.certificate())
        .build();
    registry.useHttps(server.sslSocketFactory());
    registry.setDispatcher(dispatch(r -> Images.manifest(r.getMethod())));
    caFile = dir.resolve("ca.crt");
    Files.writeString(caFile, ROOT.certificatePem());
  }

  String reg() {
    return Fixtures.name(registry);
  }

  OkHttpRegistryClient client(RegistryHost.Tls tls) {
    return fx.builder(StaticHosts.direct("https", tls))
        .credentials(new MapCredentials(Map.of(reg(), Credentials.basic("bob", "pw")))).build();
  }

  @Test
  void untrustedCertificateIsNetworkWithAHint() throws Exception {
    try (OkHttpRegistryClient c = client(RegistryHost.Tls.SYSTEM)) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.NETWORK, e.kind());
      assertTrue(e.getMessage().contains("not trusted"), e.getMessage());
      // Issue 16: the hint named only HOST/ca.crt, which containerd (and jpull) ignore once a hosts.toml exists.
      assertTrue(e.hint().startsWith("pass --ca-cert FILE, or trust the CA in the hosts directory"), e.hint());
      assertTrue(e.hint().contains("ca = \"FILE\" in " + reg() + "/hosts.toml when that file exists"), e.hint());
      assertTrue(e.hint().contains("else save it as " + reg() + "/ca.crt"), e.hint());
    }
    assertEquals(0, registry.getRequestCount());
  }

  @Test
  void extraCaIsTrusted() throws Exception {
    try (OkHttpRegistryClient c = client(new RegistryHost.Tls(true, List.of(caFile), List.of()))) {
      assertEquals(Images.MANIFEST_DIGEST, c.resolve(ref(reg() + "/a:1")).descriptor().digest());
    }
  }

  @Test
  void unverifiedTlsWarnsOnce() throws Exception {
    try (OkHttpRegistryClient c = client(new RegistryHost.Tls(false, List.of(), List.of()))) {
      c.resolve(ref(reg() + "/a:1"));
      c.resolve(ref(reg() + "/a:2"));
    }
    List<String> warnings = fx.events.stream().filter(e -> e instanceof dev.jpull.progress.ProgressEvent.Warning)
        .map(e -> ((dev.jpull.progress.ProgressEvent.Warning) e).message()).toList();
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("verification is disabled for " + reg()), warnings.get(0));
  }

  @Test
  void verifiedTlsDoesNotWarn() throws Exception {
    try (OkHttpRegistryClient c = client(new RegistryHost.Tls(true, List.of(caFile), List.of()))) {
      c.resolve(ref(reg() + "/a:1"));
    }
    assertTrue(fx.events.stream().noneMatch(e -> e instanceof dev.jpull.progress.ProgressEvent.Warning));
  }

  @Test
  void skipVerifyTrustsAnything() throws Exception {
    try (OkHttpRegistryClient c = client(new RegistryHost.Tls(false, List.of(), List.of()))) {
      assertEquals(Images.MANIFEST_DIGEST, c.resolve(ref(reg() + "/a:1")).descriptor().digest());
    }
  }

  @Test
  void httpsToHttpRedirectIsRefused() throws Exception {
    registry.setDispatcher(dispatch(r -> new MockResponse.Builder().code(302)
        .addHeader("Location", "http://registry.test:" + plain.getPort() + "/v2/a/manifests/1").build()));
    try (OkHttpRegistryClient c = client(new RegistryHost.Tls(true, List.of(caFile), List.of()))) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.NETWORK, e.kind());
      assertTrue(e.getMessage().contains("refusing redirect from https to http"), e.getMessage());
    }
    assertEquals(0, plain.getRequestCount());
  }

  @Test
  void httpRealmForAnHttpsRegistryIsRefused() throws Exception {
    registry.setDispatcher(dispatch(r -> new MockResponse.Builder().code(401).addHeader("WWW-Authenticate",
        "Bearer realm=\"http://auth.test:" + plain.getPort() + "/token\",service=\"registry.test\"").build()));
    try (OkHttpRegistryClient c = client(new RegistryHost.Tls(true, List.of(caFile), List.of()))) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.UNAUTHORIZED, e.kind());
      assertTrue(e.getMessage().contains("refusing token realm over http for an https registry"), e.getMessage());
    }
    assertEquals(0, plain.getRequestCount());
  }

  @ParameterizedTest(name = "key encoding {0}")
  @ValueSource(strings = {"pkcs8-rsa", "pkcs1-rsa", "pkcs8-ec", "sec1-ec"})
  void clientCertificates(String encoding) throws Exception {
    HeldCertificate.Builder b = new HeldCertificate.Builder().commonName("client").signedBy(ROOT);
    HeldCertificate client = (encoding.endsWith("rsa") ? b.rsa2048() : b.ecdsa256()).build();
    String key = switch (encoding) {
      case "pkcs1-rsa" -> client.privateKeyPkcs1Pem();
      case "sec1-ec" -> sec1(client);
      default -> client.privateKeyPkcs8Pem();
    };
    Path cert = Files.writeString(dir.resolve("client.cert"), client.certificatePem());
    Path keyFile = Files.writeString(dir.resolve("client.key"), key);
    HandshakeCertificates server = new HandshakeCertificates.Builder().heldCertificate(SERVER, ROOT.certificate())
        .addTrustedCertificate(ROOT.certificate()).build();
    registry.useHttps(server.sslSocketFactory());
    registry.requireClientAuth();
    RegistryHost.Tls tls = new RegistryHost.Tls(true, List.of(caFile),
        List.of(new RegistryHost.ClientCertificate(cert, keyFile)));
    try (OkHttpRegistryClient c = client(tls)) {
      assertEquals(Images.MANIFEST_DIGEST, c.resolve(ref(reg() + "/a:1")).descriptor().digest());
    }
  }

  /** SEC1 "EC PRIVATE KEY" as openssl writes it: version, the 32-byte secret and the named curve (P-256). */
  private static String sec1(HeldCertificate c) {
    java.security.interfaces.ECPrivateKey k = (java.security.interfaces.ECPrivateKey) c.keyPair().getPrivate();
    byte[] s = k.getS().toByteArray();
    byte[] secret = new byte[32];
    int copy = Math.min(32, s.length);
    System.arraycopy(s, s.length - copy, secret, 32 - copy, copy);
    java.io.ByteArrayOutputStream der = new java.io.ByteArrayOutputStream();
    der.writeBytes(new byte[] {0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20});
    der.writeBytes(secret);
    der.writeBytes(java.util.HexFormat.of().parseHex("a00a06082a8648ce3d030107"));
    return "-----BEGIN EC PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(der.toByteArray())
        + "\n-----END EC PRIVATE KEY-----\n";
  }
}
