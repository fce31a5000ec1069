package dev.jpull.export;

import dev.jpull.content.LocalContentStore;
import dev.jpull.content.Writer;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.testing.TestImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Puts test images into a real store the way a pull leaves them: verified blobs and a recorded name. */
final class StoreFixture {
  private StoreFixture() {}

  /** Stores an image's blobs and manifest; returns the manifest's descriptor. */
  static Descriptor put(LocalContentStore store, TestImage image) throws Exception {
    for (Map.Entry<Digest, byte[]> b : image.blobs.entrySet()) {
      write(store, b.getValue());
    }
    write(store, image.manifest);
    return new Descriptor(image.manifestType, image.manifestDigest, image.manifest.length);
  }

  /** Stores an image and records {@code name} for it. */
  static Descriptor record(LocalContentStore store, String name, TestImage image) throws Exception {
    Descriptor m = put(store, image);
    store.record(name, m);
    return m;
  }

  /** An OCI index over {@code images}, with each one's platform from {@code platforms} ("os/arch[/variant]"). */
  static byte[] index(List<TestImage> images, List<String> platforms) {
    StringBuilder manifests = new StringBuilder();
    for (int i = 0; i < images.size(); i++) {
      TestImage img = images.get(i);
      String[] p = platforms.get(i).split("/");
      manifests.append(i > 0 ? "," : "").append("{\"mediaType\":\"").append(img.manifestType)
          .append("\",\"digest\":\"").append(img.manifestDigest).append("\",\"size\":").append(img.manifest.length)
          .append(",\"platform\":{\"os\":\"").append(p[0]).append("\",\"architecture\":\"").append(p[1]).append('"')
          .append(p.length > 2 ? ",\"variant\":\"" + p[2] + "\"" : "").append("}}");
    }
    return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[" + manifests + "]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static Descriptor write(LocalContentStore store, byte[] bytes) throws IOException, InterruptedException {
    Descriptor d = new Descriptor("", Digest.sha256(bytes), bytes.length);
    Optional<Writer> w = store.writer(d);
    if (w.isPresent()) {
      try (Writer writer = w.get()) {
        writer.stream().write(bytes);
        writer.commit();
      }
    }
    return d;
  }
}
