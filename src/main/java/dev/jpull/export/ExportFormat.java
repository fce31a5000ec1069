package dev.jpull.export;

import java.util.Arrays;
import java.util.List;

/** The forms an image can be exported in, named as skopeo's transports are. */
public enum ExportFormat {
  /** An OCI image layout directory. */
  OCI("oci"),
  /** An OCI image layout as a tar. */
  OCI_ARCHIVE("oci-archive"),
  /** The tarball {@code docker save} writes and {@code docker load} reads. */
  DOCKER_ARCHIVE("docker-archive");

  private final String wire;

  ExportFormat(String wire) {
    this.wire = wire;
  }

  /** The name on the command line. */
  public String wire() {
    return wire;
  }

  /** Whether the result is one tar stream (which may go to stdout). */
  public boolean archive() {
    return this != OCI;
  }

  public static ExportFormat parse(String s) {
    for (ExportFormat f : values()) {
      if (f.wire.equals(s)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown format '" + s + "'; use one of " + String.join(", ", names()));
  }

  public static List<String> names() {
    return Arrays.stream(values()).map(ExportFormat::wire).toList();
  }

  @Override
  public String toString() {
    return wire;
  }
}
