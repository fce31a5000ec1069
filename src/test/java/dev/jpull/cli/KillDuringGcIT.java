package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.Launcher.Result;
import dev.jpull.testing.PullEvents;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code jpull gc} SIGKILLed while it deletes an unpacked tree must not leave that half-deleted tree
 * marked complete: the next pull of the image would reuse it ("up to date") with files missing.
 */
class KillDuringGcIT {
  private static final int FILES = 5000;
  private static final int ATTEMPTS = 3;

  @Test
  void aGcKilledInsideATreeLeavesNoHalfTreeForTheNextPull(@TempDir Path dir) throws Exception {
    try (RegistryServer registry = RegistryServer.start(dir)) {
      TarBuilder wide = new TarBuilder().dir("d");
      for (int i = 0; i < FILES; i++) {
        wide.file("d/f" + i, "x");
      }
      new ImagePusher(registry.url()).push("test/wide", "1", TestImage.of(List.of(wide.build()), true));
      String ref = registry.hostPort() + "/test/wide:1";
      Path store = dir.resolve("store");

      boolean killedInside = false;
      for (int attempt = 0; attempt < ATTEMPTS && !killedInside; attempt++) {
        Path tree = pull(dir, store, ref);
        assertEquals(FILES, count(tree.resolve("d")));
        assertEquals(0, Launcher.run(dir, "--store", store.toString(), "rm", ref).exit());
        Process gc = new ProcessBuilder(Launcher.path().toString(), "--store", store.toString(), "gc")
            .redirectErrorStream(true).redirectOutput(dir.resolve("gc-" + attempt + ".log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (gc.isAlive() && System.nanoTime() < deadline && count(tree.resolve("d")) == FILES) {
          Thread.sleep(1);
        }
        gc.destroyForcibly();
        assertTrue(gc.waitFor(30, TimeUnit.SECONDS));
        int left = count(tree.resolve("d"));
        killedInside = left > 0 && left < FILES;
      }
      assertTrue(killedInside, "no kill landed while gc was deleting the tree in " + ATTEMPTS + " attempts");

      Path tree = pull(dir, store, ref);
      assertEquals(FILES, count(tree.resolve("d")), "the next pull's tree is whole, not the half-deleted one");
    }
  }

  private static Path pull(Path dir, Path store, String ref) throws Exception {
    Result r = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--progress", "json", ref);
    assertEquals(0, r.exit(), r.stderr());
    JsonNode done = PullEvents.terminal(PullEvents.parse(r.stdout()), "done");
    return Path.of(done.get("rootfs").asText());
  }

  private static int count(Path d) {
    String[] names = d.toFile().list();
    return names == null ? 0 : names.length;
  }
}
