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
    String declared = tree.hasNonNull("mediaType") ? tree.get("mediaType").asText() : "";
    JsonNode sv = tree.get("schemaVersion");
    if ((sv != null && sv.asInt() == 1) || tree.has("fsLayers") || MediaTypes.isSchema1(served)
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
    if (sv == null || !sv.canConvertToInt() || sv.asInt() != 2) {
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
    Descriptor self = expected.withMediaType(mediaType);
    try {
      if (MediaTypes.isIndex(mediaType)) {
        ImageIndex index = Json.MAPPER.treeToValue(tree, ImageIndex.class);
        return new Document(bytes.clone(), self, index, null);
      }
      if (MediaTypes.isManifest(mediaType)) {
        ImageManifest m = Json.MAPPER.treeToValue(tree, ImageManifest.class);
        if (m.config() == null) {
          throw new JpullException(Kind.VERIFICATION, what + " has no config descriptor");
        }
        return new Document(bytes.clone(), self, null, m);
      }
    } catch (JacksonException e) {
      throw new JpullException(Kind.VERIFICATION, what + " is malformed: " + rootMessage(e), e);
    }
    throw new JpullException(Kind.UNSUPPORTED, what + " has unsupported media type " + Quoted.of(mediaType));
  }

  private static String rootMessage(JacksonException e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t instanceof JacksonException j ? j.getOriginalMessage() : String.valueOf(t.getMessage());
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
