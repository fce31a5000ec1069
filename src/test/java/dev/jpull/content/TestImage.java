package dev.jpull.content;

import dev.jpull.oci.ChainId;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.testing.TarBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A tiny OCI image (uncompressed layers, config, manifest) built from a seed, to write into stores. */
record TestImage(Descriptor manifest, Descriptor config, List<Descriptor> layers, List<byte[]> blobs, Digest chainId) {

  static TestImage of(String seed, int layerCount) {
    List<byte[]> blobs = new ArrayList<>();
    List<Descriptor> layers = new ArrayList<>();
    List<String> diffIds = new ArrayList<>();
    for (int i = 0; i < layerCount; i++) {
      byte[] tar = new TarBuilder().mtime(0).dir("etc").file("etc/" + seed + "-" + i, seed + " layer " + i).build();
      Descriptor d = new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(tar), tar.length);
      layers.add(d);
      blobs.add(tar);
      diffIds.add("\"" + d.digest() + "\"");
    }
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + String.join(",", diffIds) + "]}}")
        .getBytes(StandardCharsets.UTF_8);
    Descriptor configDesc = new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length);
    StringBuilder layerJson = new StringBuilder();
    for (Descriptor l : layers) {
      layerJson.append(layerJson.length() == 0 ? "" : ",").append(json(l));
    }
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
        + json(configDesc) + ",\"layers\":[" + layerJson + "]}").getBytes(StandardCharsets.UTF_8);
    Descriptor manifestDesc = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(manifest), manifest.length);
    blobs.add(config);
    blobs.add(manifest);
    List<Digest> ids = layers.stream().map(Descriptor::digest).toList();
    return new TestImage(manifestDesc, configDesc, List.copyOf(layers), List.copyOf(blobs), ChainId.of(ids));
  }

  private static String json(Descriptor d) {
    return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
  }

  /** Writes every blob (layers, config, manifest) that the store does not have yet. */
  void writeBlobs(LocalContentStore store) throws Exception {
    for (byte[] b : blobs) {
      Descriptor d = new Descriptor("", Digest.sha256(b), b.length);
      var w = store.writer(d);
      if (w.isPresent()) {
        try (Writer writer = w.get()) {
          writer.stream().write(b);
          writer.commit();
        }
      }
    }
  }
}
