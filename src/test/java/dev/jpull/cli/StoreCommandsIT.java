package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.Launcher.Result;
import dev.jpull.testing.PullEvents;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store commands through the real launcher against a real registry: {@code images} (table and JSON),
 * {@code rm}, {@code gc} and {@code fsck} judged by what is on disk afterwards, and pulls pinned by
 * digest or by {@code name:tag@digest}.
 */
class StoreCommandsIT {
  @TempDir
  static Path shared;

  static RegistryServer registry;
  /** app:1 and app:2 share their first layer; each has a layer of its own. */
  static TestImage one;
  static TestImage two;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.start(shared);
    byte[] base = new TarBuilder().dir("etc").file("etc/base", "base").build();
    one = TestImage.of(List.of(base, new TarBuilder().file("which", "one").build()), true);
    two = TestImage.of(List.of(base, new TarBuilder().file("which", "two").build()), true);
    ImagePusher pusher = new ImagePusher(registry.url());
    pusher.push("test/app", "1", one);
    pusher.push("test/app", "2", two);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private static String ref(String rest) {
    return registry.hostPort() + "/test/app" + rest;
  }

  @Test
  void imagesListsRmForgetsAndGcSweepsOnlyWhatNoReferenceNeeds(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    // Both at once (one store, two processes) to keep the test short.
    CompletableFuture<JsonNode> first = CompletableFuture.supplyAsync(() -> pullJson(dir, store, ref(":1")));
    JsonNode doneTwo = pullJson(dir, store, ref(":2"));
    JsonNode doneOne = first.join();
    Path treeOne = Path.of(doneOne.get("rootfs").asText());
    Path treeTwo = Path.of(doneTwo.get("rootfs").asText());
    assertEquals("one", Files.readString(treeOne.resolve("which")));
    assertEquals("two", Files.readString(treeTwo.resolve("which")));

    Result table = Launcher.run(dir, "--store", store.toString(), "images");
    assertEquals(0, table.exit(), table.stderr());
    List<String> rows = table.stdout().lines().toList();
    assertTrue(rows.get(0).startsWith("REFERENCE"), table.stdout());
    assertEquals(3, rows.size(), table.stdout());
    for (TestImage img : List.of(one, two)) {
      String name = img == one ? ref(":1") : ref(":2");
      assertTrue(rows.stream().anyMatch(r -> r.startsWith(name + " ") && r.contains(img.manifestDigest.toString()
          .substring(0, 19))), name + " with its digest in\n" + table.stdout());
    }

    Map<String, JsonNode> listed = imagesJson(dir, store);
    assertEquals(Set.of(ref(":1"), ref(":2")), listed.keySet());
    for (JsonNode done : List.of(doneOne, doneTwo)) {
      JsonNode row = listed.get(done.get("ref").asText());
      TestImage img = done == doneOne ? one : two;
      assertEquals(img.manifestDigest.toString(), row.get("digest").asText());
      assertEquals(MediaTypes.OCI_MANIFEST, row.get("mediaType").asText());
      assertEquals(totalSize(img), row.get("size").asLong(), "manifest, config and layers");
      assertEquals(done.get("size").asLong(), row.get("size").asLong());
      assertEquals(done.get("platform").asText(), row.get("platform").asText());
      assertEquals(done.get("rootfs").asText(), row.get("rootfs").asText());
    }

    Result rm = Launcher.run(dir, "--store", store.toString(), "rm", ref(":2"));
    assertEquals(0, rm.exit(), rm.stderr());
    assertEquals(List.of("Untagged: " + ref(":2")), rm.stdout().lines().toList());
    assertFalse(Files.readString(store.resolve("index.json")).contains("/test/app:2"), "the reference is gone");
    for (Digest d : two.blobs.keySet()) {
      assertTrue(Files.exists(blob(store, d)), "rm leaves blobs to gc: " + d);
    }
    assertTrue(Files.isDirectory(treeTwo), "rm leaves trees to gc");
    Result again = Launcher.run(dir, "--store", store.toString(), "rm", ref(":2"));
    assertEquals(3, again.exit(), "removing an absent reference is not found: " + again.stderr());
    assertOneErrorLine(again);

    // What killed pulls leave behind: a partial download and a half-unpacked tree.
    Digest stale = Digest.sha256("a blob nobody finished".getBytes(StandardCharsets.UTF_8));
    Path partial = Files.createDirectories(store.resolve("ingest").resolve(stale.hex())).resolve("data");
    Files.write(partial, new byte[4096]);
    Path halfTree = Files.createDirectories(store.resolve("tmp/tree-abandoned/usr/bin"));
    Files.writeString(halfTree.resolve("sh"), "half");

    Result gc = Launcher.run(dir, "--store", store.toString(), "gc");
    assertEquals(0, gc.exit(), gc.stderr());
    assertTrue(gc.stdout().startsWith("Removed 3 blobs, 1 partial downloads, 1 trees"), gc.stdout());
    for (Digest d : two.blobs.keySet()) {
      boolean shared = one.blobs.containsKey(d);
      assertEquals(shared, Files.exists(blob(store, d)), (shared ? "kept " : "swept ") + d);
    }
    assertFalse(Files.exists(blob(store, two.manifestDigest)), "app:2's manifest is swept");
    for (Digest d : one.blobs.keySet()) {
      assertTrue(Files.exists(blob(store, d)), "app:1 keeps " + d);
    }
    assertTrue(Files.exists(blob(store, one.manifestDigest)));
    assertFalse(Files.exists(treeTwo, LinkOption.NOFOLLOW_LINKS), "app:2's tree is swept");
    assertFalse(Files.exists(Path.of(treeTwo + ".complete")), "with its marker");
    assertEquals("one", Files.readString(treeOne.resolve("which")), "app:1's tree is kept");
    assertTrue(Files.exists(Path.of(treeOne + ".complete")));
    assertEquals(List.of(), list(store.resolve("ingest")), "stale partials are swept");
    assertEquals(List.of(), list(store.resolve("tmp")), "abandoned trees are swept");
    assertTrue(Files.readString(store.resolve("index.json")).contains("\"" + ref(":1") + "\""), "gc keeps references");

    Result fsck = Launcher.run(dir, "--store", store.toString(), "fsck");
    assertEquals(0, fsck.exit(), "gc kept everything app:1 needs: " + fsck.stdout() + fsck.stderr());
  }

  @Test
  void fsckNamesACorruptBlobRepairDropsItAndThePullFetchesItAgain(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    Result pull = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--no-unpack", "-q", ref(":1"));
    assertEquals(0, pull.exit(), pull.stderr());

    Digest victim = one.layerDigests.get(1);
    Path file = blob(store, victim);
    assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), "blobs are read-only");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x5a; // same size, different content
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    Files.write(file, bytes);

    Result found = Launcher.run(dir, "--store", store.toString(), "fsck");
    assertEquals(7, found.exit(), "a corrupt blob is invalid content: " + found.stdout() + found.stderr());
    assertTrue(found.stdout().contains("Checked " + (one.blobs.size() + 1) + " blobs"), "manifest, config, layers: "
        + found.stdout());
    assertTrue(found.stdout().lines().anyMatch(l -> l.equals("corrupt blob: " + victim)), found.stdout());
    assertEquals(1, found.stdout().lines().filter(l -> l.startsWith("corrupt blob: ")).count(), found.stdout());
    assertOneErrorLine(found);
    assertTrue(Files.exists(file), "without --repair nothing is deleted");

    Result repair = Launcher.run(dir, "--store", store.toString(), "fsck", "--repair");
    assertEquals(0, repair.exit(), repair.stdout() + repair.stderr());
    assertTrue(repair.stdout().contains("corrupt blob: " + victim), repair.stdout());
    assertFalse(Files.exists(file), "--repair removes the corrupt blob");
    for (Digest d : one.blobs.keySet()) {
      assertEquals(!d.equals(victim), Files.exists(blob(store, d)), "only the corrupt blob goes: " + d);
    }

    Result refetch = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--no-unpack", "--progress",
        "json", ref(":1"));
    assertEquals(0, refetch.exit(), refetch.stderr());
    List<JsonNode> events = PullEvents.parse(refetch.stdout());
    PullEvents.terminal(events, "done");
    assertTrue(events.stream().anyMatch(e -> e.path("type").asText().equals("blob")
        && e.path("digest").asText().equals(victim.toString()) && e.path("status").asText().equals("done")),
        "the dropped blob is fetched again: " + refetch.stdout());
    assertEquals(victim.toString(), Digest.sha256(Files.readAllBytes(file)).toString());
  }

  @Test
  void tagAtDigestMustAgreeAndADigestAlonePulls(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    String wrong = ref(":1@" + two.manifestDigest);
    Result mismatch = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--progress", "json", wrong);
    assertEquals(7, mismatch.exit(), mismatch.stderr());
    JsonNode error = PullEvents.terminal(PullEvents.parse(mismatch.stdout()), "error");
    assertEquals(7, error.get("code").asInt(), error.toString());
    assertOneErrorLine(mismatch);
    assertTrue(mismatch.stderr().contains(one.manifestDigest.toString())
        && mismatch.stderr().contains(two.manifestDigest.toString()), "names both digests: " + mismatch.stderr());
    assertFalse(Files.exists(blob(store, two.layerDigests.get(1))), "nothing fetched for a mismatch");

    String right = ref(":1@" + one.manifestDigest);
    Result match = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "-q", right);
    assertEquals(0, match.exit(), match.stderr());
    assertEquals(1, match.stdout().lines().count(), match.stdout());
    assertTrue(match.stdout().strip().endsWith("@" + one.manifestDigest), match.stdout());

    String byDigest = ref("@" + two.manifestDigest);
    Result pinned = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--progress", "json", byDigest);
    assertEquals(0, pinned.exit(), pinned.stderr());
    JsonNode done = PullEvents.terminal(PullEvents.parse(pinned.stdout()), "done");
    assertEquals(byDigest, done.get("ref").asText());
    assertEquals(two.manifestDigest.toString(), done.get("digest").asText());
    assertEquals("two", Files.readString(Path.of(done.get("rootfs").asText()).resolve("which")));
    assertTrue(Files.readString(store.resolve("index.json")).contains("\"" + byDigest + "\""), "recorded by digest");
  }

  private static JsonNode pullJson(Path dir, Path store, String ref) {
    Result r;
    try {
      r = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--progress", "json", ref);
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("run jpull pull " + ref, e);
    }
    assertEquals(0, r.exit(), r.stderr());
    assertFalse(r.stderr().lines().anyMatch(l -> l.startsWith("{")), "events go to stdout only: " + r.stderr());
    JsonNode done = PullEvents.terminal(PullEvents.parse(r.stdout()), "done");
    assertEquals(ref, done.get("ref").asText());
    return done;
  }

  private static Map<String, JsonNode> imagesJson(Path dir, Path store) throws Exception {
    Result r = Launcher.run(dir, "--store", store.toString(), "images", "--format", "json");
    assertEquals(0, r.exit(), r.stderr());
    JsonNode rows = Json.MAPPER.readTree(r.stdout());
    assertTrue(rows.isArray(), r.stdout());
    Map<String, JsonNode> byName = new HashMap<>();
    rows.forEach(row -> byName.put(row.get("name").asText(), row));
    assertEquals(rows.size(), byName.size(), "one row per reference: " + r.stdout());
    return byName;
  }

  private static long totalSize(TestImage img) {
    return img.manifest.length + img.blobs.values().stream().mapToLong(b -> b.length).sum();
  }

  private static Path blob(Path store, Digest d) {
    return store.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
  }

  private static List<String> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private static void assertOneErrorLine(Result r) {
    List<String> err = r.stderr().lines().filter(l -> l.startsWith("jpull: error: ")).toList();
    assertEquals(1, err.size(), r.stderr());
    assertFalse(r.stderr().contains("\tat "), "no stack trace without --debug: " + r.stderr());
  }
}
