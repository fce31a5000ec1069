package dev.jpull.image;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.ImageIndex;
import dev.jpull.oci.MediaTypes;
import dev.jpull.oci.Platform;
import dev.jpull.oci.PlatformMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one platform choice of jpull (containerd's {@code FilterPlatforms} + {@code LimitManifests}, with the
 * matcher rules of {@link PlatformMatcher}): pull, unpack, export, inspect, images and lock all pick an
 * index's manifest here, so they agree on which one a reference means.
 */
public final class Platforms {
  /** buildx/BuildKit mark attestation manifests in an index with this annotation. */
  static final String REFERENCE_TYPE = "vnd.docker.reference.type";

  private Platforms() {}

  /**
   * The entries of an index that are images jpull can pull: known media types, no attestations, no
   * {@code unknown/unknown} platform.
   */
  public static List<Descriptor> images(ImageIndex index) {
    List<Descriptor> out = new ArrayList<>();
    for (Descriptor c : index.manifests()) {
      boolean known = MediaTypes.isIndex(c.mediaType()) || MediaTypes.isManifest(c.mediaType());
      boolean attestation = c.annotations().containsKey(REFERENCE_TYPE);
      boolean unknownPlatform = c.platform() != null && "unknown".equals(c.platform().os())
          && "unknown".equals(c.platform().architecture());
      if (known && !attestation && !unknownPlatform) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * The best {@code limit} of {@code candidates} for {@code matcher}, best first. None is {@code NOT_FOUND}
   * naming the platforms there are.
   */
  public static List<Descriptor> pick(List<Descriptor> candidates, PlatformMatcher matcher, int limit, String subject)
      throws JpullException {
    List<Descriptor> matching = candidates.stream()
        .filter(c -> c.platform() != null && matcher.matches(c.platform()))
        .sorted(Comparator.comparingInt(c -> matcher.rank(c.platform())))
        .limit(limit)
        .collect(Collectors.toList());
    if (matching.isEmpty()) {
      String available = candidates.stream()
          .map(c -> c.platform() == null ? "(no platform)" : c.platform().normalized().toString())
          .distinct()
          .map(Quoted::of)
          .collect(Collectors.joining(", "));
      throw new JpullException(Kind.NOT_FOUND, subject + ": no manifest for platform " + matcher.wanted()
          + "; the image has: " + (available.isEmpty() ? "none" : available),
          "choose one of them with --platform", null);
    }
    return matching;
  }

  /** The one manifest of {@code index} that {@code matcher} picks. */
  public static Descriptor pick(ImageIndex index, PlatformMatcher matcher, String subject) throws JpullException {
    return pick(images(index), matcher, 1, subject).get(0);
  }

  /** Whether {@code platform} (a manifest's, or its config's) is one {@code matcher} accepts. */
  public static boolean accepts(PlatformMatcher matcher, Platform platform) {
    return platform != null && matcher.matches(platform);
  }

  /** The platforms an index offers, normalised, for messages and {@code inspect}. */
  public static List<Platform> offered(ImageIndex index) {
    List<Platform> out = new ArrayList<>();
    for (Descriptor c : images(index)) {
      if (c.platform() != null) {
        out.add(c.platform().normalized());
      }
    }
    return out;
  }
}
