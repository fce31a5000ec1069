package dev.jpull.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.content.LocalContentStore;
import dev.jpull.content.Writer;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: "gc/fsck/export walkers without a visited set, exponential on a manifest graph that shares
 * children, while holding the store lock". Four nested indexes, each naming the next one 40 times, above one
 * manifest: 40^4 = 2.56 million paths, five documents. Each walker must visit each document once (a hang
 * guard, not a timing assertion: the old walkers take hours here).
 */
class SharedChildrenWalkTest {
  private static final int SHARED = 40;
  private static final Duration GUARD = Duration.ofSeconds(60);

  @TempDir Path dir;
  LocalContentStore store;
  Descriptor top;
  Descriptor manifest;

  @BeforeEach
  void nestedSharingGraph() throws Exception {
    store = LocalContentStore.open(dir.resolve("store"));
    byte[] layer = "layer bytes".getBytes(StandardCharsets.UTF_8);
    Descriptor layerDesc = put(MediaTypes.OCI_LAYER, layer);
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + Digest.sha256(layer) + "\"]}}").getBytes(StandardCharsets.UTF_8);
    Descriptor configDesc = put(MediaTypes.OCI_CONFIG, config);
    manifest = put(MediaTypes.OCI_MANIFEST, ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
        + "\",\"config\":" + json(configDesc) + ",\"layers\":[" + json(layerDesc) + "]}")
        .getBytes(StandardCharsets.UTF_8));
    Descriptor child = manifest;
    for (int level = 0; level < 4; level++) {
      StringBuilder b = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX
          + "\",\"manifests\":[");
      for (int i = 0; i < SHARED; i++) {
        b.append(i == 0 ? "" : ",").append(json(child, "{\"os\":\"linux\",\"architecture\":\"amd64\"}"));
      }
      child = put(MediaTypes.OCI_INDEX, b.append("]}").toString().getBytes(StandardCharsets.UTF_8));
    }
    top = child;
    store.record("registry.test/shared:1", top);
  }

  private Descriptor put(String mediaType, byte[] bytes) throws Exception {
    Descriptor d = new Descriptor(mediaType, Digest.sha256(bytes), bytes.length);
    try (Writer w = store.writer(d).orElseThrow()) {
      w.stream().write(bytes);
      w.commit();
    }
    return d;
  }

  private static String json(Descriptor d) {
    return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
  }

  private static String json(Descriptor d, String platform) {
    return json(d).replaceFirst("}$", ",\"platform\":" + platform + "}");
  }

  @Test
  void gcAndFsckWalkASharedChildOnce() {
    assertTimeoutPreemptively(GUARD, () -> {
      assertEquals(0, store.gc().blobsRemoved());
      dev.jpull.content.FsckReport r = store.fsck(false);
      assertTrue(r.ok(), r.toString());
      assertEquals(7, r.blobsChecked(), r.toString());
    });
  }

  @Test
  void exportWalksASharedChildOnce() {
    assertTimeoutPreemptively(GUARD, () -> {
      LayoutContent content = LayoutContent.allPlatforms(store, top, Map.of()).orElseThrow();
      assertEquals(7, content.blobs().size(), "four indexes, a manifest, a config and a layer, each once: "
          + content.blobs());
    });
  }
}
