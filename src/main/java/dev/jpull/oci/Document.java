package dev.jpull.oci;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import java.nio.charset.CharacterCodingException;
import java.util.Objects;

/**
 * A manifest or index exactly as served: the raw bytes (the truth, hashed and stored as received),
 * their media type, and the parsed form. {@link #parse} is the single place where the document rules
 * are enforced, so every path that reads a manifest (registry, store, export) agrees on them.
 */
public final class Document {
  /** Manifests and configs larger than this are refused before they are read whole. */
  public static final int MAX_SIZE = 4 * 1024 * 1024;

  /**
   * Layers one manifest may list. docker refuses more than 125 (moby layer store {@code maxLayerDepth}) and
   * overlay2 stacks 128 lower directories; containerd and skopeo set no count and rely on the 4 MiB
   * manifest cap, which fits ~25,000 descriptors. Twice docker's limit keeps every image docker runs and
   * refuses a manifest that repeats one layer 40,000 times (one download, 40,000 apply passes).
   */
  public static final int MAX_LAYERS = 256;

  /**
   * Entries one index may list. Multi-platform indexes with attestations have tens; 1,024 leaves room for
   * unusual ones while bounding what {@code --all-platforms} would fetch.
   */
  public static final int MAX_MANIFESTS = 1024;

  /**
   * A media type as the image spec's JSON schema has it (defs-descriptor.json, RFC 6838 names): type and
   * subtype of restricted characters, 127 at most each, no parameters.
   */
  private static final java.util.regex.Pattern MEDIA_TYPE = java.util.regex.Pattern.compile(
      "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}");

  private final byte[] bytes;
  private final Descriptor descriptor;
  private final ImageIndex index;
  private final ImageManifest manifest;

  private Document(byte[] bytes, Descriptor descriptor, ImageIndex index, ImageManifest manifest) {
    this.bytes = bytes;
    this.descriptor = descriptor;
    this.index = index;
    this.manifest = manifest;
  }

  /**
   * Parses and validates a document.
   *
   * @param bytes the bytes received, already verified against {@code expected}'s digest and size
   * @param contentType the {@code Content-Type} served with them, or null when read from a store
   * @param expected the descriptor that referred to the document (its media type may be empty)
   */
  public static Document parse(byte[] bytes, String contentType, Descriptor expected) throws JpullException {
    Objects.requireNonNull(expected, "expected");
    String what = "manifest " + expected.digest();
    if (bytes.length > MAX_SIZE) {
      throw new JpullException(Kind.VERIFICATION, what + " exceeds " + MAX_SIZE + " bytes");
    }
    JsonNode tree;
    try {
      tree = Json.MAPPER.readTree(Json.utf8(bytes));
    } catch (CharacterCodingException e) {
      throw new JpullException(Kind.VERIFICATION, what + " is not valid UTF-8 JSON", e);
    } catch (JacksonException e) {
      throw new JpullException(Kind.VERIFICATION, what + " is malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new JpullException(Kind.VERIFICATION, what + " is not a JSON object");
    }
    String served = MediaTypes.normalize(contentType);
    JsonNode mt = tree.get("mediaType");
    if (mt != null && !mt.isNull() && !mt.isTextual()) {
      throw new JpullException(Kind.VERIFICATION, what + " field mediaType is not a string");
    }
    String declared = mt != null && mt.isTextual() ? mt.asText() : "";
    JsonNode sv = tree.get("schemaVersion");
    if ((sv != null && sv.isIntegralNumber() && sv.asLong() == 1) || tree.has("fsLayers") || MediaTypes.isSchema1(served)
        || MediaTypes.isSchema1(declared) || MediaTypes.isSchema1(expected.mediaType())) {
      throw new JpullException(Kind.UNSUPPORTED,
          what + " is a Docker schema 1 manifest, which is no longer supported",
          "push the image again with a current docker, buildah or skopeo (schema 2 or OCI), "
              + "e.g. skopeo copy --format v2s2",
          null);
    }
    boolean hasManifests = tree.has("manifests");
    boolean hasImageParts = tree.has("config") || tree.has("layers");
    if (hasManifests && hasImageParts) {
      // CVE-2021-41190: a document readable as both kinds is read differently by different tools.
      throw new JpullException(Kind.VERIFICATION, what + " is an ambiguous manifest/index document "
          + "(it has both \"manifests\" and \"config\"/\"layers\")");
    }
    if (sv == null || !sv.isIntegralNumber() || sv.asLong() != 2) {
      throw new JpullException(Kind.VERIFICATION, what + " has schemaVersion " + (sv == null ? "missing" : Quoted.of(sv.asText()))
          + ", want 2");
    }
    String mediaType = declared;
    if (!declared.isEmpty() && isDocumentType(served) && !declared.equals(served)) {
      throw new JpullException(Kind.VERIFICATION, what + " declares mediaType " + Quoted.of(declared)
          + " but was served as " + Quoted.of(served));
    }
    if (mediaType.isEmpty()) {
      mediaType = isDocumentType(served) ? served
          : isDocumentType(expected.mediaType()) ? expected.mediaType()
          : hasManifests ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
    }
    String referred = expected.mediaType();
    if (isDocumentType(referred) && !referred.equals(mediaType)
        && MediaTypes.isIndex(referred) != MediaTypes.isIndex(mediaType)) {
      throw new JpullException(Kind.VERIFICATION, what + " is " + Quoted.of(mediaType)
          + " but its descriptor says " + Quoted.of(referred));
    }
    if ((MediaTypes.isIndex(mediaType) && hasImageParts) || (MediaTypes.isManifest(mediaType) && hasManifests)) {
      throw new JpullException(Kind.VERIFICATION, what + " has the fields of another document kind than its "
          + "media type " + Quoted.of(mediaType));
    }
    checkShape(tree, what, MediaTypes.isIndex(mediaType));
    Descriptor self = expected.withMediaType(mediaType);
    try {
      if (MediaTypes.isIndex(mediaType)) {
        return new Document(bytes.clone(), self, ImageIndex.read(Fields.of(tree)), null);
      }
      if (MediaTypes.isManifest(mediaType)) {
        ImageManifest m = ImageManifest.read(Fields.of(tree));
        if (m.config() == null) {
          throw new JpullException(Kind.VERIFICATION, what + " has no config descriptor");
        }
        return new Document(bytes.clone(), self, null, m);
      }
    } catch (FieldException e) {
      throw new JpullException(Kind.VERIFICATION, what + " " + e.getMessage(), e);
    }
    throw new JpullException(Kind.UNSUPPORTED, what + " has unsupported media type " + Quoted.of(mediaType));
  }

  /**
   * What binding ({@link Fields}) does not check, on the tree before it: the media types are well-formed
   * and the counts are bounded (before thousands of descriptors are bound). Digests and sizes are checked
   * while binding: a well-formed digest and an integer size in range (Go clients reject {@code 1.5},
   * {@code 1e3} and {@code "123"}).
   */
  private static void checkShape(JsonNode tree, String what, boolean index) throws JpullException {
    JsonNode mt = tree.get("mediaType");
    if (mt != null && mt.isTextual()) {
      checkMediaType(mt.asText(), what, "mediaType");
    }
    if (index) {
      JsonNode manifests = tree.get("manifests");
      if (manifests != null && !manifests.isNull()) {
        checkList(manifests, what, "manifests", MAX_MANIFESTS);
      }
    } else {
      JsonNode config = tree.get("config");
      if (config != null && !config.isNull()) {
        checkDescriptor(config, what, "config");
      }
      JsonNode layers = tree.get("layers");
      if (layers != null && !layers.isNull()) {
        checkList(layers, what, "layers", MAX_LAYERS);
      }
    }
    JsonNode subject = tree.get("subject");
    if (subject != null && !subject.isNull()) {
      checkDescriptor(subject, what, "subject");
    }
  }

  private static void checkList(JsonNode list, String what, String field, int max) throws JpullException {
    if (!list.isArray()) {
      throw new JpullException(Kind.VERIFICATION, what + " field " + field + " is not an array");
    }
    if (list.size() > max) {
      throw new JpullException(Kind.VERIFICATION, what + " lists " + list.size() + " " + field
          + "; at most " + max + " are accepted");
    }
    for (int i = 0; i < list.size(); i++) {
      checkDescriptor(list.get(i), what, field + "[" + i + "]");
    }
  }

  private static void checkDescriptor(JsonNode d, String what, String at) throws JpullException {
    if (!d.isObject()) {
      throw new JpullException(Kind.VERIFICATION, what + " field " + at + " is not a descriptor object");
    }
    JsonNode mt = d.get("mediaType");
    if (mt != null && !mt.isNull()) {
      if (!mt.isTextual()) {
        throw new JpullException(Kind.VERIFICATION, what + " field " + at + ".mediaType is not a string");
      }
      checkMediaType(mt.asText(), what, at + ".mediaType");
    }
    // digest and size: Descriptor.read, while binding, with the same messages
  }

  private static void checkMediaType(String mt, String what, String at) throws JpullException {
    if (!MEDIA_TYPE.matcher(mt).matches()) {
      throw new JpullException(Kind.VERIFICATION, what + " field " + at + " " + Quoted.of(mt)
          + " is not a media type (type/subtype)");
    }
  }

  private static boolean isDocumentType(String mt) {
    return MediaTypes.isIndex(mt) || MediaTypes.isManifest(mt);
  }

  /** The descriptor of this document, with its actual media type. */
  public Descriptor descriptor() {
    return descriptor;
  }

  public String mediaType() {
    return descriptor.mediaType();
  }

  public boolean isIndex() {
    return index != null;
  }

  /** The index; only when {@link #isIndex()}. */
  public ImageIndex index() {
    if (index == null) {
      throw new IllegalStateException(descriptor.digest() + " is not an index");
    }
    return index;
  }

  /** The manifest; only when not {@link #isIndex()}. */
  public ImageManifest manifest() {
    if (manifest == null) {
      throw new IllegalStateException(descriptor.digest() + " is not a manifest");
    }
    return manifest;
  }

  /** A copy of the bytes exactly as served. */
  public byte[] bytes() {
    return bytes.clone();
  }

  public int size() {
    return bytes.length;
  }
}
