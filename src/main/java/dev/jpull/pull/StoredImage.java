package dev.jpull.pull;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.Provider;
import dev.jpull.dispatch.Handlers;
import dev.jpull.oci.ChainId;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import dev.jpull.oci.ImageConfig;
import dev.jpull.oci.ImageManifest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.oci.Platform;
import dev.jpull.oci.PlatformMatcher;
import java.io.IOException;
import java.io.InputStream;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One platform's image as held in the store: the root the reference names (index or manifest), the
 * chosen manifest and its config. Read offline from verified blobs only.
 */
public record StoredImage(Descriptor root, Descriptor manifestDescriptor, ImageManifest manifest,
    Descriptor configDescriptor, ImageConfig config) {

  /** The maximum depth of indexes inside indexes that jpull follows. */
  static final int MAX_INDEX_DEPTH = 4;

  public Platform platform() {
    return config.platform();
  }

  public List<Descriptor> layers() {
    return manifest.layers();
  }

  /** The chain ID naming the applied layer stack, or null for an image without layers. */
  public Digest chainId() {
    List<Digest> ids = config.diffIds();
    return ids.isEmpty() ? null : ChainId.of(ids);
  }

  /** Total bytes of the blobs of this image (root, manifest, config and layers). */
  public long size() {
    long n = root.size() + configDescriptor.size();
    if (!manifestDescriptor.digest().equals(root.digest())) {
      n += manifestDescriptor.size();
    }
    for (Descriptor l : manifest.layers()) {
      n += l.size();
    }
    return n;
  }

  /** Whether every layer blob is in the store. */
  public boolean layersPresent(Provider store) {
    return manifest.layers().stream().allMatch(l -> store.contains(l));
  }

  /**
   * Finds the image for {@code matcher} under {@code root} in the store; empty when a document on the way
   * is missing. {@code NOT_FOUND} when the stored index has no such platform.
   */
  public static Optional<StoredImage> find(Provider store, Descriptor root, PlatformMatcher matcher, String subject)
      throws IOException {
    Descriptor d = root;
    for (int depth = 0; depth <= MAX_INDEX_DEPTH; depth++) {
      if (!store.contains(d)) {
        return Optional.empty();
      }
      Document doc = Handlers.read(store, d);
      if (!doc.isIndex()) {
        ImageManifest m = doc.manifest();
        if (!store.contains(m.config())) {
          return Optional.empty();
        }
        return Optional.of(new StoredImage(root, doc.descriptor(), m, m.config(), readConfig(store, m.config())));
      }
      List<Descriptor> children = Handlers.imageManifests(doc.index());
      Optional<Descriptor> best = children.stream()
          .filter(c -> c.platform() != null && matcher.matches(c.platform()))
          .min(Comparator.comparingInt(c -> matcher.rank(c.platform())));
      if (best.isEmpty()) {
        throw new JpullException(Kind.NOT_FOUND, subject + ": no manifest for platform " + matcher.wanted()
            + " in the stored index", "pull it with --platform " + matcher.wanted(), null);
      }
      d = best.get();
    }
    throw new JpullException(Kind.VERIFICATION, subject + ": index nesting too deep (more than "
        + MAX_INDEX_DEPTH + " levels)");
  }

  /**
   * Checks what a manifest declares about its config before a byte of it is requested: a media type that is
   * not a container config, or a size over the limit (or none at all), gets no request.
   */
  public static void checkConfigDescriptor(Descriptor config) throws JpullException {
    if (config.size() > Document.MAX_SIZE || config.size() <= 0) {
      throw new JpullException(Kind.VERIFICATION, "config " + config.digest() + " is declared as " + config.size()
          + " bytes; a config is 1 to " + Document.MAX_SIZE + " bytes");
    }
    if (!MediaTypes.isConfig(config.mediaType())) {
      throw new JpullException(Kind.UNSUPPORTED, "config " + config.digest() + " has media type "
          + dev.jpull.Quoted.of(config.mediaType()) + ", which is not a container image config");
    }
  }

  /** Reads and validates a stored config (bounded, strict JSON, rootfs shape checked by the caller). */
  public static ImageConfig readConfig(Provider store, Descriptor config) throws IOException {
    checkConfigDescriptor(config);
    byte[] bytes;
    try (InputStream in = store.open(config.digest())) {
      bytes = in.readNBytes(Document.MAX_SIZE + 1);
    }
    return ImageConfig.parse(bytes, config);
  }

  /**
   * Checks that a config fits its manifest: {@code rootfs.type} is "layers" and there is one diff ID per
   * layer (moby errRootFSMismatch), before any layer is fetched or applied.
   */
  public static void checkRootfs(ImageConfig config, ImageManifest manifest, Descriptor configDescriptor)
      throws JpullException {
    String type = config.rootfs() == null ? null : config.rootfs().type();
    if (!"layers".equals(type)) {
      throw new JpullException(Kind.VERIFICATION, "config " + configDescriptor.digest() + " has rootfs type "
          + dev.jpull.Quoted.of(type) + ", want \"layers\"");
    }
    if (config.diffIds().size() != manifest.layers().size()) {
      throw new JpullException(Kind.VERIFICATION, "config " + configDescriptor.digest() + " lists "
          + config.diffIds().size() + " diff IDs for " + manifest.layers().size() + " layers");
    }
  }
}
