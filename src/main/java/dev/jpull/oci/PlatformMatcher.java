package dev.jpull.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Matches index entries against a wanted platform with containerd's {@code platforms.Only} semantics: the
 * platform itself first, then what it can also run — amd64/vN → lower amd64 variants → 386; arm/vN → arm
 * down to v5; arm64 → arm/v8 and its fallbacks. {@link #rank} orders candidates, best first.
 */
public final class PlatformMatcher {
  private final Platform wanted;
  private final List<Platform> vector;

  private PlatformMatcher(Platform wanted) {
    this.wanted = wanted.normalized();
    this.vector = List.copyOf(vector(this.wanted));
  }

  public static PlatformMatcher only(Platform wanted) {
    return new PlatformMatcher(wanted);
  }

  public Platform wanted() {
    return wanted;
  }

  /** Whether a descriptor's platform can run here. */
  public boolean matches(Platform candidate) {
    return rank(candidate) >= 0;
  }

  /** 0 for an exact match, higher for fallbacks, -1 for no match. */
  public int rank(Platform candidate) {
    if (candidate == null) {
      return -1;
    }
    Platform c = candidate.normalized();
    for (int i = 0; i < vector.size(); i++) {
      Platform v = vector.get(i);
      if (v.os().equals(c.os()) && v.architecture().equals(c.architecture()) && v.variant().equals(c.variant())) {
        return i;
      }
    }
    return -1;
  }

  private static List<Platform> vector(Platform p) {
    List<Platform> out = new ArrayList<>();
    out.add(p);
    switch (p.architecture()) {
      case "amd64" -> {
        int v = version(p.variant());
        for (int i = v - 1; i >= 1; i--) {
          out.add(Platform.of(p.os(), "amd64", i == 1 ? "" : "v" + i));
        }
        out.add(Platform.of(p.os(), "386", ""));
      }
      case "arm" -> {
        for (int i = version(p.variant()) - 1; i >= 5; i--) {
          out.add(Platform.of(p.os(), "arm", "v" + i));
        }
      }
      case "arm64" -> out.addAll(vector(Platform.of(p.os(), "arm", p.variant().isEmpty() ? "v8" : p.variant())));
      default -> { }
    }
    return out;
  }

  private static int version(String variant) {
    try {
      return variant.startsWith("v") ? Integer.parseInt(variant.substring(1)) : 1;
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  /**
   * The host's platform including the CPU variant: for 32-bit arm, read from {@code /proc/cpuinfo}'s
   * "CPU architecture" as containerd does; arm64 is v8.
   */
  public static Platform host() {
    Platform p = Platform.host();
    if (p.architecture().equals("arm")) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
          String l = line.toLowerCase(Locale.ROOT);
          if (l.startsWith("cpu architecture")) {
            String v = l.substring(l.indexOf(':') + 1).trim();
            return Platform.of(p.os(), "arm", v.startsWith("8") ? "v8" : v.startsWith("6") ? "v6" : v.startsWith("5") ? "v5" : "v7");
          }
        }
      } catch (IOException | RuntimeException e) {
        // No cpuinfo (containers, other OSes): arm without a variant means v7.
      }
    }
    return p;
  }
}
