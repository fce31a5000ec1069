package dev.jpull.it;

import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TestImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Fills a registry storage root through a short-lived registry without auth or TLS, so that a registry
 * started afterwards on the same root with auth serves the images (ImagePusher speaks neither).
 */
final class Seed {
  private Seed() {}

  /** The standard two-layer image (rootfs has etc/hostname "jpull"). */
  static TestImage standardImage() {
    return TestImage.of(TestImage.standardLayers(), true);
  }

  /** Pushes each {@code repository:tag} key's image into {@code storage}, then stops the seeding registry. */
  static void push(Path dir, Path storage, Map<String, TestImage> images) throws IOException, InterruptedException {
    try (RegistryServer seeder = RegistryServer.builder(dir).name("seed").storage(storage).start()) {
      ImagePusher pusher = new ImagePusher(seeder.url());
      for (Map.Entry<String, TestImage> e : images.entrySet()) {
        int colon = e.getKey().lastIndexOf(':');
        pusher.push(e.getKey().substring(0, colon), e.getKey().substring(colon + 1), e.getValue());
      }
    }
  }
}
