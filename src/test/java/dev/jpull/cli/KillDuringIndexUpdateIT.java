package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Json;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.Launcher.Result;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL at any instant, including between the temp file and the rename of {@code index.json}, leaves a
 * store whose {@code index.json} parses and that the next commands use without repair. Concurrent pulls of
 * different tags are killed, half the time while one of them is provably inside the index update (the
 * store's test hook holds it between writing {@code index.json.tmp} and the rename), half at a random time.
 */
class KillDuringIndexUpdateIT {
  private static final int TAGS = 6;
  private static final int ROUNDS = 4;
  private static final int PER_ROUND = 2;
  /** IndexFile.PAUSE_PROPERTY: the store sleeps this long between writing index.json.tmp and the rename. */
  private static final String PAUSE = "-Ddev.jpull.content.pauseBeforeIndexRename=250";

  @Test
  void killedPullsAlwaysLeaveAReadableIndex(@TempDir Path dir) throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    try (RegistryServer registry = RegistryServer.start(dir)) {
      ImagePusher pusher = new ImagePusher(registry.url());
      List<String> refs = new ArrayList<>();
      for (int i = 0; i < TAGS; i++) {
        pusher.push("test/many", "t" + i, TestImage.of(List.of(new TarBuilder().file("tag", "t" + i).build()), true));
        refs.add(registry.hostPort() + "/test/many:t" + i);
      }
      Path store = dir.resolve("store");
      Path index = store.resolve("index.json");
      Path temp = store.resolve("index.json.tmp");
      // A store with one image first, so the targeted kills hit a record(), not the store's creation.
      Result warmUp = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "-q", refs.get(0));
      assertEquals(0, warmUp.exit(), warmUp.stderr());
      int killedInsideUpdate = 0;
      for (int round = 0; round < ROUNDS; round++) {
        boolean targeted = round % 2 == 0;
        long since = System.currentTimeMillis(); // a temp index older than this was left by an earlier round
        List<Process> pulls = new ArrayList<>();
        for (int j = 0; j < PER_ROUND; j++) {
          String ref = refs.get((round * PER_ROUND + j) % TAGS);
          ProcessBuilder pb = new ProcessBuilder(Launcher.path().toString(), "--store", store.toString(), "pull",
              "--plain-http", "-q", ref)
              .redirectErrorStream(true).redirectOutput(dir.resolve("r" + round + "-" + j + ".log").toFile());
          if (targeted) {
            pb.environment().put("JPULL_JAVA_OPTS", PAUSE);
          }
          pulls.add(pb.start());
        }
        String when;
        if (targeted) {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          while (!written(temp, since) && System.nanoTime() < deadline && pulls.stream().anyMatch(Process::isAlive)) {
            Thread.sleep(2);
          }
          when = "when index.json.tmp appeared";
        } else {
          long delay = 200 + random.nextInt(1000);
          Thread.sleep(delay);
          when = "after " + delay + " ms";
        }
        pulls.forEach(Process::destroyForcibly);
        for (Process p : pulls) {
          assertTrue(p.waitFor(30, TimeUnit.SECONDS), "a killed pull ends");
        }
        if (written(temp, since)) {
          killedInsideUpdate++;
        }
        assertIndexReadable(index, "round " + round + " killed " + when + " (seed " + seed + ")");
      }
      assertTrue(killedInsideUpdate >= 1, "no kill landed between index.json.tmp and its rename in " + ROUNDS
          + " rounds; the test did not exercise the update (seed " + seed + ")");

      // The next commands use the store as it is: pulls (concurrent), images, fsck and gc all work.
      List<String> again = List.of(refs.get(1), refs.get(TAGS - 1));
      List<Process> pulls = new ArrayList<>();
      for (int i = 0; i < again.size(); i++) {
        pulls.add(new ProcessBuilder(Launcher.path().toString(), "--store", store.toString(), "pull", "--plain-http",
            "-q", again.get(i)).redirectErrorStream(true).redirectOutput(dir.resolve("after-" + i + ".log").toFile())
            .start());
      }
      for (int i = 0; i < again.size(); i++) {
        assertTrue(pulls.get(i).waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, pulls.get(i).exitValue(), Files.readString(dir.resolve("after-" + i + ".log")));
      }
      Set<String> listed = names(Launcher.run(dir, "--store", store.toString(), "images", "--format", "json"));
      assertTrue(listed.contains(refs.get(0)) && listed.containsAll(again) && refs.containsAll(listed), listed.toString());
      assertEquals(indexNames(index), listed, "images lists what index.json records");
      Result fsck = Launcher.run(dir, "--store", store.toString(), "fsck");
      assertEquals(0, fsck.exit(), fsck.stdout() + fsck.stderr());
      assertFalse(fsck.stdout().contains("corrupt") || fsck.stdout().contains("problem"), fsck.stdout());
      Result gc = Launcher.run(dir, "--store", store.toString(), "gc");
      assertEquals(0, gc.exit(), gc.stderr());
      assertFalse(Files.exists(temp), "gc removes a temp index left by a killed writer");
      try (var left = Files.list(store.resolve("ingest"))) {
        assertEquals(List.of(), left.toList(), "gc removes the partials of killed pulls");
      }
      assertEquals(listed, indexNames(index), "gc keeps every reference");
    }
  }

  /** Whether {@code temp} exists and was written at or after {@code since} (epoch millis). */
  private static boolean written(Path temp, long since) {
    try {
      return Files.getLastModifiedTime(temp).toMillis() >= since - 10; // coarse file-system clocks
    } catch (java.io.IOException e) {
      return false; // absent, or renamed away just now
    }
  }

  private static void assertIndexReadable(Path index, String context) throws Exception {
    JsonNode tree = Json.MAPPER.readTree(Files.readString(index));
    assertTrue(tree != null && tree.isObject() && tree.get("manifests").isArray(), context + ": " + tree);
    assertFalse(tree.get("manifests").isEmpty(), context + ": the warm-up's reference is never lost");
    assertEquals(2, tree.get("schemaVersion").asInt(), context);
    for (JsonNode m : tree.get("manifests")) {
      assertTrue(m.path("digest").asText().startsWith("sha256:") && m.path("size").asLong() > 0, context + ": " + m);
      assertTrue(m.path("annotations").path("org.opencontainers.image.ref.name").asText().contains("/test/many:t"),
          context + ": " + m);
    }
  }

  private static Set<String> indexNames(Path index) throws Exception {
    Set<String> names = new HashSet<>();
    for (JsonNode m : Json.MAPPER.readTree(Files.readString(index)).get("manifests")) {
      names.add(m.path("annotations").path("io.containerd.image.name").asText());
    }
    return names;
  }

  private static Set<String> names(Result images) throws Exception {
    assertEquals(0, images.exit(), images.stderr());
    Set<String> names = new HashSet<>();
    for (JsonNode row : Json.MAPPER.readTree(images.stdout())) {
      names.add(row.get("name").asText());
    }
    return names;
  }
}
