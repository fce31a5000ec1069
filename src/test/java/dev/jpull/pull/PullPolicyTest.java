package dev.jpull.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.progress.ProgressListener;
import dev.jpull.reference.Reference;
import dev.jpull.registry.OkHttpRegistryClient;
import dev.jpull.registry.hosts.RegistryHost;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole pulls against a scripted registry: what a manifest declares is checked before jpull acts on it. */
class PullPolicyTest {
  @StartStop final MockWebServer registry = new MockWebServer();
  @StartStop final MockWebServer foreign = new MockWebServer();
  @TempDir Path dir;
  final List<String> paths = new CopyOnWriteArrayList<>();

  static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

  String name() {
    return "127.0.0.1:" + registry.getPort();
  }

  OkHttpRegistryClient client() {
    return OkHttpRegistryClient.builder(r -> List.of(new RegistryHost(URI.create("http://" + r), "/v2",
            Set.of(RegistryHost.Capability.PULL, RegistryHost.Capability.RESOLVE), RegistryHost.Tls.SYSTEM, Map.of(),
            false)))
        .environment(Map.of()).attempts(1).readTimeout(Duration.ofSeconds(5)).build();
  }

  static byte[] gzip(byte[] b) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  /** An empty tar (two zero blocks), gzipped: a valid layer with no entries. */
  static byte[] emptyLayer() throws Exception {
    return gzip(new byte[1024]);
  }

  static String config(Digest diffId) {
    return "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + diffId + "\"]}}";
  }

  void serve(Map<String, byte[]> blobs, byte[] manifest, String manifestType) {
    Digest md = Digest.sha256(manifest);
    registry.setDispatcher(dispatch(r -> {
      paths.add(r.getMethod() + " " + r.getUrl().encodedPath());
      String p = r.getUrl().encodedPath();
      if (p.contains("/manifests/")) {
        MockResponse.Builder b = new MockResponse.Builder().code(200).addHeader("Docker-Content-Digest", md.toString());
        if (manifestType != null) {
          b.addHeader("Content-Type", manifestType);
        }
        return r.getMethod().equals("HEAD") ? b.addHeader("Content-Length", manifest.length).build()
            : b.body(new okio.Buffer().write(manifest)).build();
      }
      for (Map.Entry<String, byte[]> e : blobs.entrySet()) {
        if (p.endsWith("/blobs/" + e.getKey())) {
          return new MockResponse.Builder().code(200).body(new okio.Buffer().write(e.getValue())).build();
        }
      }
      return new MockResponse.Builder().code(404).build();
    }));
  }

  static Dispatcher dispatch(Function<RecordedRequest, MockResponse> f) {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return f.apply(request);
      }
    };
  }

  PullResult pull(String ref) throws Exception {
    try (LocalContentStore store = LocalContentStore.open(dir.resolve("store"));
        OkHttpRegistryClient c = client()) {
      return new Puller(c, store, ProgressListener.NONE).pull(Reference.parse(ref),
          new PullOptions(PlatformMatcher.only(dev.jpull.oci.Platform.parse("linux/amd64")), false, false, null, 2));
    }
  }

  @Test
  void aForeignLayerIsFetchedFromTheRegistryNotItsUrls() throws Exception {
    byte[] layer = emptyLayer();
    Digest layerDigest = Digest.sha256(layer);
    byte[] config = config(Digest.sha256(new byte[1024])).getBytes(StandardCharsets.UTF_8);
    String fUrl = "http://127.0.0.1:" + foreign.getPort() + "/layer.tar.gz";
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + DOCKER_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + DOCKER_CONFIG + "\",\"digest\":\"" + Digest.sha256(config) + "\",\"size\":" + config.length + "},"
        + "\"layers\":[{\"mediaType\":\"" + MediaTypes.DOCKER_FOREIGN_LAYER_GZIP + "\",\"digest\":\"" + layerDigest
        + "\",\"size\":" + layer.length + ",\"urls\":[\"" + fUrl + "\"]}]}").getBytes(StandardCharsets.UTF_8);
    serve(Map.of(Digest.sha256(config).toString(), config, layerDigest.toString(), layer), manifest, DOCKER_MANIFEST);
    foreign.setDispatcher(dispatch(r -> new MockResponse.Builder().code(500).build()));
    PullResult r = pull(name() + "/app:1");
    assertEquals(Digest.sha256(manifest), r.resolved().digest());
    assertEquals(0, foreign.getRequestCount(), "the manifest's foreign urls get no request by default");
    assertTrue(paths.contains("GET /v2/app/blobs/" + layerDigest), paths.toString());
  }

  @Test
  void aConfigDeclaredLargerThanTheLimitGetsNoRequest() throws Exception {
    Digest configDigest = Digest.parse("sha256:" + "c".repeat(64));
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + configDigest + "\",\"size\":" + (100L << 20) + "},"
        + "\"layers\":[]}").getBytes(StandardCharsets.UTF_8);
    serve(Map.of(), manifest, MediaTypes.OCI_MANIFEST);
    JpullException e = assertThrows(JpullException.class, () -> pull(name() + "/app:1"));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertFalse(paths.stream().anyMatch(p -> p.contains("/blobs/")), "no request for the config: " + paths);
  }

  @Test
  void aRealFiveMebibyteConfigIsNeverStored() throws Exception {
    byte[] config = new byte[5 << 20];
    java.util.Arrays.fill(config, (byte) ' ');
    Digest configDigest = Digest.sha256(config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length + "},"
        + "\"layers\":[]}").getBytes(StandardCharsets.UTF_8);
    serve(Map.of(configDigest.toString(), config), manifest, MediaTypes.OCI_MANIFEST);
    JpullException e = assertThrows(JpullException.class, () -> pull(name() + "/app:1"));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertFalse(Files.exists(dir.resolve("store/blobs/sha256/" + configDigest.hex())));
    assertFalse(paths.stream().anyMatch(p -> p.contains("/blobs/")), "no request for the config: " + paths);
  }

  @Test
  void aHeadWithoutAManifestContentTypeIsNeverRecordedAsAChildlessImage() throws Exception {
    byte[] layer = emptyLayer();
    Digest layerDigest = Digest.sha256(layer);
    byte[] config = config(Digest.sha256(new byte[1024])).getBytes(StandardCharsets.UTF_8);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + Digest.sha256(config) + "\",\"size\":" + config.length + "},"
        + "\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"" + layerDigest
        + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
    serve(Map.of(Digest.sha256(config).toString(), config, layerDigest.toString(), layer), manifest, null);
    PullResult r = pull(name() + "/app:1");
    assertEquals(MediaTypes.OCI_MANIFEST, r.resolved().mediaType(), "typed from the body's mediaType");
    assertTrue(paths.contains("GET /v2/app/blobs/" + layerDigest), "the image's children were fetched: " + paths);
    assertTrue(Files.exists(dir.resolve("store/blobs/sha256/" + Digest.sha256(config).hex())));
  }
}
