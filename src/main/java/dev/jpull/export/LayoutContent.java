package dev.jpull.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.Provider;
import dev.jpull.dispatch.Handlers;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import dev.jpull.pull.StoredImage;
import dev.jpull.reference.Reference;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What an OCI image layout export holds: the one descriptor that {@code index.json} names (a platform's
 * manifest, or the whole index) and every blob under it, each once, documents first.
 *
 * @param top the descriptor for {@code index.json}, with its annotations
 * @param blobs every blob to copy, {@code top} included
 */
public record LayoutContent(Descriptor top, List<Descriptor> blobs) {
  /** Deeper nesting than a pull accepts cannot be in the store; this only bounds a hostile store. */
  private static final int MAX_DEPTH = 8;

  public LayoutContent {
    blobs = List.copyOf(blobs);
  }

  /**
   * The annotations a layout names an image by: {@code org.opencontainers.image.ref.name} is the tag (what
   * {@code skopeo oci:DIR:TAG} and BuildKit's OCI exporter use), {@code io.containerd.image.name} the
   * canonical reference (what {@code ctr images import} names the image after). A reference by digest only
   * has no tag, so no ref.name.
   */
  public static Map<String, String> annotations(Reference ref) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put(Descriptor.CONTAINERD_NAME, ref.withoutDigest().toString());
    if (ref.tag() != null) {
      a.put(Descriptor.REF_NAME, ref.tag());
    }
    return a;
  }

  /** One platform's image: its manifest (with the platform the index gave it), config and layers. */
  public static LayoutContent of(StoredImage image, Map<String, String> annotations) {
    List<Descriptor> blobs = new ArrayList<>();
    blobs.add(image.manifestDescriptor());
    blobs.add(image.configDescriptor());
    blobs.addAll(image.layers());
    Descriptor top = image.manifestDescriptor().withAnnotations(annotations);
    return new LayoutContent(top, distinct(blobs));
  }

  /**
   * Everything under {@code root}: the index exactly as stored (so the layout keeps the resolved digest) and
   * every image it lists. Empty when the store lacks a blob of one of them. Entries jpull never pulls
   * (attestations, {@code unknown/unknown} platforms) are left out, as in the store.
   */
  public static Optional<LayoutContent> allPlatforms(Provider store, Descriptor root, Map<String, String> annotations)
      throws IOException {
    List<Descriptor> blobs = new ArrayList<>();
    if (!walk(store, root, 0, blobs)) {
      return Optional.empty();
    }
    return Optional.of(new LayoutContent(root.withAnnotations(annotations), distinct(blobs)));
  }

  private static boolean walk(Provider store, Descriptor d, int depth, List<Descriptor> out) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new JpullException(Kind.VERIFICATION, "manifest " + d.digest() + ": index nesting too deep");
    }
    if (!store.contains(d.digest())) {
      return false;
    }
    out.add(d);
    if (!MediaTypes.isIndex(d.mediaType()) && !MediaTypes.isManifest(d.mediaType())) {
      return true;
    }
    List<Descriptor> children;
    try {
      children = Handlers.children(store).handle(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JpullException(Kind.CANCELLED, "interrupted", e);
    }
    for (Descriptor child : children) {
      if (!walk(store, child, depth + 1, out)) {
        return false;
      }
    }
    return true;
  }

  private static List<Descriptor> distinct(List<Descriptor> blobs) {
    Set<Digest> seen = new LinkedHashSet<>();
    List<Descriptor> out = new ArrayList<>();
    for (Descriptor d : blobs) {
      if (seen.add(d.digest())) {
        out.add(d);
      }
    }
    return out;
  }

  /** {@code index.json}: an OCI index naming {@link #top}, keys in a fixed order so exports are reproducible. */
  byte[] indexJson() throws JpullException {
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    index.put("manifests", List.of(top));
    try {
      return Json.MAPPER.writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).writeValueAsString(index)
          .getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new JpullException(Kind.LOCAL_IO, "write index.json", e);
    }
  }

  static byte[] ociLayoutFile() {
    return "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.US_ASCII);
  }
}
