package dev.jpull.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.content.LocalContentStore;
import dev.jpull.content.Writer;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The served store answered by a plain HTTP client: the pull API, its names, and its error codes. */
class StoreServerTest {
  @TempDir
  Path dir;

  LocalContentStore store;
  StoreServer server;
  String base;
  TestImage app;
  TestImage other;
  byte[] big;
  final List<String> log = new CopyOnWriteArrayList<>();
  final OkHttpClient http = new OkHttpClient();

  @BeforeEach
  void start() throws Exception {
    store = LocalContentStore.open(dir.resolve("store"));
    big = new byte[8 << 20];
    new Random(3).nextBytes(big);
    app = TestImage.of(List.of(new TarBuilder().file("etc/os-release", "ID=app\n").build()), true);
    other = TestImage.of(List.of(new TarBuilder().file("which", "other").build()), false);
    record("docker.io/library/alpine:3.19", app);
    record("docker.io/library/alpine:3.20", app);
    record("docker.io/library/alpine:edge", other);
    record("127.0.0.1:5000/team/app:1", other);
    record("127.0.0.1:5000/library/alpine:3.19", other); // the same repository path on a second registry
    write(big);
    server = StoreServer.start(store, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4, log::add);
    base = "http://127.0.0.1:" + server.address().getPort();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private void record(String name, TestImage image) throws Exception {
    for (Map.Entry<Digest, byte[]> b : image.blobs.entrySet()) {
      write(b.getValue());
    }
    write(image.manifest);
    store.record(name, new Descriptor(image.manifestType, image.manifestDigest, image.manifest.length));
  }

  private void write(byte[] bytes) throws Exception {
    Optional<Writer> w = store.writer(new Descriptor("", Digest.sha256(bytes), bytes.length));
    if (w.isPresent()) {
      try (Writer writer = w.get()) {
        writer.stream().write(bytes);
        writer.commit();
      }
    }
  }

  private Response get(String path, String... headers) throws IOException {
    Request.Builder b = new Request.Builder().url(base + path);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.newCall(b.build()).execute();
  }

  private void assertError(int status, String code, Response r) throws IOException {
    try (r) {
      assertEquals(status, r.code());
      JsonNode body = Json.MAPPER.readTree(r.body().string());
      assertEquals(code, body.get("errors").get(0).get("code").asText(), body.toString());
    }
  }

  @Test
  void baseAnswersAsAV2Registry() throws Exception {
    try (Response r = get("/v2/")) {
      assertEquals(200, r.code());
      assertEquals("registry/2.0", r.header("Docker-Distribution-API-Version"));
    }
  }

  @Test
  void manifestsByTagAndDigestUnderEveryName() throws Exception {
    for (String path : List.of("/v2/docker.io/library/alpine/manifests/3.19",
        "/v2/library/alpine/manifests/3.19?ns=docker.io", "/v2/docker.io/library/alpine/manifests/" + app.manifestDigest)) {
      try (Response r = get(path)) {
        assertEquals(200, r.code(), path);
        assertArrayEquals(app.manifest, r.body().bytes(), path);
        assertEquals(app.manifestType, r.header("Content-Type"));
        assertEquals(app.manifestDigest.toString(), r.header("Docker-Content-Digest"));
      }
    }
    // The repository alone when one registry's images match; ns picks among several.
    try (Response r = get("/v2/team/app/manifests/1")) {
      assertEquals(200, r.code());
      assertArrayEquals(other.manifest, r.body().bytes());
      assertEquals(MediaTypes.DOCKER_MANIFEST, r.header("Content-Type"));
    }
    try (Response r = get("/v2/library/alpine/manifests/3.19?ns=127.0.0.1:5000")) {
      assertArrayEquals(other.manifest, r.body().bytes());
    }
    assertError(404, "NAME_UNKNOWN", get("/v2/library/alpine/manifests/3.19"));
    Request head = new Request.Builder().url(base + "/v2/docker.io/library/alpine/manifests/3.19").head().build();
    try (Response r = http.newCall(head).execute()) {
      assertEquals(200, r.code());
      assertEquals(Integer.toString(app.manifest.length), r.header("Content-Length"));
      assertEquals(app.manifestDigest.toString(), r.header("Docker-Content-Digest"));
      assertEquals(0, r.body().bytes().length);
    }
  }

  @Test
  void badPathsDigestsAndNamesGetTheSpecErrorCodes() throws Exception {
    assertError(404, "NAME_UNKNOWN", get("/v2/docker.io/library/nope/manifests/1"));
    assertError(404, "MANIFEST_UNKNOWN", get("/v2/docker.io/library/alpine/manifests/9.99"));
    assertError(404, "MANIFEST_UNKNOWN", get("/v2/docker.io/library/alpine/manifests/" + Digest.sha256(new byte[1])));
    assertError(400, "NAME_INVALID", get("/v2/docker.io/library/Alpine/manifests/1"));
    assertError(400, "NAME_INVALID", get("/v2/docker.io/library/a..b/manifests/1"));
    assertError(400, "DIGEST_INVALID", get("/v2/docker.io/library/alpine/blobs/sha256:xyz"));
    assertError(400, "DIGEST_INVALID", get("/v2/docker.io/library/alpine/manifests/sha256:abc"));
    assertError(404, "BLOB_UNKNOWN", get("/v2/docker.io/library/alpine/blobs/" + Digest.sha256(new byte[2])));
    assertError(404, "UNSUPPORTED", get("/v2/docker.io/library/alpine"));
    assertError(404, "UNSUPPORTED", get("/etc/passwd"));
    Request put = new Request.Builder().url(base + "/v2/docker.io/library/alpine/manifests/new")
        .put(RequestBody.create(app.manifest)).build();
    assertError(405, "UNSUPPORTED", http.newCall(put).execute());
    Request upload = new Request.Builder().url(base + "/v2/docker.io/library/alpine/blobs/uploads/")
        .post(RequestBody.create(new byte[0])).build();
    assertError(405, "UNSUPPORTED", http.newCall(upload).execute());
    Request delete = new Request.Builder().url(base + "/v2/docker.io/library/alpine/manifests/3.19").delete().build();
    assertError(405, "UNSUPPORTED", http.newCall(delete).execute());
  }

  @Test
  void blobsWholeAndByRange() throws Exception {
    Digest d = Digest.sha256(big);
    String path = "/v2/docker.io/library/alpine/blobs/" + d;
    try (Response r = get(path)) {
      assertEquals(200, r.code());
      assertEquals(d.toString(), r.header("Docker-Content-Digest"));
      assertArrayEquals(big, r.body().bytes());
    }
    try (Response r = get(path, "Range", "bytes=2-5")) {
      assertEquals(206, r.code());
      assertEquals("bytes 2-5/" + big.length, r.header("Content-Range"));
      assertArrayEquals(java.util.Arrays.copyOfRange(big, 2, 6), r.body().bytes());
    }
    try (Response r = get(path, "Range", "bytes=" + (big.length - 10) + "-")) {
      assertEquals(206, r.code());
      assertArrayEquals(java.util.Arrays.copyOfRange(big, big.length - 10, big.length), r.body().bytes());
    }
    try (Response r = get(path, "Range", "bytes=-3")) {
      assertArrayEquals(java.util.Arrays.copyOfRange(big, big.length - 3, big.length), r.body().bytes());
    }
    try (Response r = get(path, "Range", "bytes=" + big.length + "-")) {
      assertEquals(416, r.code());
      assertEquals("bytes */" + big.length, r.header("Content-Range"));
    }
  }

  @Test
  void tagsListPaginatesWithNAndLast() throws Exception {
    try (Response r = get("/v2/docker.io/library/alpine/tags/list")) {
      JsonNode body = Json.MAPPER.readTree(r.body().string());
      assertEquals("[\"3.19\",\"3.20\",\"edge\"]", body.get("tags").toString());
    }
    try (Response r = get("/v2/docker.io/library/alpine/tags/list?n=2")) {
      assertEquals("[\"3.19\",\"3.20\"]", Json.MAPPER.readTree(r.body().string()).get("tags").toString());
      assertEquals("</v2/docker.io/library/alpine/tags/list?n=2&last=3.20>; rel=\"next\"", r.header("Link"));
    }
    try (Response r = get("/v2/docker.io/library/alpine/tags/list?n=2&last=3.20")) {
      assertEquals("[\"edge\"]", Json.MAPPER.readTree(r.body().string()).get("tags").toString());
      assertNull(r.header("Link"));
    }
    assertError(400, "PAGINATION_NUMBER_INVALID", get("/v2/docker.io/library/alpine/tags/list?n=x"));
  }

  @Test
  void referrersIsAnEmptyIndex() throws Exception {
    try (Response r = get("/v2/docker.io/library/alpine/referrers/" + app.manifestDigest)) {
      assertEquals(200, r.code());
      assertEquals(MediaTypes.OCI_INDEX, r.header("Content-Type"));
      JsonNode body = Json.MAPPER.readTree(r.body().string());
      assertEquals(0, body.get("manifests").size());
      assertEquals(2, body.get("schemaVersion").asInt());
    }
    assertError(400, "DIGEST_INVALID", get("/v2/docker.io/library/alpine/referrers/nope"));
  }

  @Test
  void aCorruptBlobIsCutShortNotServedWhole() throws Exception {
    Digest d = Digest.sha256(big);
    Path blob = store.blobPath(d);
    blob.toFile().setWritable(true);
    byte[] bad = big.clone();
    bad[bad.length - 1] ^= 1;
    Files.write(blob, bad);
    try (Response r = get("/v2/docker.io/library/alpine/blobs/" + d)) {
      assertEquals(200, r.code());
      assertThrows(IOException.class, () -> r.body().bytes(), "the transfer must break");
    }
    assertTrue(log.stream().anyMatch(l -> l.contains(d.toString()) && l.contains("corrupt")), log.toString());
  }

  @Test
  void aBlobRemovedByGcWhileStreamingCompletesAndIsUnknownAfter() throws Exception {
    Digest d = Digest.sha256(big);
    try (Response r = get("/v2/docker.io/library/alpine/blobs/" + d)) {
      InputStream in = r.body().byteStream();
      byte[] first = in.readNBytes(1024);
      Files.delete(store.blobPath(d)); // what gc does to an unreferenced blob
      byte[] rest = in.readAllBytes();
      byte[] all = new byte[first.length + rest.length];
      System.arraycopy(first, 0, all, 0, first.length);
      System.arraycopy(rest, 0, all, first.length, rest.length);
      assertArrayEquals(big, all);
    }
    assertError(404, "BLOB_UNKNOWN", get("/v2/docker.io/library/alpine/blobs/" + d));
  }
}
