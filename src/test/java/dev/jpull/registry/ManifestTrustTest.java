package dev.jpull.registry;

import static dev.jpull.registry.Fixtures.dispatch;
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
import dev.jpull.reference.Reference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a HEAD or a descriptor says about a manifest is checked against bytes, or before any byte. */
class ManifestTrustTest {
  @StartStop final MockWebServer registry = new MockWebServer();
  final Fixtures fx = new Fixtures();
  final List<String> paths = new CopyOnWriteArrayList<>();
  static final Digest LIE = Digest.sha256(Fixtures.bytes("a manifest the registry does not have"));

  String reg() {
    return Fixtures.name(registry);
  }

  /** HEAD names {@code headDigest}; GET by that digest is 404 unless it is the real one; GET by tag serves it. */
  void serve(Digest headDigest, Digest getHeader) {
    registry.setDispatcher(dispatch(r -> {
      String p = Fixtures.path(r);
      paths.add(r.getMethod() + " " + p);
      if (r.getMethod().equals("HEAD")) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", MediaTypes.OCI_MANIFEST)
            .addHeader("Docker-Content-Digest", headDigest.toString())
            .addHeader("Content-Length", Images.MANIFEST.length).build();
      }
      if (p.endsWith("/manifests/1")) {
        MockResponse.Builder b = new MockResponse.Builder().code(200).addHeader("Content-Type", MediaTypes.OCI_MANIFEST)
            .body(new okio.Buffer().write(Images.MANIFEST));
        if (getHeader != null) {
          b.addHeader("Docker-Content-Digest", getHeader.toString());
        }
        return b.build();
      }
      return Fixtures.json(404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}");
    }));
  }

  Document resolveAndFetch(OkHttpRegistryClient c, Reference ref) throws Exception {
    Resolution res = c.resolve(ref);
    return c.manifest(ref, res.descriptor());
  }

  @Test
  void aHeadWhoseDockerContentDigestLiesFallsBackToTheTagAndFailsAsContent() throws Exception {
    serve(LIE, LIE);
    try (OkHttpRegistryClient c = fx.plain()) {
      JpullException e = assertThrows(JpullException.class, () -> resolveAndFetch(c, ref(reg() + "/a:1")));
      assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
      assertTrue(e.getMessage().contains(reg() + "/a:1"), "names the reference: " + e.getMessage());
    }
    assertTrue(paths.contains("GET /v2/a/manifests/1"), "fell back to GET by tag: " + paths);
  }

  @Test
  void aHeadWhoseDigestTheRegistryCannotServeByDigestIsServedByTagWhenTheBytesMatch() throws Exception {
    serve(Images.MANIFEST_DIGEST, null);
    registry.setDispatcher(wrapNotByDigest(registry.getDispatcher()));
    try (OkHttpRegistryClient c = fx.plain()) {
      Document d = resolveAndFetch(c, ref(reg() + "/a:1"));
      assertEquals(Images.MANIFEST_DIGEST, d.descriptor().digest());
    }
  }

  /** Answers 404 for the manifest by digest even though it is the tag's. */
  private mockwebserver3.Dispatcher wrapNotByDigest(mockwebserver3.Dispatcher inner) {
    return dispatch(r -> {
      if (Fixtures.path(r).contains("/manifests/sha256:")) {
        paths.add(r.getMethod() + " " + Fixtures.path(r));
        return Fixtures.status(404);
      }
      try {
        return inner.dispatch(r);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void aManifestByDigestIsNeverFetchedByTagWhenNoHeadNamedIt() throws Exception {
    serve(LIE, null);
    Descriptor d = new Descriptor(MediaTypes.OCI_MANIFEST, LIE, 100);
    try (OkHttpRegistryClient c = fx.plain()) {
      JpullException e = assertThrows(JpullException.class, () -> c.manifest(ref(reg() + "/a:1"), d));
      assertEquals(Kind.NOT_FOUND, e.kind());
    }
    assertTrue(paths.stream().noneMatch(p -> p.endsWith("/manifests/1")), paths.toString());
  }

  @ParameterizedTest(name = "Content-Type {0}")
  @ValueSource(strings = {"", "application/octet-stream", "text/plain"})
  void aHeadWithoutAManifestContentTypeIsTypedFromTheBody(String type) throws Exception {
    registry.setDispatcher(dispatch(r -> {
      paths.add(r.getMethod() + " " + Fixtures.path(r));
      MockResponse.Builder b = new MockResponse.Builder().code(200)
          .addHeader("Docker-Content-Digest", Images.MANIFEST_DIGEST.toString());
      if (!type.isEmpty()) {
        b.addHeader("Content-Type", type);
      }
      return r.getMethod().equals("HEAD") ? b.addHeader("Content-Length", Images.MANIFEST.length).build()
          : b.body(new okio.Buffer().write(Images.MANIFEST)).build();
    }));
    try (OkHttpRegistryClient c = fx.plain()) {
      Resolution res = c.resolve(ref(reg() + "/a:1"));
      assertEquals(MediaTypes.OCI_MANIFEST, res.descriptor().mediaType());
      assertEquals(Images.MANIFEST_DIGEST, res.descriptor().digest());
    }
    assertTrue(paths.contains("GET /v2/a/manifests/1"), paths.toString());
  }

  @ParameterizedTest(name = "declared size {0}")
  @ValueSource(longs = {Document.MAX_SIZE + 1L, 100L << 20, 0})
  void aManifestDeclaredOutsideTheLimitGetsNoRequest(long size) throws Exception {
    registry.setDispatcher(dispatch(r -> Images.manifest(r.getMethod())));
    Descriptor d = new Descriptor(MediaTypes.OCI_MANIFEST, Images.MANIFEST_DIGEST, size);
    try (OkHttpRegistryClient c = fx.plain()) {
      JpullException e = assertThrows(JpullException.class, () -> c.manifest(ref(reg() + "/a:1"), d));
      assertEquals(Kind.VERIFICATION, e.kind());
    }
    assertEquals(0, registry.getRequestCount());
  }

  @Test
  void aManifestLargerThanItsDeclaredSizeIsNotReadPastIt() throws Exception {
    registry.setDispatcher(dispatch(r -> Images.manifest(r.getMethod())));
    Descriptor d = new Descriptor(MediaTypes.OCI_MANIFEST, Images.MANIFEST_DIGEST, 10);
    try (OkHttpRegistryClient c = fx.plain()) {
      JpullException e = assertThrows(JpullException.class, () -> c.manifest(ref(reg() + "/a:1"), d));
      assertEquals(Kind.VERIFICATION, e.kind());
      assertTrue(e.getMessage().contains("declared size of 10"), e.getMessage());
    }
  }
}
