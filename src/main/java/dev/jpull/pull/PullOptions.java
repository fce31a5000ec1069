package dev.jpull.pull;

import dev.jpull.oci.PlatformMatcher;
import java.nio.file.Path;

/**
 * How to pull.
 *
 * @param platform the platform to pull and unpack; with {@code allPlatforms} only the one to unpack, or null
 * @param allPlatforms fetch every manifest of an index
 * @param unpack whether to materialise a rootfs
 * @param rootfs the target directory ({@code --rootfs}), or null for the store's own tree
 * @param concurrency blobs fetched at once
 */
public record PullOptions(PlatformMatcher platform, boolean allPlatforms, boolean unpack, Path rootfs, int concurrency) {
  public PullOptions {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1");
    }
    if (!allPlatforms && platform == null) {
      throw new IllegalArgumentException("a platform is required unless all platforms are pulled");
    }
  }
}
