package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.Launcher.Result;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lock files against a real registry: {@code jpull lock} pins, re-locking is byte-identical, a moved tag
 * makes {@code pull --locked} and {@code lock --check} exit 3 naming it, and {@code pull --from-lock}
 * pulls every entry with one terminal event each.
 */
class LockIT {
  @TempDir
  static Path shared;

  static RegistryServer registry;
  static ImagePusher pusher;
  static TestImage one;
  static TestImage two;
  static String index;
  static String indexDigest;
  static TestImage amd64;
  static TestImage arm64;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.start(shared);
    pusher = new ImagePusher(registry.url());
    one = TestImage.of(List.of(new TarBuilder().file("which", "one").build()), true);
    two = TestImage.of(List.of(new TarBuilder().file("which", "two").build()), true);
    amd64 = TestImage.forPlatform(List.of(new TarBuilder().file("arch", "amd64").build()), "linux", "amd64", null);
    arm64 = TestImage.forPlatform(List.of(new TarBuilder().file("arch", "arm64").build()), "linux", "arm64", "v8");
    StringBuilder manifests = new StringBuilder();
    for (Object[] p : new Object[][] {{amd64, "amd64", null}, {arm64, "arm64", "v8"}}) {
      TestImage img = (TestImage) p[0];
      pusher.push("lock/multi", img.manifestDigest.toString(), img);
      manifests.append(manifests.length() > 0 ? "," : "").append("{\"mediaType\":\"").append(MediaTypes.OCI_MANIFEST)
          .append("\",\"digest\":\"").append(img.manifestDigest).append("\",\"size\":").append(img.manifest.length)
          .append(",\"platform\":{\"os\":\"linux\",\"architecture\":\"").append(p[1]).append('"')
          .append(p[2] == null ? "" : ",\"variant\":\"" + p[2] + "\"").append("}}");
    }
    index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[" + manifests + "]}";
    byte[] indexBytes = index.getBytes(StandardCharsets.UTF_8);
    indexDigest = dev.jpull.oci.Digest.sha256(indexBytes).toString();
    pusher.manifest("lock/multi", "1", MediaTypes.OCI_INDEX, indexBytes);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private static String ref(String repoTag) {
    return registry.hostPort() + "/" + repoTag;
  }

  private static Result jpull(Path dir, String... args) throws Exception {
    String[] all = new String[args.length + 2];
    all[0] = "--store";
    all[1] = dir.resolve("store").toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return Launcher.run(dir, all);
  }

  @Test
  void aMovedTagFailsLockedPullAndCheckWithExit3NamingIt(@TempDir Path dir) throws Exception {
    pusher.push("lock/app", "moving", one);
    String app = ref("lock/app:moving");
    Result locked = jpull(dir, "lock", "--plain-http", app);
    assertEquals(0, locked.exit(), locked.stderr());
    assertEquals(app + "@" + one.manifestDigest + "\n", locked.stdout());
    Path file = dir.resolve("jpull.lock");
    byte[] first = Files.readAllBytes(file);
    JsonNode lock = Json.MAPPER.readTree(first);
    assertEquals(1, lock.get("version").asInt());
    JsonNode entry = lock.get("images").get(0);
    assertEquals(app, entry.get("reference").asText());
    assertEquals(one.manifestDigest.toString(), entry.get("digest").asText());
    assertEquals(registry.hostPort(), entry.get("host").asText());
    assertEquals(one.manifestDigest.toString(), entry.get("platforms").get("linux/amd64").get("digest").asText());
    long size = one.manifest.length + one.blobs.values().stream().mapToLong(b -> b.length).sum();
    assertEquals(size, entry.get("size").asLong());

    Result again = jpull(dir, "lock", "--plain-http", app);
    assertEquals(0, again.exit(), again.stderr());
    assertArrayEquals(first, Files.readAllBytes(file), "an unchanged lock re-writes byte for byte");

    Result pinned = jpull(dir, "pull", "--plain-http", "--locked", "-q", app);
    assertEquals(0, pinned.exit(), pinned.stderr());
    assertEquals(app + "@" + one.manifestDigest + "\n", pinned.stdout());
    Result check = jpull(dir, "lock", "--check", "--plain-http");
    assertEquals(0, check.exit(), check.stderr());
    assertTrue(check.stdout().startsWith("ok"), check.stdout());

    pusher.push("lock/app", "moving", two);
    Result moved = jpull(dir, "pull", "--plain-http", "--locked", app);
    assertEquals(3, moved.exit(), moved.stderr());
    String line = moved.stderr().lines().filter(l -> l.startsWith("jpull: error: ")).findFirst().orElseThrow();
    assertTrue(line.contains(app) && line.contains(one.manifestDigest.toString())
        && line.contains(two.manifestDigest.toString()), line);
    Result movedCheck = jpull(dir, "lock", "--check", "--plain-http");
    assertEquals(3, movedCheck.exit(), movedCheck.stderr());
    assertTrue(movedCheck.stdout().contains("moved    " + app), movedCheck.stdout());
    assertTrue(movedCheck.stderr().contains(app + " moved from " + one.manifestDigest + " to " + two.manifestDigest),
        movedCheck.stderr());
    assertArrayEquals(first, Files.readAllBytes(file), "checking never rewrites the lock");
  }

  @Test
  void checkListsAMissingTag(@TempDir Path dir) throws Exception {
    pusher.push("lock/gone", "1", one);
    Path file = dir.resolve("other.lock");
    Files.writeString(file, """
        {
          "images": [
            {
              "digest": "%s",
              "host": "%s",
              "mediaType": "%s",
              "platforms": {},
              "reference": "%s",
              "size": 1
            }
          ],
          "version": 1
        }
        """.formatted(one.manifestDigest, registry.hostPort(), one.manifestType, ref("lock/gone:never-pushed")));
    Result r = jpull(dir, "lock", "--check", "-f", file.toString(), "--plain-http");
    assertEquals(3, r.exit(), r.stderr());
    assertTrue(r.stdout().contains("missing  " + ref("lock/gone:never-pushed")), r.stdout());
  }

  @Test
  void multiPlatformLockRecordsTheHostPlatformOrAll(@TempDir Path dir) throws Exception {
    String multi = ref("lock/multi:1");
    Result host = jpull(dir, "lock", "--plain-http", "-f", "host.lock", multi);
    assertEquals(0, host.exit(), host.stderr());
    JsonNode e = Json.MAPPER.readTree(dir.resolve("host.lock").toFile()).get("images").get(0);
    assertEquals(indexDigest, e.get("digest").asText());
    assertEquals(MediaTypes.OCI_INDEX, e.get("mediaType").asText());
    assertEquals(List.of("linux/amd64"), fieldNames(e.get("platforms")));
    Result all = jpull(dir, "lock", "--plain-http", "--all-platforms", "-f", "all.lock", multi);
    assertEquals(0, all.exit(), all.stderr());
    e = Json.MAPPER.readTree(dir.resolve("all.lock").toFile()).get("images").get(0);
    assertEquals(List.of("linux/amd64", "linux/arm64/v8"), fieldNames(e.get("platforms")));
    assertEquals(arm64.manifestDigest.toString(), e.get("platforms").get("linux/arm64/v8").get("digest").asText());
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> out = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void fromLockPullsEveryEntryWithOneTerminalEventEach(@TempDir Path dir) throws Exception {
    pusher.push("lock/a", "1", one);
    pusher.push("lock/b", "1", two);
    Result lock = jpull(dir, "lock", "--plain-http", ref("lock/b:1"), ref("lock/a:1"));
    assertEquals(0, lock.exit(), lock.stderr());
    assertEquals(ref("lock/a:1") + "@" + one.manifestDigest + "\n" + ref("lock/b:1") + "@" + two.manifestDigest + "\n",
        lock.stdout(), "entries sorted by reference");

    Result json = jpull(dir, "pull", "--plain-http", "--progress", "json", "--from-lock", "jpull.lock");
    assertEquals(0, json.exit(), json.stderr());
    List<JsonNode> terminal = json.stdout().lines().map(LockIT::parse)
        .filter(n -> n.get("type").asText().equals("done") || n.get("type").asText().equals("error")).toList();
    assertEquals(2, terminal.size(), json.stdout());
    assertEquals(List.of("done", "done"), terminal.stream().map(n -> n.get("type").asText()).toList());
    assertEquals(java.util.Set.of(ref("lock/a:1"), ref("lock/b:1")),
        java.util.Set.copyOf(terminal.stream().map(n -> n.get("ref").asText()).toList()));
    assertTrue(Files.isRegularFile(Path.of(terminal.get(0).get("rootfs").asText()).resolve("which")));

    Result quiet = jpull(dir, "pull", "--plain-http", "-q", "--from-lock", "jpull.lock");
    assertEquals(0, quiet.exit(), quiet.stderr());
    assertEquals(lock.stdout(), quiet.stdout(), "one pinned reference per line, in the lock's order");

    // One entry moved: its pull fails with 3, the other still completes; one terminal event each.
    pusher.push("lock/a", "1", two);
    Result partly = jpull(dir, "pull", "--plain-http", "--progress", "json", "--from-lock", "jpull.lock");
    assertEquals(3, partly.exit(), partly.stderr());
    List<JsonNode> ends = partly.stdout().lines().map(LockIT::parse)
        .filter(n -> n.get("type").asText().equals("done") || n.get("type").asText().equals("error")).toList();
    assertEquals(2, ends.size(), partly.stdout());
    JsonNode error = ends.stream().filter(n -> n.get("type").asText().equals("error")).findFirst().orElseThrow();
    assertEquals(3, error.get("code").asInt());
    assertTrue(error.get("message").asText().contains(ref("lock/a:1")), error.toString());
    assertTrue(ends.stream().anyMatch(n -> n.get("type").asText().equals("done")
        && n.get("ref").asText().equals(ref("lock/b:1"))), partly.stdout());
    pusher.push("lock/a", "1", one);
  }

  private static JsonNode parse(String line) {
    try {
      return Json.MAPPER.readTree(line);
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + line, e);
    }
  }
}
