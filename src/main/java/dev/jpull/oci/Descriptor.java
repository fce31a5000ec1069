package dev.jpull.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * An OCI content descriptor: what a blob is, how large, and its digest. Sizes are validated here so that
 * no negative or absurd size ever reaches a stream bound; {@code size} is required (image-spec
 * descriptor.md), so a descriptor without one is an error rather than a blob of 0 bytes.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Descriptor(
    @JsonProperty("mediaType") String mediaType,
    @JsonProperty("digest") Digest digest,
    @JsonProperty(value = "size", required = true) long size,
    @JsonProperty("urls") List<String> urls,
    @JsonProperty("annotations") Map<String, String> annotations,
    @JsonProperty("platform") Platform platform,
    @JsonProperty("artifactType") String artifactType) {

  public static final String REF_NAME = "org.opencontainers.image.ref.name";
  public static final String CONTAINERD_NAME = "io.containerd.image.name";

  @JsonCreator
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
