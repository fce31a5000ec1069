package dev.jpull.pull;

import dev.jpull.image.Image;

import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Platform;
import dev.jpull.reference.Reference;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a pull did.
 *
 * @param resolved the descriptor the reference resolved to (index or manifest)
 * @param image the chosen platform's image, or null with {@code --all-platforms} and no platform
 * @param rootfs where the rootfs is, or null without unpack
 * @param upToDate true when nothing had to be fetched or unpacked
 * @param sources bytes of blobs each host served this time
 */
public record PullResult(Reference reference, Descriptor resolved, String host, Image image, Path rootfs,
    long size, long downloaded, boolean upToDate, Map<String, Long> sources) {

  public PullResult {
    sources = Map.copyOf(sources);
  }

  public Reference pinned() {
    return reference.pinned(resolved.digest());
  }

  public Digest chainId() {
    return image == null ? null : image.chainId();
  }

  public Platform platform() {
    return image == null ? null : image.platform();
  }
}
