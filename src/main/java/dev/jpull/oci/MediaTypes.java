package dev.jpull.oci;

import java.util.List;
import java.util.Locale;

/** The media types jpull understands, and how to classify one. */
public final class MediaTypes {
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  public static final String OCI_LAYER_ND = "application/vnd.oci.image.layer.nondistributable.v1.tar";
  public static final String OCI_LAYER_ND_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
  public static final String OCI_LAYER_ND_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
  public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";

  public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
  public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
  public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_LAYER_ZSTD = "application/vnd.docker.image.rootfs.diff.tar.zstd";
  public static final String DOCKER_FOREIGN_LAYER_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

  /** The manifest Accept list, most preferred first; schema 1 is deliberately absent. */
  public static final List<String> MANIFEST_ACCEPT = List.of(OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST);

  /** How a layer's bytes are compressed, as its media type says. */
  public enum Compression { NONE, GZIP, ZSTD }

  private MediaTypes() {}

  /** Strips parameters ({@code ; charset=utf-8}) and case, as distribution-spec tells clients to. */
  public static String normalize(String contentType) {
    if (contentType == null) {
      return "";
    }
    int semi = contentType.indexOf(';');
    return (semi >= 0 ? contentType.substring(0, semi) : contentType).trim().toLowerCase(Locale.ROOT);
  }

  public static boolean isIndex(String mt) {
    return OCI_INDEX.equals(mt) || DOCKER_LIST.equals(mt);
  }

  public static boolean isManifest(String mt) {
    return OCI_MANIFEST.equals(mt) || DOCKER_MANIFEST.equals(mt);
  }

  public static boolean isSchema1(String mt) {
    return DOCKER_SCHEMA1.equals(mt) || DOCKER_SCHEMA1_SIGNED.equals(mt);
  }

  public static boolean isConfig(String mt) {
    return OCI_CONFIG.equals(mt) || DOCKER_CONFIG.equals(mt);
  }

  public static boolean isLayer(String mt) {
    return layerCompression(mt) != null;
  }

  /** Non-distributable ("foreign") layers may carry {@code urls} to fetch from. */
  public static boolean isForeignLayer(String mt) {
    return DOCKER_FOREIGN_LAYER_GZIP.equals(mt) || (mt != null && mt.contains(".nondistributable."));
  }

  /** The compression a layer media type declares, or null when it is not a layer type jpull can apply. */
  public static Compression layerCompression(String mt) {
    if (mt == null) {
      return null;
    }
    return switch (mt) {
      case OCI_LAYER, OCI_LAYER_ND, DOCKER_LAYER -> Compression.NONE;
      case OCI_LAYER_GZIP, OCI_LAYER_ND_GZIP, DOCKER_LAYER_GZIP, DOCKER_FOREIGN_LAYER_GZIP -> Compression.GZIP;
      case OCI_LAYER_ZSTD, OCI_LAYER_ND_ZSTD, DOCKER_LAYER_ZSTD -> Compression.ZSTD;
      default -> null;
    };
  }
}
