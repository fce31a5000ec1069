package dev.jpull.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.Provider;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.oci.Platform;
import dev.jpull.oci.PlatformMatcher;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The composable handlers: what an index or manifest leads to, and which platform children survive. */
class HandlersTest {
  private final Map<Digest, byte[]> blobs = new HashMap<>();
  private final Provider store = new Provider() {
    @Override
    public InputStream openUnverified(Digest d) throws IOException {
      byte[] b = blobs.get(d);
      if (b == null) {
        throw new JpullException(Kind.NOT_FOUND, "no " + d);
      }
      return new ByteArrayInputStream(b);
    }

    @Override
    public boolean contains(Digest d) {
      return blobs.containsKey(d);
    }

    @Override
    public boolean contains(Descriptor d) {
      return blobs.containsKey(d.digest()) && blobs.get(d.digest()).length == d.size();
    }
  };

  private Descriptor put(String mediaType, String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    Digest d = Digest.sha256(b);
    blobs.put(d, b);
    return new Descriptor(mediaType, d, b.length);
  }

  private static String entry(String mediaType, String hexChar, String platform, String annotations) {
    return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"sha256:" + hexChar.repeat(64) + "\",\"size\":100"
        + (platform == null ? "" : ",\"platform\":" + platform)
        + (annotations == null ? "" : ",\"annotations\":" + annotations) + "}";
  }

  private static String plat(String os, String arch, String variant) {
    return "{\"os\":\"" + os + "\",\"architecture\":\"" + arch + "\""
        + (variant == null ? "" : ",\"variant\":\"" + variant + "\"") + "}";
  }

  private Descriptor index(String... entries) {
    return put(MediaTypes.OCI_INDEX, "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX
        + "\",\"manifests\":[" + String.join(",", entries) + "]}");
  }

  @Test
  void indexChildrenSkipAttestationsUnknownPlatformsAndUnknownTypes() throws Exception {
    Descriptor idx = index(
        entry(MediaTypes.OCI_MANIFEST, "a", plat("linux", "amd64", null), null),
        entry(MediaTypes.OCI_MANIFEST, "b", plat("unknown", "unknown", null),
            "{\"vnd.docker.reference.type\":\"attestation-manifest\",\"vnd.docker.reference.digest\":\"sha256:"
                + "a".repeat(64) + "\"}"),
        entry(MediaTypes.OCI_MANIFEST, "c", plat("unknown", "unknown", null), null),
        entry("application/vnd.example.sbom+json", "d", plat("linux", "amd64", null), null),
        entry(MediaTypes.DOCKER_MANIFEST, "e", plat("linux", "arm64", "v8"), null));
    List<Descriptor> children = Handlers.children(store).handle(idx);
    assertEquals(List.of("sha256:" + "a".repeat(64), "sha256:" + "e".repeat(64)),
        children.stream().map(c -> c.digest().toString()).toList());
  }

  @Test
  void manifestChildrenAreConfigThenLayersInOrder() throws Exception {
    String layer1 = entry(MediaTypes.OCI_LAYER_GZIP, "1", null, null);
    String layer2 = entry(MediaTypes.OCI_LAYER_ZSTD, "2", null, null);
    Descriptor m = put(MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
        + "\",\"config\":" + entry(MediaTypes.OCI_CONFIG, "f", null, null) + ",\"layers\":[" + layer1 + ","
        + layer2 + "]}");
    List<Descriptor> children = Handlers.children(store).handle(m);
    assertEquals(List.of("f", "1", "2"), children.stream().map(c -> c.digest().hex().substring(0, 1)).toList());
  }

  @Test
  void nonImageArtifactIsUnsupportedNamingItsType() {
    Descriptor m = put(MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
        + "\",\"artifactType\":\"application/vnd.cncf.helm.chart\",\"config\":"
        + entry("application/vnd.cncf.helm.config.v1+json", "f", null, null) + ",\"layers\":[]}");
    JpullException e = assertThrows(JpullException.class, () -> Handlers.children(store).handle(m));
    assertEquals(Kind.UNSUPPORTED, e.kind());
    assertTrue(e.getMessage().contains("application/vnd.cncf.helm.config.v1+json"), e.getMessage());
  }

  @Test
  void platformFilterKeepsTheBestMatchAndListsPlatformsWhenNoneMatch() throws Exception {
    Descriptor idx = index(
        entry(MediaTypes.OCI_MANIFEST, "5", plat("linux", "arm", "v5"), null),
        entry(MediaTypes.OCI_MANIFEST, "6", plat("linux", "arm", "v6"), null),
        entry(MediaTypes.OCI_MANIFEST, "8", plat("linux", "arm64", null), null),
        entry(MediaTypes.OCI_MANIFEST, "a", plat("linux", "amd64", null), null));
    Handler armV7 = Handlers.platforms(Handlers.children(store), PlatformMatcher.only(Platform.parse("linux/arm/v7")),
        1, "test");
    // No v7 entry: containerd's fallback picks v6 before v5.
    assertEquals("6", armV7.handle(idx).get(0).digest().hex().substring(0, 1));
    Handler arm64 = Handlers.platforms(Handlers.children(store), PlatformMatcher.only(Platform.parse("linux/arm64/v8")),
        1, "test");
    assertEquals("8", arm64.handle(idx).get(0).digest().hex().substring(0, 1));
    Handler s390x = Handlers.platforms(Handlers.children(store), PlatformMatcher.only(Platform.parse("linux/s390x")),
        1, "test");
    JpullException e = assertThrows(JpullException.class, () -> s390x.handle(idx));
    assertEquals(Kind.NOT_FOUND, e.kind());
    for (String p : List.of("linux/arm/v5", "linux/arm/v6", "linux/arm64", "linux/amd64")) {
      assertTrue(e.getMessage().contains(p), p + " listed in: " + e.getMessage());
    }
  }

  @Test
  void allPlatformsKeepsEveryChild() throws Exception {
    Descriptor idx = index(
        entry(MediaTypes.OCI_MANIFEST, "6", plat("linux", "arm", "v6"), null),
        entry(MediaTypes.OCI_MANIFEST, "a", plat("linux", "amd64", null), null));
    assertEquals(2, Handlers.children(store).handle(idx).size());
  }

  @Test
  void nestingRefusesTheFifthIndexInAChain() throws Exception {
    List<Descriptor> chain = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      chain.add(new Descriptor(MediaTypes.OCI_INDEX, Digest.sha256(("i" + i).getBytes(StandardCharsets.UTF_8)), 1));
    }
    Handler nested = Handlers.nesting(d -> {
      int i = chain.indexOf(d);
      return i + 1 < chain.size() ? List.of(chain.get(i + 1)) : List.of();
    });
    for (int i = 0; i < 3; i++) {
      nested.handle(chain.get(i));
    }
    JpullException e = assertThrows(JpullException.class, () -> nested.handle(chain.get(3)));
    assertEquals(Kind.VERIFICATION, e.kind());
    assertTrue(e.getMessage().contains(chain.get(4).digest().toString()), e.getMessage());
  }

  @Test
  void thenRunsAfterTheInnerHandlerAndNotWhenItFails() throws Exception {
    List<Descriptor> done = new java.util.ArrayList<>();
    Descriptor a = new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(new byte[] {1}), 1);
    Handlers.then(d -> List.of(), done::add).handle(a);
    assertEquals(List.of(a), done);
    assertThrows(JpullException.class, () -> Handlers.then(d -> {
      throw new JpullException(Kind.NOT_FOUND, "gone");
    }, done::add).handle(a));
    assertEquals(List.of(a), done);
  }
}
