package dev.jpull.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TestImage;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, provenance: the JSON stream tells mirror from upstream. Each test gets its own upstream and
 * mirror (one test stops its upstream): a pull-through cache mirror serving everything, a mirror missing one
 * blob (jpull falls back to the upstream for that blob alone), and a warmed mirror whose upstream is down.
 */
class MirrorProvenanceIT {
  static final String REPO = "mirrored/app";

  @TempDir
  Path dir;

  RegistryServer upstream;
  RegistryServer mirror;
  TestImage image;

  @BeforeEach
  void start() throws Exception {
    RegistryServer.requireAvailable();
    upstream = RegistryServer.builder(dir).name("upstream").storage(dir.resolve("upstream-storage")).start();
    image = Seed.standardImage();
    new ImagePusher(upstream.url()).push(REPO, "1", image);
  }

  @AfterEach
  void stop() {
    if (mirror != null) {
      mirror.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private void proxyMirror() throws Exception {
    mirror = RegistryServer.builder(dir).name("mirror").storage(dir.resolve("mirror-storage")).yaml("""
        proxy:
          remoteurl: %s
        """.formatted(upstream.url())).start();
  }

  private Path hostsDir() throws Exception {
    Path d = Files.createDirectories(dir.resolve("hosts").resolve(upstream.hostPort()));
    Files.writeString(d.resolve("hosts.toml"), """
        server = "%s"

        [host."%s"]
          capabilities = ["pull", "resolve"]
        """.formatted(upstream.url(), mirror.url()));
    return dir.resolve("hosts");
  }

  private List<JsonNode> pullJson(String store) throws Exception {
    JpullRun.Result r = JpullRun.in(dir).run("--store", dir.resolve(store).toString(), "--hosts-dir",
        hostsDir().toString(), "pull", "--no-unpack", "--progress", "json", upstream.hostPort() + "/" + REPO + ":1");
    assertEquals(0, r.exit(), r.toString());
    return r.stdout().lines().map(l -> {
      try {
        return Json.MAPPER.readTree(l);
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + l, e);
      }
    }).toList();
  }

  /** The {@code done} blob event of each fetched blob, by digest. */
  private static Map<String, JsonNode> doneBlobs(List<JsonNode> events) {
    Map<String, JsonNode> out = new HashMap<>();
    events.stream().filter(e -> e.path("type").asText().equals("blob") && e.path("status").asText().equals("done"))
        .forEach(e -> out.put(e.path("digest").asText(), e));
    return out;
  }

  private static JsonNode done(List<JsonNode> events) {
    JsonNode last = events.get(events.size() - 1);
    assertEquals("done", last.path("type").asText(), last.toString());
    return last;
  }

  private long size(Digest d) {
    return image.blobs.get(d).length;
  }

  @Test
  void eventsNameTheMirrorThatServedEveryBlob() throws Exception {
    proxyMirror();
    List<JsonNode> events = pullJson("s");
    Map<String, JsonNode> blobs = doneBlobs(events);
    long total = 0;
    for (Digest d : image.layerDigests) {
      JsonNode b = blobs.get(d.toString());
      assertEquals(mirror.hostPort(), b.path("host").asText(), b.toString());
      assertTrue(b.path("mirror").asBoolean(), b.toString());
      assertFalse(b.path("resumed").asBoolean(), b.toString());
      total += size(d);
    }
    total += size(image.configDigest);
    JsonNode sources = done(events).path("sources");
    assertEquals(1, sources.size(), sources.toString());
    assertEquals(total, sources.path(mirror.hostPort()).asLong(), sources.toString());
    // downloaded also counts the manifest, which sources (bytes of blobs per host) does not.
    assertEquals(total + image.manifest.length, done(events).path("downloaded").asLong());
  }

  @Test
  void aBlobMissingOnTheMirrorComesFromTheUpstreamAndTheEventsSaySo() throws Exception {
    // A plain registry as mirror, holding the image but for its last layer (pushed, then deleted).
    mirror = RegistryServer.builder(dir).name("partial").storage(dir.resolve("partial-storage")).start();
    new ImagePusher(mirror.url()).push(REPO, "1", image);
    Digest missing = image.layerDigests.get(image.layerDigests.size() - 1);
    HttpURLConnection c = (HttpURLConnection) URI.create(mirror.url() + "/v2/" + REPO + "/blobs/" + missing)
        .toURL().openConnection();
    c.setRequestMethod("DELETE");
    assertEquals(202, c.getResponseCode());
    c.disconnect();

    List<JsonNode> events = pullJson("s");
    Map<String, JsonNode> blobs = doneBlobs(events);
    JsonNode fromUpstream = blobs.get(missing.toString());
    assertEquals(upstream.hostPort(), fromUpstream.path("host").asText(), fromUpstream.toString());
    assertFalse(fromUpstream.path("mirror").asBoolean(), fromUpstream.toString());
    long fromMirror = size(image.configDigest);
    for (Digest d : image.layerDigests) {
      if (!d.equals(missing)) {
        assertTrue(blobs.get(d.toString()).path("mirror").asBoolean(), blobs.get(d.toString()).toString());
        fromMirror += size(d);
      }
    }
    JsonNode sources = done(events).path("sources");
    assertEquals(size(missing), sources.path(upstream.hostPort()).asLong(), sources.toString());
    assertEquals(fromMirror, sources.path(mirror.hostPort()).asLong(), sources.toString());
  }

  @Test
  void aWarmedMirrorCompletesThePullWhenTheUpstreamIsDown() throws Exception {
    proxyMirror();
    pullJson("warm");
    upstream.close();
    List<JsonNode> events = pullJson("cold");
    JsonNode sources = done(events).path("sources");
    assertEquals(List.of(mirror.hostPort()), iterable(sources), sources.toString());
    assertTrue(doneBlobs(events).values().stream().allMatch(b -> b.path("mirror").asBoolean()), events.toString());
  }

  private static List<String> iterable(JsonNode object) {
    List<String> names = new java.util.ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
