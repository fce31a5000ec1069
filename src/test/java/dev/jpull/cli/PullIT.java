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
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The walking skeleton end to end: the real launcher against a real distribution registry. */
class PullIT {
  @TempDir
  static Path shared;

  static RegistryServer registry;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.start(shared);
    ImagePusher pusher = new ImagePusher(registry.url());
    pusher.push("test/std", "oci", TestImage.of(TestImage.standardLayers(), true));
    pusher.push("test/std", "docker", TestImage.of(TestImage.standardLayers(), false));
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @ParameterizedTest(name = "{0} form")
  @ValueSource(strings = {"oci", "docker"})
  void pullsVerifiesRecordsAndUnpacks(String form, @TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    Path rootfs = dir.resolve("rootfs");
    String ref = registry.hostPort() + "/test/std:" + form;
    Result r = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--progress", "plain",
        "--rootfs", rootfs.toString(), ref);
    assertEquals(0, r.exit(), r.stderr());
    List<String> lines = r.stdout().lines().toList();
    assertEquals(ref, lines.get(lines.size() - 1), "the last stdout line is the canonical reference");
    assertTrue(r.stderr().contains("Status: Downloaded newer image for " + ref), r.stderr());
    assertFalse(r.stderr().contains("\u001b"), "plain progress has no escape sequences");

    assertStandardTree(rootfs);
    assertBlobsHashToTheirNames(store);
    JsonNode index = Json.MAPPER.readTree(Files.readString(store.resolve("index.json")));
    assertEquals(ref, index.get("manifests").get(0).get("annotations").get("org.opencontainers.image.ref.name").asText());
    assertEquals(ref, index.get("manifests").get(0).get("annotations").get("io.containerd.image.name").asText());
  }

  @Test
  void secondPullIsUpToDateWithOneRequest(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    String ref = registry.hostPort() + "/test/std:oci";
    Result first = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--progress", "json", ref);
    assertEquals(0, first.exit(), first.stderr());
    JsonNode done = lastEvent(first.stdout());
    assertEquals("done", done.get("type").asText());
    Path tree = Path.of(done.get("rootfs").asText());
    assertTrue(tree.startsWith(store), "default unpack target is inside the store");
    assertStandardTree(tree);
    for (String line : first.stdout().lines().toList()) {
      assertEquals(dev.jpull.progress.JsonRenderer.SCHEMA, Json.MAPPER.readTree(line).get("schema").asInt(), line);
    }

    long before = requests();
    Result second = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--progress", "plain", ref);
    assertEquals(0, second.exit(), second.stderr());
    assertTrue(second.stderr().contains("Status: Image is up to date for " + ref), second.stderr());
    assertEquals(1, requests() - before, "an up-to-date pull makes exactly one request (the manifest HEAD)");

    Result quiet = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "-q", ref);
    assertEquals(0, quiet.exit(), quiet.stderr());
    assertEquals(List.of(ref + "@" + done.get("digest").asText()), quiet.stdout().lines().toList());
  }

  /**
   * JNA ran "/sbin/ldconfig -p" the first time it loaded a library, to build a search path jpull never uses:
   * a fork and exec in every pull that unpacked. A pull starts no process of its own.
   */
  @Test
  void jnaRanLdconfigOnEveryUnpack(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("classes.txt");
    Result r = Launcher.run(dir, Map.of("JPULL_JAVA_OPTS", "-Xlog:class+load=info:file=" + log), "--store",
        dir.resolve("store").toString(), "pull", "--plain-http", "-q", "--rootfs", dir.resolve("rootfs").toString(),
        registry.hostPort() + "/test/std:oci");
    assertEquals(0, r.exit(), r.stderr());
    List<String> loaded = Files.readAllLines(log);
    assertTrue(loaded.stream().anyMatch(l -> l.contains(" dev.jpull.fs.LibC ")), "the pull used no native call");
    assertEquals(List.of(), loaded.stream().filter(l -> l.contains(" java.lang.ProcessImpl ")).toList(),
        "a pull started a process");
  }

  /**
   * JNA unpacked libjnidispatch.so into ~/.cache/JNA/temp (or /tmp) on every unpacking pull: a write outside
   * the store and the target, and a failure where that place is noexec. It goes into the store now.
   */
  @Test
  void jnaUnpackedItsLibraryIntoTheUsersHome(@TempDir Path dir) throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    // Java's user.home is the passwd entry's, not $HOME: point it at an empty directory.
    Result r = Launcher.run(dir, Map.of("JPULL_JAVA_OPTS", "-Duser.home=" + home, "XDG_CACHE_HOME", ""), "--store",
        dir.resolve("store").toString(), "pull", "--plain-http", "-q", "--rootfs", dir.resolve("rootfs").toString(),
        registry.hostPort() + "/test/std:oci");
    assertEquals(0, r.exit(), r.stderr());
    assertStandardTree(dir.resolve("rootfs"));
    try (Stream<Path> written = Files.walk(home)) {
      assertEquals(List.of(home), written.toList(), "the pull wrote into HOME");
    }
  }

  @Test
  void diffIdMismatchExits7AndLeavesNoTree(@TempDir Path dir) throws Exception {
    List<byte[]> layers = List.of(new TarBuilder().file("a", "a").build());
    TestImage bad = TestImage.withDiffIds(layers, List.of(Digest.sha256("other".getBytes(StandardCharsets.UTF_8)).toString()));
    new ImagePusher(registry.url()).push("test/bad", "1", bad);
    Path store = dir.resolve("store");
    Result r = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", registry.hostPort() + "/test/bad:1");
    assertEquals(7, r.exit(), r.stderr());
    List<String> err = r.stderr().lines().toList();
    assertTrue(err.get(err.size() - 1).startsWith("jpull: error: ") && r.stderr().contains("wrong diff id"), r.stderr());
    assertEquals(1, err.stream().filter(l -> l.startsWith("jpull: error:")).count(), r.stderr());
    assertFalse(r.stderr().contains("\tat "), "no stack trace without --debug");
    try (Stream<Path> trees = Files.list(store.resolve("rootfs"))) {
      assertEquals(0, trees.count(), "no tree marked complete");
    }

    // The registry is fixed (same layer, right diff ID): the next pull into the same store succeeds.
    new ImagePusher(registry.url()).push("test/bad", "1", TestImage.of(layers, true));
    Result good = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--progress", "json",
        registry.hostPort() + "/test/bad:1");
    assertEquals(0, good.exit(), good.stderr());
    List<String> events = good.stdout().lines().toList();
    com.fasterxml.jackson.databind.JsonNode done = dev.jpull.oci.Json.MAPPER.readTree(events.get(events.size() - 1));
    assertEquals("done", done.get("type").asText());
    assertEquals("a", Files.readString(Path.of(done.get("rootfs").asText()).resolve("a")));
  }

  @Test
  void missingTagExits3AndBadReferenceExits2(@TempDir Path dir) throws Exception {
    Result missing = Launcher.run(dir, "--store", dir.resolve("s").toString(), "pull", "--plain-http",
        registry.hostPort() + "/test/std:nope");
    assertEquals(3, missing.exit(), missing.stderr());
    assertTrue(missing.stderr().contains(registry.hostPort()), missing.stderr());
    Result upper = Launcher.run(dir, "pull", registry.hostPort() + "/Test/std:1");
    assertEquals(2, upper.exit(), upper.stderr());
  }

  @Test
  void multiPlatformIndexPicksThePlatform(@TempDir Path dir) throws Exception {
    ImagePusher pusher = new ImagePusher(registry.url());
    TestImage amd64 = TestImage.forPlatform(List.of(new TarBuilder().file("arch", "amd64").build()), "linux", "amd64", null);
    TestImage arm64 = TestImage.forPlatform(List.of(new TarBuilder().file("arch", "arm64").build()), "linux", "arm64", "v8");
    TestImage armv7 = TestImage.forPlatform(List.of(new TarBuilder().file("arch", "armv7").build()), "linux", "arm", "v7");
    StringBuilder manifests = new StringBuilder();
    for (Object[] p : new Object[][] {{amd64, "amd64", null}, {arm64, "arm64", "v8"}, {armv7, "arm", "v7"}}) {
      TestImage img = (TestImage) p[0];
      pusher.push("test/multi", img.manifestDigest.toString(), img);
      manifests.append(manifests.length() > 0 ? "," : "").append("{\"mediaType\":\"").append(MediaTypes.OCI_MANIFEST)
          .append("\",\"digest\":\"").append(img.manifestDigest).append("\",\"size\":").append(img.manifest.length)
          .append(",\"platform\":{\"os\":\"linux\",\"architecture\":\"").append(p[1]).append('"')
          .append(p[2] == null ? "" : ",\"variant\":\"" + p[2] + "\"").append("}}");
    }
    // An attestation manifest, as buildx writes it: must be skipped.
    manifests.append(",{\"mediaType\":\"").append(MediaTypes.OCI_MANIFEST).append("\",\"digest\":\"")
        .append(amd64.manifestDigest).append("\",\"size\":").append(amd64.manifest.length)
        .append(",\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"},")
        .append("\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}");
    String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[" + manifests + "]}";
    pusher.manifest("test/multi", "1", MediaTypes.OCI_INDEX, index.getBytes(StandardCharsets.UTF_8));
    String ref = registry.hostPort() + "/test/multi:1";
    String[][] cases = {{"linux/arm/v7", "armv7"}, {"linux/arm64", "arm64"}, {"linux/amd64", "amd64"}};
    for (String[] c : cases) {
      Path rootfs = dir.resolve("rootfs-" + c[1]);
      Result r = Launcher.run(dir, "--store", dir.resolve("store").toString(), "pull", "--plain-http", "--platform", c[0],
          "--rootfs", rootfs.toString(), ref);
      assertEquals(0, r.exit(), r.stderr());
      assertEquals(c[1], Files.readString(rootfs.resolve("arch")), c[0]);
    }
    Result none = Launcher.run(dir, "--store", dir.resolve("store").toString(), "pull", "--plain-http", "--platform",
        "linux/s390x", ref);
    assertEquals(3, none.exit(), none.stderr());
    assertTrue(none.stderr().contains("linux/arm64/v8") && none.stderr().contains("linux/arm/v7")
        && !none.stderr().contains("unknown/unknown"), none.stderr());
  }

  @Test
  void twoProcessesOnOneStoreBothRecorded(@TempDir Path dir) throws Exception {
    ImagePusher pusher = new ImagePusher(registry.url());
    byte[] base = new TarBuilder().file("base", 0644, new byte[3 << 20]).build();
    pusher.push("test/shared", "a", TestImage.of(List.of(base, new TarBuilder().file("a", "a").build()), true));
    pusher.push("test/shared", "b", TestImage.of(List.of(base, new TarBuilder().file("b", "b").build()), true));
    Path store = dir.resolve("store");
    List<Process> procs = new java.util.ArrayList<>();
    for (String tag : List.of("a", "b")) {
      procs.add(new ProcessBuilder(Launcher.path().toString(), "--store", store.toString(), "pull", "--plain-http", "-q",
          registry.hostPort() + "/test/shared:" + tag).redirectErrorStream(true)
          .redirectOutput(dir.resolve(tag + ".log").toFile()).start());
    }
    for (Process p : procs) {
      assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), Files.readString(dir.resolve((procs.indexOf(p) == 0 ? "a" : "b") + ".log")));
    }
    String index = Files.readString(store.resolve("index.json"));
    assertTrue(index.contains("/test/shared:a") && index.contains("/test/shared:b"), index);
    assertBlobsHashToTheirNames(store);
  }

  @Test
  void offlineUnpackFromTheStore(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    String ref = registry.hostPort() + "/test/std:oci";
    assertEquals(0, Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--no-unpack", ref).exit());
    Result r = Launcher.run(dir, "--store", store.toString(), "unpack", ref, dir.resolve("out").toString());
    assertEquals(0, r.exit(), r.stderr());
    assertStandardTree(dir.resolve("out"));
  }

  static void assertStandardTree(Path root) throws Exception {
    assertEquals("jpull", Files.readString(root.resolve("etc/hostname")));
    assertTrue(Files.isSymbolicLink(root.resolve("etc/link")));
    assertEquals("hostname", Files.readSymbolicLink(root.resolve("etc/link")).toString());
    assertEquals(Files.getAttribute(root.resolve("bin/tool"), "unix:ino"),
        Files.getAttribute(root.resolve("bin/tool2"), "unix:ino"), "hardlink shares the inode");
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("bin/tool"))));
    assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("data"))));
    assertEquals("new", Files.readString(root.resolve("opq/new")));
    assertFalse(Files.exists(root.resolve("opq/old"), LinkOption.NOFOLLOW_LINKS), "opaque dir hides the lower layer");
    assertFalse(Files.exists(root.resolve("gone.txt"), LinkOption.NOFOLLOW_LINKS), "whiteout removes the file");
    try (Stream<Path> all = Files.walk(root)) {
      assertTrue(all.noneMatch(p -> p.getFileName().toString().startsWith(".wh.")), "no whiteout files in the rootfs");
    }
  }

  static void assertBlobsHashToTheirNames(Path store) throws Exception {
    try (Stream<Path> blobs = Files.list(store.resolve("blobs/sha256"))) {
      for (Path b : blobs.toList()) {
        assertEquals("sha256:" + b.getFileName(), Digest.sha256(Files.readAllBytes(b)).toString());
      }
    }
  }

  static JsonNode lastEvent(String stdout) throws Exception {
    List<String> lines = stdout.lines().toList();
    return Json.MAPPER.readTree(lines.get(lines.size() - 1));
  }

  /** Requests the registry has answered, from its access log. */
  static long requests() throws Exception {
    Thread.sleep(200);
    return registry.log().lines().filter(l -> l.contains("\"GET ") || l.contains("\"HEAD ")).count();
  }
}
