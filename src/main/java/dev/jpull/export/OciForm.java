package dev.jpull.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Docker schema 2 documents rewritten with OCI media types for an OCI layout, as skopeo does when it
 * writes one: containers/image's {@code oci:} reader skips every {@code index.json} entry whose media
 * type is not OCI, so a Docker manifest there is invisible to it. Only media types change (and child
 * digests in an index); configs and layers stay byte for byte, so the config digest and diff IDs are
 * those of the pulled image, while the manifest digest is necessarily new.
 */
final class OciForm {
  private OciForm() {}

  /** The OCI form of a Docker manifest, or null when {@code doc} is already OCI. */
  static byte[] manifest(Document doc) throws IOException {
    if (!MediaTypes.DOCKER_MANIFEST.equals(doc.mediaType())) {
      return null;
    }
    ObjectNode m = tree(doc);
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("schemaVersion", 2);
    out.put("mediaType", MediaTypes.OCI_MANIFEST);
    ObjectNode config = ((ObjectNode) m.get("config")).deepCopy();
    if (MediaTypes.DOCKER_CONFIG.equals(config.path("mediaType").asText())) {
      config.put("mediaType", MediaTypes.OCI_CONFIG);
    }
    out.set("config", config);
    ArrayNode layers = out.putArray("layers");
    for (JsonNode l : m.path("layers")) {
      ObjectNode layer = ((ObjectNode) l).deepCopy();
      layer.put("mediaType", layerType(layer.path("mediaType").asText()));
      layers.add(layer);
    }
    copyIfPresent(m, out, "annotations");
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The OCI form of an index whose own type is Docker's or whose children were rewritten ({@code replaced}
   * maps an old child digest to its new descriptor); null when neither applies.
   */
  static byte[] index(Document doc, Map<Digest, Descriptor> replaced) throws IOException {
    if (!MediaTypes.DOCKER_LIST.equals(doc.mediaType()) && replaced.isEmpty()) {
      return null;
    }
    ObjectNode index = tree(doc);
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("schemaVersion", 2);
    out.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode manifests = out.putArray("manifests");
    for (JsonNode c : index.path("manifests")) {
      ObjectNode child = ((ObjectNode) c).deepCopy();
      Descriptor now = replaced.get(Digest.parse(child.path("digest").asText()));
      if (now != null) {
        child.put("mediaType", now.mediaType()).put("digest", now.digest().toString()).put("size", now.size());
      } else if (MediaTypes.DOCKER_LIST.equals(child.path("mediaType").asText())) {
        child.put("mediaType", MediaTypes.OCI_INDEX);
      }
      manifests.add(child);
    }
    copyIfPresent(index, out, "annotations");
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  static String layerType(String docker) {
    return switch (docker) {
      case MediaTypes.DOCKER_LAYER -> MediaTypes.OCI_LAYER;
      case MediaTypes.DOCKER_LAYER_GZIP -> MediaTypes.OCI_LAYER_GZIP;
      case MediaTypes.DOCKER_LAYER_ZSTD -> MediaTypes.OCI_LAYER_ZSTD;
      case MediaTypes.DOCKER_FOREIGN_LAYER_GZIP -> MediaTypes.OCI_LAYER_ND_GZIP;
      default -> docker;
    };
  }

  private static ObjectNode tree(Document doc) throws IOException {
    JsonNode n = Json.MAPPER.readTree(Json.utf8(doc.bytes()));
    if (!(n instanceof ObjectNode o)) {
      throw new JpullException(Kind.VERIFICATION, "manifest " + doc.descriptor().digest() + " is not a JSON object");
    }
    return o;
  }

  private static void copyIfPresent(ObjectNode from, ObjectNode to, String field) {
    if (from.has(field)) {
      to.set(field, from.get(field).deepCopy());
    }
  }
}
