package dev.jpull.export;

import dev.jpull.image.VerifyingInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.Provider;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import dev.jpull.oci.Json;
import dev.jpull.image.Image;
import dev.jpull.reference.Reference;
import dev.jpull.unpack.Decompression;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code docker save} tarball as containers/image's {@code docker-archive} writer lays it out
 * ({@code docker/internal/tarfile/writer.go}), which both {@code docker load} and skopeo read: each layer
 * uncompressed as {@code <diffID-hex>.tar}, the config as {@code <hex>.json}, {@code manifest.json}, and
 * the pre-1.10 metadata ({@code <v1-id>/{VERSION,json,layer.tar}} and {@code repositories}) for old
 * loaders. Layers are decompressed as streams, twice: a tar header needs the size before the content,
 * and measuring first keeps a layer out of memory and off the disk. The diff ID is verified both times.
 */
final class DockerArchive {
  /** The attributes of the image config that the legacy top-layer {@code json} carries (as skopeo copies them). */
  private static final List<String> LEGACY_CONFIG_KEYS = List.of(
      "architecture", "config", "container", "container_config", "created", "docker_version", "os");

  private final Exporter exporter;
  private final Provider store;

  DockerArchive(Exporter exporter, Provider store) {
    this.exporter = exporter;
    this.store = store;
  }

  void write(Image image, Reference ref, TarWriter tar) throws IOException {
    Image.checkRootfs(image.config(), image.manifest(), image.configDescriptor());
    List<Digest> diffIds = image.config().diffIds();
    List<String> layerFiles = new ArrayList<>();
    Set<String> written = new HashSet<>();
    for (int i = 0; i < diffIds.size(); i++) {
      Descriptor layer = image.layers().get(i);
      Digest diffId = diffIds.get(i);
      String name = diffId.hex() + ".tar";
      layerFiles.add(name);
      if (written.add(name)) {
        writeLayer(tar, name, layer, diffId);
      }
    }
    String topId = legacyLayers(tar, image, diffIds);
    String configFile = image.configDescriptor().digest().hex() + ".json";
    OutputStream config = tar.beginFile(configFile, image.configDescriptor().size());
    exporter.copy(image.configDescriptor(), config);
    tar.closeEntry();

    ArrayNode manifest = Json.MAPPER.createArrayNode();
    ObjectNode entry = manifest.addObject();
    entry.put("Config", configFile);
    ArrayNode tags = entry.putArray("RepoTags");
    if (ref.tag() != null) {
      tags.add(ref.name() + ":" + ref.tag());
    }
    layerFiles.forEach(entry.putArray("Layers")::add);
    tar.file("manifest.json", bytes(manifest));
    if (ref.tag() != null && topId != null) {
      ObjectNode repositories = Json.MAPPER.createObjectNode();
      repositories.putObject(ref.name()).put(ref.tag(), topId);
      tar.file("repositories", bytes(repositories));
    }
    tar.finish();
  }

  /**
   * One layer as an uncompressed tar entry. A layer whose blob digest is its diff ID is already the
   * uncompressed tar and is copied as is; any other is decompressed once to measure and verify it, then
   * again into the archive.
   */
  private void writeLayer(TarWriter tar, String name, Descriptor layer, Digest diffId) throws IOException {
    if (layer.digest().equals(diffId)) {
      OutputStream out = tar.beginFile(name, layer.size());
      exporter.copy(layer, out);
      tar.closeEntry();
      return;
    }
    long size = uncompressed(layer, diffId, OutputStream.nullOutputStream());
    OutputStream out = tar.beginFile(name, size);
    long again = uncompressed(layer, diffId, out);
    if (again != size) {
      throw Exporter.corrupt(layer, "it changed while it was exported");
    }
    tar.closeEntry();
  }

  /** Decompresses a layer blob into {@code out}, returning its size; fails when it is not {@code diffId}. */
  private long uncompressed(Descriptor layer, Digest diffId, OutputStream out) throws IOException {
    byte[] buffer = new byte[Exporter.BUFFER];
    long n = 0;
    try (VerifyingInputStream blob = store.open(layer);
        VerifyingInputStream tar = VerifyingInputStream.ofDigest(Decompression.open(blob, layer), diffId,
            "layer " + layer.digest() + " (its config's diff ID)")) {
      while (true) {
        int r;
        try {
          r = tar.read(buffer);
        } catch (JpullException e) {
          throw e.kind() == Kind.VERIFICATION ? Exporter.corrupt(layer, e.getMessage()) : e;
        } catch (IOException e) {
          // The blob was verified when it was stored, so a stream that does not inflate is corruption since.
          throw Exporter.corrupt(layer, "it does not decompress: " + e.getMessage());
        }
        if (r < 0) {
          break;
        }
        out.write(buffer, 0, r);
        n += r;
      }
      try {
        blob.verifyAtEnd(); // what follows the compressed stream's end is part of the blob too
      } catch (JpullException e) {
        throw e.kind() == Kind.VERIFICATION ? Exporter.corrupt(layer, e.getMessage()) : e;
      }
    }
    return n;
  }

  /**
   * The pre-manifest.json metadata, with the v1 layer IDs that skopeo computes (a chain over the diff ID
   * hexes); {@code layer.tar} is a symlink to the layer file. Returns the top layer's ID, or null.
   */
  private String legacyLayers(TarWriter tar, Image image, List<Digest> diffIds) throws IOException {
    String parent = null;
    JsonNode config = null;
    for (int i = 0; i < diffIds.size(); i++) {
      String hex = diffIds.get(i).hex();
      String id = parent == null ? hex : LayoutContent.v1Id(parent, hex);
      ObjectNode json = Json.MAPPER.createObjectNode();
      json.put("id", id);
      if (parent != null) {
        json.put("parent", parent);
      }
      if (i == diffIds.size() - 1) {
        config = config != null ? config : readConfig(image.configDescriptor());
        for (String key : LEGACY_CONFIG_KEYS) {
          if (config.has(key)) {
            json.set(key, config.get(key));
          }
        }
      }
      tar.directory(id);
      tar.file(id + "/VERSION", "1.0".getBytes(StandardCharsets.US_ASCII));
      tar.file(id + "/json", bytes(json));
      tar.symlink(id + "/layer.tar", "../" + hex + ".tar");
      parent = id;
    }
    return parent;
  }

  private JsonNode readConfig(Descriptor config) throws IOException {
    if (config.size() > Document.MAX_SIZE) {
      throw new JpullException(Kind.VERIFICATION, "config " + config.digest() + " exceeds " + Document.MAX_SIZE + " bytes");
    }
    ByteArrayOutputStream buffer = new ByteArrayOutputStream((int) config.size());
    exporter.copy(config, buffer);
    return Json.MAPPER.readTree(Json.utf8(buffer.toByteArray()));
  }

  private static byte[] bytes(JsonNode node) {
    return node.toString().getBytes(StandardCharsets.UTF_8);
  }
}
