package dev.jpull.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.Quoted;
import java.util.List;
import java.util.Locale;

/**
 * An image platform as in the OCI index ({@code os/architecture[/variant]}). {@link #normalized()} applies
 * containerd's normalisation: {@code x86_64→amd64}, {@code aarch64→arm64}, {@code armhf→arm/v7},
 * {@code arm64/v8 → arm64} variant-less form is kept as "v8", arm without variant is "v7".
 */
public record Platform(
    String os,
    String architecture,
    String variant,
    String osVersion,
    List<String> osFeatures) {

  public Platform {
    os = os == null ? "" : os;
    architecture = architecture == null ? "" : architecture;
    variant = variant == null ? "" : variant;
    osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
  }

  /** Reads an index entry's or a descriptor's {@code platform}. */
  static Platform read(Fields f) throws FieldException {
    return new Platform(f.string("os"), f.string("architecture"), f.string("variant"), f.string("os.version"),
        f.strings("os.features", 64));
  }

  /** As the image spec writes it, empty fields left out. */
  ObjectNode toJson() {
    ObjectNode o = Fields.object();
    if (!os.isEmpty()) {
      o.put("os", os);
    }
    if (!architecture.isEmpty()) {
      o.put("architecture", architecture);
    }
    if (!variant.isEmpty()) {
      o.put("variant", variant);
    }
    if (osVersion != null && !osVersion.isEmpty()) {
      o.put("os.version", osVersion);
    }
    if (!osFeatures.isEmpty()) {
      o.set("os.features", Fields.array(osFeatures));
    }
    return o;
  }

  public static Platform of(String os, String architecture, String variant) {
    return new Platform(os, architecture, variant, null, null);
  }

  /**
   * Parses {@code os/arch[/variant]} or a bare {@code arch} (meaning linux). Throws
   * {@link IllegalArgumentException} for anything else.
   */
  public static Platform parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("empty platform");
    }
    String[] parts = spec.trim().toLowerCase(Locale.ROOT).split("/", -1);
    for (String p : parts) {
      if (p.isEmpty() || !p.matches("[a-z0-9][a-z0-9_.-]*")) {
        throw new IllegalArgumentException("invalid platform " + Quoted.of(spec) + ": want os/arch[/variant]");
      }
    }
    return switch (parts.length) {
      case 1 -> of("linux", parts[0], null).normalized();
      case 2 -> of(parts[0], parts[1], null).normalized();
      case 3 -> of(parts[0], parts[1], parts[2]).normalized();
      default -> throw new IllegalArgumentException(
          "invalid platform " + Quoted.of(spec) + ": want os/arch[/variant]");
    };
  }

  /** The host's platform, including the CPU variant where one applies. */
  public static Platform host() {
    String arch = System.getProperty("os.arch", "");
    String os = System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT);
    String goos = os.startsWith("mac") || os.startsWith("darwin") ? "darwin" : os.startsWith("windows") ? "windows" : "linux";
    return of(goos, arch, null).normalized();
  }

  /** containerd's {@code platforms.Normalize}. */
  public Platform normalized() {
    String o = os.toLowerCase(Locale.ROOT);
    if (o.equals("macos")) {
      o = "darwin";
    }
    String a = architecture.toLowerCase(Locale.ROOT);
    String v = variant.toLowerCase(Locale.ROOT);
    switch (a) {
      case "i386", "x86", "i686" -> { a = "386"; v = ""; }
      case "x86_64", "x86-64", "amd64" -> {
        a = "amd64";
        if (v.equals("v1")) {
          v = "";
        }
      }
      case "aarch64", "arm64" -> {
        a = "arm64";
        if (v.isEmpty() || v.equals("8") || v.equals("v8.0")) {
          v = "v8";
        }
      }
      case "armhf" -> { a = "arm"; v = "v7"; }
      case "armel" -> { a = "arm"; v = "v6"; }
      case "arm" -> {
        v = switch (v) {
          case "", "7" -> "v7";
          case "5", "6", "8" -> "v" + v;
          default -> v;
        };
      }
      default -> { }
    }
    return new Platform(o, a, v, osVersion, osFeatures);
  }

  /** {@code os/arch[/variant]} as the contract prints it; arm64's implied v8 is kept explicit. */
  @Override
  public String toString() {
    return variant.isEmpty() ? os + "/" + architecture : os + "/" + architecture + "/" + variant;
  }
}
