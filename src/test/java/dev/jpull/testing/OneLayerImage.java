package dev.jpull.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A linux/amd64 OCI image of one gzip layer written as stored (uncompressed) deflate blocks: for large
 * incompressible layers, where {@link TestImage}'s default level costs seconds and saves nothing.
 */
public final class OneLayerImage {
  private final byte[] layerBytes;
  private final Digest layer;
  private final byte[] config;
  private final byte[] manifest;

  private OneLayerImage(byte[] layerBytes, Digest diffId) {
    this.layerBytes = layerBytes;
    this.layer = Digest.sha256(layerBytes);
    ObjectNode c = Json.MAPPER.createObjectNode().put("architecture", "amd64").put("os", "linux");
    c.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(diffId.toString());
    this.config = c.toString().getBytes(StandardCharsets.UTF_8);
    ObjectNode m = Json.MAPPER.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_MANIFEST);
    m.putObject("config").put("mediaType", MediaTypes.OCI_CONFIG).put("digest", Digest.sha256(config).toString())
        .put("size", config.length);
    m.putArray("layers").addObject().put("mediaType", MediaTypes.OCI_LAYER_GZIP).put("digest", layer.toString())
        .put("size", layerBytes.length);
    this.manifest = m.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The image of {@code tar}, gzipped with {@link Deflater#NO_COMPRESSION}: valid gzip, as fast as a copy. */
  public static OneLayerImage gzip(byte[] tar) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(tar.length + (tar.length >> 6) + 64);
    try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16) {
      {
        def.setLevel(Deflater.NO_COMPRESSION);
      }
    }) {
      gz.write(tar);
    }
    return new OneLayerImage(out.toByteArray(), Digest.sha256(tar));
  }

  public Digest layer() {
    return layer;
  }

  public byte[] layerBytes() {
    return layerBytes;
  }

  public Digest manifestDigest() {
    return Digest.sha256(manifest);
  }

  public void push(ImagePusher pusher, String repository, String tag) throws IOException {
    pusher.blob(repository, layer, layerBytes);
    pusher.blob(repository, Digest.sha256(config), config);
    pusher.manifest(repository, tag, MediaTypes.OCI_MANIFEST, manifest);
  }
}
