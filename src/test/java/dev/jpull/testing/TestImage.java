package dev.jpull.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A single-platform image built in memory from uncompressed tar layers: blobs by digest, the config with
 * correct diff IDs, and the manifest bytes, in OCI or Docker schema 2 form.
 */
public final class TestImage {
  public final Map<Digest, byte[]> blobs = new LinkedHashMap<>();
  public final byte[] manifest;
  public final String manifestType;
  public final Digest manifestDigest;
  public final Digest configDigest;
  public final List<Digest> layerDigests = new ArrayList<>();

  private TestImage(List<byte[]> tars, boolean oci, String os, String arch, String variant, boolean gzip,
      List<String> diffIdOverride) {
    this(tars, oci, os, arch, variant, gzip ? "gzip" : "none", diffIdOverride);
  }

  private TestImage(List<byte[]> tars, boolean oci, String os, String arch, String variant, String compression,
      List<String> diffIdOverride) {
    boolean gzip = compression.equals("gzip");
    boolean zstd = compression.equals("zstd");
    String layerType = zstd ? MediaTypes.OCI_LAYER_ZSTD : oci ? (gzip ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER)
        : (gzip ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.DOCKER_LAYER);
    ObjectNode config = Json.MAPPER.createObjectNode();
    config.put("architecture", arch).put("os", os);
    if (variant != null) {
      config.put("variant", variant);
    }
    config.put("created", "2024-01-01T00:00:00Z");
    config.putObject("config").putArray("Env").add("PATH=/usr/bin:/bin");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    manifestType = oci ? MediaTypes.OCI_MANIFEST : MediaTypes.DOCKER_MANIFEST;
    m.put("mediaType", manifestType);
    ArrayNode layers = Json.MAPPER.createArrayNode();
    for (int i = 0; i < tars.size(); i++) {
      byte[] tar = tars.get(i);
      diffIds.add(diffIdOverride != null ? diffIdOverride.get(i) : Digest.sha256(tar).toString());
      byte[] blob = gzip ? TarBuilder.gzip(tar) : zstd ? TarBuilder.zstd(tar) : tar;
      Digest d = Digest.sha256(blob);
      blobs.put(d, blob);
      layerDigests.add(d);
      layers.addObject().put("mediaType", layerType).put("digest", d.toString()).put("size", blob.length);
    }
    byte[] configBytes = config.toString().getBytes(StandardCharsets.UTF_8);
    configDigest = Digest.sha256(configBytes);
    blobs.put(configDigest, configBytes);
    m.putObject("config").put("mediaType", oci ? MediaTypes.OCI_CONFIG : MediaTypes.DOCKER_CONFIG)
        .put("digest", configDigest.toString()).put("size", configBytes.length);
    m.set("layers", layers);
    manifest = m.toString().getBytes(StandardCharsets.UTF_8);
    manifestDigest = Digest.sha256(manifest);
  }

  public static TestImage of(List<byte[]> tars, boolean oci) {
    return new TestImage(tars, oci, "linux", "amd64", null, true, null);
  }

  /** The same layers compressed with zstd (OCI media types). */
  public static TestImage zstd(List<byte[]> tars) {
    return new TestImage(tars, true, "linux", "amd64", null, "zstd", null);
  }

  public static TestImage forPlatform(List<byte[]> tars, String os, String arch, String variant) {
    return new TestImage(tars, true, os, arch, variant, true, null);
  }

  /** An image whose config lists the given diff IDs instead of the true ones. */
  public static TestImage withDiffIds(List<byte[]> tars, List<String> diffIds) {
    return new TestImage(tars, true, "linux", "amd64", null, true, diffIds);
  }

  /**
   * The standard two-layer fixture: a file whiteout, an opaque directory, a symlink and a hardlink.
   * Resulting tree: etc/hostname "jpull", etc/link -> hostname, bin/tool (0755) with hardlink bin/tool2,
   * opq/new only (opq/old hidden), gone.txt removed, data/ (0750).
   */
  public static List<byte[]> standardLayers() {
    byte[] lower = new TarBuilder()
        .dir("etc").file("etc/hostname", "lower")
        .dir("bin").file("bin/tool", 0755, "#!/bin/sh\necho tool\n")
        .dir("opq").file("opq/old", "old")
        .file("gone.txt", "bye")
        .dir("data", 0750)
        .build();
    byte[] upper = new TarBuilder()
        .file("etc/hostname", "jpull")
        .symlink("etc/link", "hostname")
        .link("bin/tool2", "bin/tool")
        .dir("opq").opaque("opq").file("opq/new", "new")
        .whiteout("gone.txt")
        .build();
    return List.of(lower, upper);
  }
}
