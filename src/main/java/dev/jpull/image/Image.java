package dev.jpull.image;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
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
import java.util.List;
import java.util.Optional;

/**
 * One platform's image, an immutable view read from a {@link BlobSource}: the root the reference names
 * (index or manifest), the chosen manifest and its config. Its layers are descriptors; their bytes are
 * read with {@link BlobSource#open}, verified as they stream.
 */
public record Image(Descriptor root, Descriptor manifestDescriptor, ImageManifest manifest,
    Descriptor configDescriptor, ImageConfig config) {

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

  /** Whether every layer blob is held, with its descriptor's size. */
  public boolean layersPresent(BlobSource source) {
    return manifest.layers().stream().allMatch(source::contains);
  }

  /**
   * Finds the image for {@code matcher} under {@code root}; empty when a document on the way is missing.
   * {@code NOT_FOUND} when the index has no such platform.
   */
  public static Optional<Image> find(BlobSource source, Descriptor root, PlatformMatcher matcher, String subject)
      throws IOException {
    Descriptor d = root;
    for (int indexes = 0; ; indexes++) {
      if (!source.contains(d)) {
        return Optional.empty();
      }
      Document doc = source.document(d);
      if (!doc.isIndex()) {
        ImageManifest m = doc.manifest();
        if (!source.contains(m.config())) {
          return Optional.empty();
        }
        return Optional.of(new Image(root, doc.descriptor(), m, m.config(), readConfig(source, m.config())));
      }
      d = Platforms.pick(doc.index(), matcher, subject);
      Graph.checkNesting(d, indexes + 1);
    }
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
          + Quoted.of(config.mediaType()) + ", which is not a container image config");
    }
  }

  /** Reads and validates a stored config (bounded, verified, strict JSON; rootfs shape checked by the caller). */
  public static ImageConfig readConfig(BlobSource source, Descriptor config) throws IOException {
    checkConfigDescriptor(config);
    return ImageConfig.parse(source.read(config, Document.MAX_SIZE), config);
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
          + Quoted.of(type) + ", want \"layers\"");
    }
    if (config.diffIds().size() != manifest.layers().size()) {
      throw new JpullException(Kind.VERIFICATION, "config " + configDescriptor.digest() + " lists "
          + config.diffIds().size() + " diff IDs for " + manifest.layers().size() + " layers");
    }
  }
}
