package dev.jpull.registry;

import static dev.jpull.registry.Fixtures.dispatch;
import static dev.jpull.registry.Fixtures.json;
import static dev.jpull.registry.Fixtures.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import dev.jpull.oci.MediaTypes;
import dev.jpull.registry.hosts.RegistryHost;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestTest {
  @StartStop final MockWebServer registry = new MockWebServer();
  @StartStop final MockWebServer mirror = new MockWebServer();
  final Fixtures fx = new Fixtures();

  String reg() {
    return Fixtures.name(registry);
  }

  Descriptor manifestDescriptor() {
    return new Descriptor(MediaTypes.OCI_MANIFEST, Images.MANIFEST_DIGEST, Images.MANIFEST.length);
  }

  static MockResponse body(int code, String type, byte[] bytes) {
    return new MockResponse.Builder().code(code).addHeader("Content-Type", type).body(new okio.Buffer().write(bytes))
        .build();
  }

  @Test
  void fetchesAndParsesByDigest() throws Exception {
    registry.setDispatcher(dispatch(r -> Images.manifest(r.getMethod())));
    try (OkHttpRegistryClient c = fx.plain()) {
      Document d = c.manifest(ref(reg() + "/a:1"), manifestDescriptor());
      assertEquals(Images.CONFIG_DIGEST, d.manifest().config().digest().toString());
    }
    RecordedRequest r = registry.takeRequest();
    assertEquals("/v2/a/manifests/" + Images.MANIFEST_DIGEST, Fixtures.path(r));
    assertTrue(r.getHeaders().get("Accept").startsWith(MediaTypes.OCI_INDEX), r.getHeaders().get("Accept"));
    assertTrue(r.getHeaders().get("Accept").endsWith(MediaTypes.DOCKER_SCHEMA1), r.getHeaders().get("Accept"));
  }

  @Test
  void bytesNotMatchingTheDigestAreRefused() throws Exception {
    byte[] other = Arrays.copyOf(Images.MANIFEST, Images.MANIFEST.length);
    other[other.length - 2] = ' ';
    registry.setDispatcher(dispatch(r -> body(200, MediaTypes.OCI_MANIFEST, other)));
    try (OkHttpRegistryClient c = fx.plain()) {
      JpullException e = assertThrows(JpullException.class, () -> c.manifest(ref(reg() + "/a:1"), manifestDescriptor()));
      assertEquals(Kind.VERIFICATION, e.kind());
      assertTrue(e.getMessage().contains("manifest verification failed for digest " + Images.MANIFEST_DIGEST
          + ": got " + Digest.sha256(other)), e.getMessage());
    }
  }

  @ParameterizedTest(name = "chunked={0}")
  @ValueSource(booleans = {false, true})
  void oversizedManifestIsRefused(boolean chunked) throws Exception {
    byte[] big = new byte[Document.MAX_SIZE + 1];
    Arrays.fill(big, (byte) ' ');
    registry.setDispatcher(dispatch(r -> {
      MockResponse.Builder b = new MockResponse.Builder().code(200).addHeader("Content-Type", MediaTypes.OCI_MANIFEST);
      return (chunked ? b.chunkedBody(new okio.Buffer().write(big), 64 * 1024) : b.body(new okio.Buffer().write(big)))
          .build();
    }));
    Descriptor d = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(big), Document.MAX_SIZE);
    try (OkHttpRegistryClient c = fx.plain()) {
      JpullException e = assertThrows(JpullException.class, () -> c.manifest(ref(reg() + "/a:1"), d));
      assertEquals(Kind.VERIFICATION, e.kind());
      assertTrue(e.getMessage().contains("exceeds " + Document.MAX_SIZE + " bytes"), e.getMessage());
    }
  }

  @Test
  void resolveUsesHeadWhenItCarriesADigest() throws Exception {
    registry.setDispatcher(dispatch(r -> Images.manifest(r.getMethod())));
    try (OkHttpRegistryClient c = fx.plain()) {
      Resolution res = c.resolve(ref(reg() + "/a:1"));
      assertEquals(manifestDescriptor(), res.descriptor());
      assertEquals(reg(), res.host());
    }
    assertEquals(1, registry.getRequestCount());
  }

  @Test
  void resolveFallsBackToGetAndHashesTheBytes() throws Exception {
    registry.setDispatcher(dispatch(r -> r.getMethod().equals("HEAD") ? Fixtures.status(405)
        : body(200, MediaTypes.OCI_MANIFEST, Images.MANIFEST)));
    try (OkHttpRegistryClient c = fx.plain()) {
      assertEquals(manifestDescriptor(), c.resolve(ref(reg() + "/a:1")).descriptor());
    }
  }

  @Test
  void lyingDigestHeaderOnGetIsRefused() throws Exception {
    registry.setDispatcher(dispatch(r -> r.getMethod().equals("HEAD") ? Fixtures.status(405)
        : new MockResponse.Builder().code(200).addHeader("Content-Type", MediaTypes.OCI_MANIFEST)
            .addHeader("Docker-Content-Digest", "sha256:" + "b".repeat(64))
            .body(new okio.Buffer().write(Images.MANIFEST)).build()));
    try (OkHttpRegistryClient c = fx.plain()) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.VERIFICATION, e.kind());
    }
  }

  @Test
  void pullByDigestServedOtherContentIsRefused() throws Exception {
    String want = "sha256:" + "c".repeat(64);
    registry.setDispatcher(dispatch(r -> r.getMethod().equals("HEAD") ? Fixtures.status(404)
        : body(200, MediaTypes.OCI_MANIFEST, Images.MANIFEST)));
    try (OkHttpRegistryClient c = fx.plain()) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a@" + want)));
      assertEquals(Kind.VERIFICATION, e.kind());
      assertTrue(e.getMessage().contains("manifest verification failed for digest " + want), e.getMessage());
    }
  }

  @Test
  void schema1IsUnsupported() throws Exception {
    registry.setDispatcher(dispatch(r -> new MockResponse.Builder().code(200)
        .addHeader("Content-Type", MediaTypes.DOCKER_SCHEMA1_SIGNED).body("{\"schemaVersion\":1}").build()));
    try (OkHttpRegistryClient c = fx.plain()) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.UNSUPPORTED, e.kind());
    }
  }

  @Test
  void failingMirrorFallsBackToUpstream() throws Exception {
    mirror.setDispatcher(dispatch(r -> json(404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"x\"}]}")));
    registry.setDispatcher(dispatch(r -> Images.manifest(r.getMethod())));
    String upstream = "http://" + reg();
    StaticHosts hosts = new StaticHosts(Map.of("docker.io", List.of(
        StaticHosts.mirror("http://mirror.test:" + mirror.getPort(), RegistryHost.Capability.PULL,
            RegistryHost.Capability.RESOLVE),
        StaticHosts.upstream(upstream, RegistryHost.Tls.SYSTEM))));
    try (OkHttpRegistryClient c = fx.builder(hosts).build()) {
      Resolution res = c.resolve(ref("alpine:3"));
      assertEquals(reg(), res.host());
    }
    RecordedRequest m = mirror.takeRequest();
    assertEquals("/v2/library/alpine/manifests/3", Fixtures.path(m));
    assertEquals("docker.io", m.getUrl().queryParameter("ns"));
    assertTrue(fx.log.stream().anyMatch(l -> l.contains("mirror mirror.test:" + mirror.getPort() + " failed")));
  }

  @ParameterizedTest(name = "mirror {0}")
  @ValueSource(strings = {"refusing connections", "answering 503"})
  void mirrorIsNotRetriedTheNextHostIsTheRetry(String how) throws Exception {
    String mirrorBase;
    if (how.startsWith("refusing")) {
      try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        mirrorBase = "http://127.0.0.1:" + s.getLocalPort();
      }
    } else {
      mirror.setDispatcher(dispatch(r -> Fixtures.status(503)));
      mirrorBase = "http://mirror.test:" + mirror.getPort();
    }
    registry.setDispatcher(dispatch(r -> Images.manifest(r.getMethod())));
    StaticHosts hosts = new StaticHosts(Map.of("docker.io", List.of(
        StaticHosts.mirror(mirrorBase, RegistryHost.Capability.PULL, RegistryHost.Capability.RESOLVE),
        StaticHosts.upstream("http://" + reg(), RegistryHost.Tls.SYSTEM))));
    try (OkHttpRegistryClient c = fx.builder(hosts).build()) {
      assertEquals(reg(), c.resolve(ref("alpine:3")).host());
    }
    assertTrue(fx.events.stream().noneMatch(e -> e instanceof dev.jpull.progress.ProgressEvent.Retry),
        "no retry of a failing mirror: " + fx.events);
    assertEquals(how.startsWith("refusing") ? 0 : 1, mirror.getRequestCount());
  }

  @Test
  void mirrorWithoutResolveCapabilityIsSkippedForTags() throws Exception {
    registry.setDispatcher(dispatch(r -> Images.manifest(r.getMethod())));
    StaticHosts hosts = new StaticHosts(Map.of("docker.io", List.of(
        StaticHosts.mirror("http://mirror.test:" + mirror.getPort(), RegistryHost.Capability.PULL),
        StaticHosts.upstream("http://" + reg(), RegistryHost.Tls.SYSTEM))));
    try (OkHttpRegistryClient c = fx.builder(hosts).build()) {
      c.resolve(ref("alpine:3"));
    }
    assertEquals(0, mirror.getRequestCount());
  }

  @Test
  void tagsFollowLinkPagination() throws Exception {
    registry.setDispatcher(dispatch(r -> {
      String last = r.getUrl().queryParameter("last");
      if (last == null) {
        return new MockResponse.Builder().code(200).addHeader("Link", "</v2/a/tags/list?n=2&last=b>; rel=\"next\"")
            .body("{\"name\":\"a\",\"tags\":[\"a\",\"b\"]}").build();
      }
      return json(200, "{\"name\":\"a\",\"tags\":[\"c\"]}");
    }));
    try (OkHttpRegistryClient c = fx.plain()) {
      assertEquals(List.of("a", "b", "c"), Fixtures.tags(c, ref(reg() + "/a:latest")));
    }
  }

  @Test
  void tagsPaginationToAnotherOriginIsRefused() throws Exception {
    registry.setDispatcher(dispatch(r -> new MockResponse.Builder().code(200)
        .addHeader("Link", "<http://evil.test:" + mirror.getPort() + "/v2/a/tags/list>; rel=\"next\"")
        .body("{\"tags\":[\"a\"]}").build()));
    try (OkHttpRegistryClient c = fx.plain()) {
      assertThrows(JpullException.class, () -> Fixtures.tags(c, ref(reg() + "/a:latest")));
    }
    assertEquals(0, mirror.getRequestCount());
  }
}
