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
import dev.jpull.progress.ProgressEvent;
import dev.jpull.registry.auth.Credentials;
import dev.jpull.registry.hosts.RegistryHost;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.BufferedSink;
import org.junit.jupiter.api.Test;

class BlobTest {
  static final byte[] BLOB = new byte[64 * 1024];
  static final Descriptor DESC;

  static {
    new Random(7).nextBytes(BLOB);
    DESC = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(BLOB), BLOB.length);
  }

  @StartStop final MockWebServer registry = new MockWebServer();
  @StartStop final MockWebServer cdn = new MockWebServer();
  final Fixtures fx = new Fixtures();
  final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

  String reg() {
    return Fixtures.name(registry);
  }

  OkHttpRegistryClient client() {
    return fx.builder(StaticHosts.direct("http", RegistryHost.Tls.SYSTEM)).readTimeout(Duration.ofMillis(700)).build();
  }

  void serve(java.util.function.BiFunction<Integer, RecordedRequest, MockResponse> f) {
    AtomicInteger n = new AtomicInteger();
    registry.setDispatcher(dispatch(r -> {
      requests.add(r);
      return f.apply(n.incrementAndGet(), r);
    }));
  }

  static MockResponse full() {
    return new MockResponse.Builder().code(200).body(new okio.Buffer().write(BLOB)).build();
  }

  static MockResponse from(long offset) {
    return new MockResponse.Builder().code(206)
        .addHeader("Content-Range", "bytes " + offset + "-" + (BLOB.length - 1) + "/" + BLOB.length)
        .body(new okio.Buffer().write(Arrays.copyOfRange(BLOB, (int) offset, BLOB.length))).build();
  }

  /** Declares the full length, sends {@code cut} bytes, then drops the connection. */
  static MockResponse cutAt(int cut) {
    return new MockResponse.Builder().code(200).body(new MockResponseBody() {
      @Override
      public long getContentLength() {
        return BLOB.length;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.write(BLOB, 0, cut);
        sink.flush();
        throw new IOException("connection cut by the test");
      }
    }).build();
  }

  static long rangeStart(RecordedRequest r) {
    String range = r.getHeaders().get("Range");
    return range == null ? 0 : Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
  }

  byte[] readAll(long offset, long wantStart) throws Exception {
    try (OkHttpRegistryClient c = client(); BlobStream s = c.blob(ref(reg() + "/a:1"), DESC, offset)) {
      assertEquals(wantStart, s.start());
      assertEquals(reg(), s.host());
      return s.body().readAllBytes();
    }
  }

  @Test
  void stalledBodyResumesWithRange() throws Exception {
    serve((n, r) -> n == 1
        ? new MockResponse.Builder().code(200).body(new okio.Buffer().write(BLOB))
            .throttleBody(BLOB.length / 2, 3, TimeUnit.SECONDS).build()
        : from(rangeStart(r)));
    assertArrayEquals(BLOB, readAll(0, 0));
    assertEquals(2, requests.size());
    assertNull(requests.get(0).getHeaders().get("Range"));
    long resumedAt = rangeStart(requests.get(1));
    assertTrue(resumedAt > 0 && resumedAt <= BLOB.length / 2, "resumed at " + resumedAt);
    assertEquals("identity", requests.get(1).getHeaders().get("Accept-Encoding"));
    assertTrue(fx.events.stream().anyMatch(e -> e instanceof ProgressEvent.Retry r
        && DESC.digest().toString().equals(r.digest())), fx.events.toString());
  }

  @Test
  void cutConnectionResumesWithRange() throws Exception {
    serve((n, r) -> n == 1 ? cutAt(1000) : from(rangeStart(r)));
    assertArrayEquals(BLOB, readAll(0, 0));
    assertEquals("bytes=1000-", requests.get(1).getHeaders().get("Range"));
  }

  @Test
  void mirrorCutMidBodyResumesOnTheMirrorWithTheWholeBudget() throws Exception {
    // A mirror's first answer is not retried (the upstream is the retry), but once its body is flowing a
    // resume has nowhere else to go: a 503 on the resume is retried like any other.
    serve((n, r) -> n == 1 ? cutAt(1000) : n == 2 ? Fixtures.status(503) : from(rangeStart(r)));
    StaticHosts hosts = new StaticHosts(Map.of("docker.io", List.of(
        StaticHosts.mirror("http://" + reg(), RegistryHost.Capability.PULL, RegistryHost.Capability.RESOLVE),
        StaticHosts.upstream("http://" + Fixtures.name(cdn), RegistryHost.Tls.SYSTEM))));
    try (OkHttpRegistryClient c = fx.builder(hosts).build(); BlobStream s = c.blob(ref("library/a:1"), DESC, 0)) {
      assertArrayEquals(BLOB, s.body().readAllBytes());
    }
    assertEquals(3, requests.size());
    assertEquals("bytes=1000-", requests.get(2).getHeaders().get("Range"));
    assertEquals(0, cdn.getRequestCount(), "the upstream was not needed");
  }

  @Test
  void resumeAnsweredWithFullBodyDiscardsThePrefix() throws Exception {
    serve((n, r) -> n == 1 ? cutAt(1000) : full());
    assertArrayEquals(BLOB, readAll(0, 0));
    assertEquals("bytes=1000-", requests.get(1).getHeaders().get("Range"));
  }

  @Test
  void fullBodyToARangeRequestStartsAtZero() throws Exception {
    serve((n, r) -> full());
    assertArrayEquals(BLOB, readAll(100, 0));
    assertEquals("bytes=100-", requests.get(0).getHeaders().get("Range"));
  }

  @Test
  void honouredRangeStartsAtTheOffset() throws Exception {
    serve((n, r) -> new MockResponse.Builder().code(206)
        .addHeader("Content-Range", "bytes 100-" + (BLOB.length - 1) + "/*")
        .body(new okio.Buffer().write(Arrays.copyOfRange(BLOB, 100, BLOB.length))).build());
    assertArrayEquals(Arrays.copyOfRange(BLOB, 100, BLOB.length), readAll(100, 100));
  }

  @Test
  void wrongContentRangeRestartsFromZero() throws Exception {
    serve((n, r) -> r.getHeaders().get("Range") != null ? from(0) : full());
    assertArrayEquals(BLOB, readAll(100, 0));
    assertEquals(2, requests.size());
    assertNull(requests.get(1).getHeaders().get("Range"));
  }

  @Test
  void rangeNotSatisfiableAtTheEndIsComplete() throws Exception {
    serve((n, r) -> Fixtures.status(416));
    assertArrayEquals(new byte[0], readAll(BLOB.length, BLOB.length));
  }

  @Test
  void oversizedContentLengthIsRefusedBeforeReading() throws Exception {
    serve((n, r) -> new MockResponse.Builder().code(200).body(new MockResponseBody() {
      @Override
      public long getContentLength() {
        return 1L << 40;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.write(BLOB);
        sink.flush();
      }
    }).build());
    try (OkHttpRegistryClient c = client()) {
      JpullException e = assertThrows(JpullException.class, () -> c.blob(ref(reg() + "/a:1"), DESC, 0));
      assertEquals(Kind.VERIFICATION, e.kind());
      assertTrue(e.getMessage().contains("blob larger than descriptor size " + BLOB.length), e.getMessage());
    }
  }

  @Test
  void bodyLongerThanTheDescriptorIsVerificationFailure() throws Exception {
    byte[] longer = Arrays.copyOf(BLOB, BLOB.length * 2);
    serve((n, r) -> new MockResponse.Builder().code(200).chunkedBody(new okio.Buffer().write(longer), 4096).build());
    try (OkHttpRegistryClient c = client(); BlobStream s = c.blob(ref(reg() + "/a:1"), DESC, 0)) {
      JpullException e = assertThrows(JpullException.class, () -> s.body().readAllBytes());
      assertEquals(Kind.VERIFICATION, e.kind());
      assertTrue(e.getMessage().contains("blob larger than descriptor size " + BLOB.length), e.getMessage());
    }
  }

  @Test
  void repeatedCutsWithoutProgressGiveUp() throws Exception {
    serve((n, r) -> n == 1 ? cutAt(10) : new MockResponse.Builder().code(206)
        .addHeader("Content-Range", "bytes 10-" + (BLOB.length - 1) + "/" + BLOB.length)
        .body(new MockResponseBody() {
          @Override
          public long getContentLength() {
            return BLOB.length - 10;
          }

          @Override
          public void writeTo(BufferedSink sink) throws IOException {
            sink.flush();
            throw new IOException("cut before any byte");
          }
        }).build());
    try (OkHttpRegistryClient c = client(); BlobStream s = c.blob(ref(reg() + "/a:1"), DESC, 0)) {
      JpullException e = assertThrows(JpullException.class, () -> s.body().readAllBytes());
      assertEquals(Kind.NETWORK, e.kind());
    }
    assertEquals(5, requests.size(), "five attempts without progress: the first request and four resumes");
  }

  static Descriptor foreign(byte[] layer, String... urls) {
    return new Descriptor(MediaTypes.DOCKER_FOREIGN_LAYER_GZIP, Digest.sha256(layer), layer.length, List.of(urls),
        null, null, null);
  }

  @Test
  void foreignUrlsAreNotFetchedWithoutAllowForeignUrls() throws Exception {
    byte[] layer = Fixtures.bytes("foreign layer");
    Descriptor d = foreign(layer, "http://127.0.0.1:" + cdn.getPort() + "/layer", "http://cdn.test:" + cdn.getPort()
        + "/layer");
    registry.setDispatcher(dispatch(r -> new MockResponse.Builder().code(200).body(new okio.Buffer().write(layer))
        .build()));
    try (OkHttpRegistryClient c = client(); BlobStream s = c.blob(ref(reg() + "/a:1"), d, 0)) {
      assertArrayEquals(layer, s.body().readAllBytes());
      assertEquals(reg(), s.host());
    }
    assertEquals(0, cdn.getRequestCount(), "the registry holds the blob: its foreign URLs get no request");
  }

  @Test
  void foreignUrlsWithTheFlagAreHttpsToPublicAddressesOnly() throws Exception {
    byte[] layer = Fixtures.bytes("foreign layer");
    Descriptor d = foreign(layer, "http://cdn.test:" + cdn.getPort() + "/layer",
        "https://127.0.0.1:" + cdn.getPort() + "/layer", "https://localhost:" + cdn.getPort() + "/layer",
        "https://[::1]:" + cdn.getPort() + "/layer", "https://169.254.169.254/layer", "https://10.0.0.1/layer",
        "https://2130706433/layer");
    registry.setDispatcher(dispatch(r -> new MockResponse.Builder().code(200).body(new okio.Buffer().write(layer))
        .build()));
    try (OkHttpRegistryClient c = fx.builder(StaticHosts.direct("http", RegistryHost.Tls.SYSTEM))
        .allowForeignUrls(true).build(); BlobStream s = c.blob(ref(reg() + "/a:1"), d, 0)) {
      assertArrayEquals(layer, s.body().readAllBytes());
      assertEquals(reg(), s.host());
    }
    assertEquals(0, cdn.getRequestCount());
  }

  @Test
  void foreignUrlsGetNoCredentials(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    okhttp3.tls.HeldCertificate root = new okhttp3.tls.HeldCertificate.Builder().certificateAuthority(0).build();
    okhttp3.tls.HeldCertificate cert = new okhttp3.tls.HeldCertificate.Builder().addSubjectAlternativeName("cdn.test")
        .signedBy(root).build();
    cdn.useHttps(new okhttp3.tls.HandshakeCertificates.Builder().heldCertificate(cert, root.certificate()).build()
        .sslSocketFactory());
    java.nio.file.Path ca = dir.resolve("ca.crt");
    java.nio.file.Files.writeString(ca, root.certificatePem());
    byte[] layer = Fixtures.bytes("foreign layer");
    Descriptor d = foreign(layer, "file:///etc/passwd", "https://cdn.test:" + cdn.getPort() + "/layer");
    cdn.setDispatcher(dispatch(r -> r.getHeaders().get("Authorization") != null ? Fixtures.status(500)
        : new MockResponse.Builder().code(200).body(new okio.Buffer().write(layer)).build()));
    try (OkHttpRegistryClient c = fx.builder(StaticHosts.direct("http", new RegistryHost.Tls(true, List.of(ca),
            List.of()))).allowForeignUrls(true)
        .credentials(new MapCredentials(Map.of(reg(), Credentials.basic("bob", "pw")))).build();
        BlobStream s = c.blob(ref(reg() + "/a:1"), d, 0)) {
      assertArrayEquals(layer, s.body().readAllBytes());
      assertEquals("cdn.test", s.host());
    }
    assertEquals(0, registry.getRequestCount());
    assertNull(cdn.takeRequest().getHeaders().get("Authorization"));
  }

  @Test
  void cancelAllStopsABlobMidway() throws Exception {
    serve((n, r) -> new MockResponse.Builder().code(200).body(new okio.Buffer().write(BLOB))
        .throttleBody(1024, 100, TimeUnit.MILLISECONDS).build());
    try (OkHttpRegistryClient c = client(); BlobStream s = c.blob(ref(reg() + "/a:1"), DESC, 0)) {
      s.body().read(new byte[10]);
      c.cancelAll();
      JpullException e = assertThrows(JpullException.class, () -> s.body().readAllBytes());
      assertEquals(Kind.CANCELLED, e.kind());
    }
  }
}
