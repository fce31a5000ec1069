package dev.jpull.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * An OCI content descriptor: what a blob is, how large, and its digest. Sizes are validated here so that
 * no negative or absurd size ever reaches a stream bound; {@code size} is required (image-spec
 * descriptor.md), so a descriptor without one is an error rather than a blob of 0 bytes.
 */
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    List<String> urls,
    Map<String, String> annotations,
    Platform platform,
    String artifactType) {

  public static final String REF_NAME = "org.opencontainers.image.ref.name";
  public static final String CONTAINERD_NAME = "io.containerd.image.name";

  /** URLs one descriptor may list (foreign layers have one or two). */
  static final int MAX_URLS = 64;

  public Descriptor {
    if (digest == null) {
      throw new IllegalArgumentException("descriptor has no digest");
    }
    if (size < 0) {
      throw new IllegalArgumentException("descriptor " + digest + " has a negative size");
    }
    mediaType = mediaType == null ? "" : mediaType;
    urls = urls == null ? List.of() : List.copyOf(urls);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, null, null, null, null);
  }

  /** Reads a descriptor: {@code digest} and {@code size} are required. */
  public static Descriptor read(Fields f) throws FieldException {
    Digest digest = f.digest("digest");
    if (digest == null) {
      throw new FieldException(f.at("digest"), "is missing");
    }
    return new Descriptor(f.string("mediaType"), digest, f.size("size"), f.strings("urls", MAX_URLS),
        f.stringMap("annotations"), f.object("platform", Platform::read), f.string("artifactType"));
  }

  /** As the image spec writes it: empty fields left out, annotations sorted. */
  public ObjectNode toJson() {
    ObjectNode o = Fields.object();
    if (!mediaType.isEmpty()) {
      o.put("mediaType", mediaType);
    }
    o.put("digest", digest.toString());
    o.put("size", size);
    if (!urls.isEmpty()) {
      o.set("urls", Fields.array(urls));
    }
    if (!annotations.isEmpty()) {
      o.set("annotations", Fields.sorted(annotations));
    }
    if (platform != null) {
      o.set("platform", platform.toJson());
    }
    if (artifactType != null && !artifactType.isEmpty()) {
      o.put("artifactType", artifactType);
    }
    return o;
  }

  public Descriptor withMediaType(String mt) {
    return new Descriptor(mt, digest, size, urls, annotations, platform, artifactType);
  }

  public Descriptor withAnnotations(Map<String, String> a) {
    return new Descriptor(mediaType, digest, size, urls, a, platform, artifactType);
  }

  @Override
  public String toString() {
    return mediaType + " " + digest + " (" + size + " bytes)";
  }
}
