package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code jpull export} read back by skopeo (containers/image), the reference reader of all three formats:
 * the real launcher pulls from a real distribution registry, exports, and skopeo must see the same image.
 * Also {@code jpull inspect} of an index and of {@code --raw} bytes.
 */
class ExportSkopeoIT {
  @TempDir
  static Path shared;

  static RegistryServer registry;
  static String skopeo;
  static TestImage ociImage;
  static TestImage dockerImage;
  static TestImage zstdImage;
  static TestImage amd64;
  static TestImage arm64;
  static Digest indexDigest;

  @BeforeAll
  static void start() throws Exception {
    skopeo = skopeo();
    registry = RegistryServer.start(shared);
    ImagePusher pusher = new ImagePusher(registry.url());
    ociImage = TestImage.of(TestImage.standardLayers(), true);
    dockerImage = TestImage.of(TestImage.standardLayers(), false);
    zstdImage = TestImage.zstd(TestImage.standardLayers());
    pusher.push("test/exp", "oci", ociImage);
    pusher.push("test/exp", "docker", dockerImage);
    pusher.push("test/exp", "zstd", zstdImage);
    amd64 = TestImage.forPlatform(List.of(new TarBuilder().file("arch", "amd64").build()), "linux", "amd64", null);
    arm64 = TestImage.forPlatform(List.of(new TarBuilder().file("arch", "arm64").build()), "linux", "arm64", "v8");
    pusher.push("test/multi", "amd64", amd64);
    pusher.push("test/multi", "arm64", arm64);
    byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + dev.jpull.oci.MediaTypes.OCI_INDEX + "\",\"manifests\":["
        + entry(amd64, "{\"os\":\"linux\",\"architecture\":\"amd64\"}") + ","
        + entry(arm64, "{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}") + "]}")
        .getBytes(StandardCharsets.UTF_8);
    indexDigest = Digest.sha256(index);
    pusher.manifest("test/multi", "1", dev.jpull.oci.MediaTypes.OCI_INDEX, index);
  }

  private static String entry(TestImage image, String platform) {
    return "{\"mediaType\":\"" + image.manifestType + "\",\"digest\":\"" + image.manifestDigest + "\",\"size\":"
        + image.manifest.length + ",\"platform\":" + platform + "}";
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private static String skopeo() {
    for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path s = Path.of(p, "skopeo");
      if (Files.isExecutable(s)) {
        return s.toString();
      }
    }
    if ("true".equals(System.getenv("CI"))) {
      fail("skopeo is not installed, and CI=true requires the export interop test to run");
    }
    Assumptions.abort("skopeo is not installed; install it to check that skopeo reads jpull's exports");
    return null;
  }

  /** A process's exit code, stdout as bytes (archives are binary) and stderr. */
  record Run(int exit, byte[] stdout, String stderr) {
    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }
  }

  static Run run(Path workDir, List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile(workDir, "out", ".bin");
    Path err = Files.createTempFile(workDir, "err", ".txt");
    Process p = new ProcessBuilder(cmd).directory(workDir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    p.getOutputStream().close();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " timed out; stderr: " + Files.readString(err));
    }
    return new Run(p.exitValue(), Files.readAllBytes(out), Files.readString(err, StandardCharsets.UTF_8));
  }

  static Run jpull(Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Launcher.path().toString());
    cmd.add("--store");
    cmd.add(dir.resolve("store").toString());
    cmd.addAll(List.of(args));
    return run(dir, cmd);
  }

  static Run skopeo(Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(skopeo, "--insecure-policy"));
    cmd.addAll(List.of(args));
    Run r = run(dir, cmd);
    assertEquals(0, r.exit(), "skopeo " + String.join(" ", args) + ": " + r.stderr());
    return r;
  }

  private static List<String> digests(JsonNode descriptors) {
    List<String> out = new ArrayList<>();
    descriptors.forEach(d -> out.add(d.get("digest").asText()));
    return out;
  }

  @ParameterizedTest(name = "{0} image")
  @ValueSource(strings = {"oci", "docker", "zstd"})
  void skopeoReadsEachFormatAsTheSameImage(String tag, @TempDir Path dir) throws Exception {
    TestImage image = switch (tag) {
      case "oci" -> ociImage;
      case "docker" -> dockerImage;
      default -> zstdImage;
    };
    String ref = registry.hostPort() + "/test/exp:" + tag;
    List<String> layers = image.layerDigests.stream().map(Digest::toString).toList();
    List<String> diffIds = TestImage.standardLayers().stream().map(t -> Digest.sha256(t).toString()).toList();

    // The first export pulls (blobs only); the others use the store.
    Run layout = jpull(dir, "export", "--plain-http", "--format", "oci", ref, dir.resolve("layout").toString());
    assertEquals(0, layout.exit(), layout.stderr());
    assertEquals(0, layout.stdout().length, "nothing on stdout: " + layout.out());
    Run archive = jpull(dir, "export", "--local", "--format", "oci-archive", ref, dir.resolve("oci.tar").toString());
    assertEquals(0, archive.exit(), archive.stderr());
    Run docker = jpull(dir, "export", "--local", "--format", "docker-archive", ref, dir.resolve("docker.tar").toString());
    assertEquals(0, docker.exit(), docker.stderr());

    for (String transport : List.of("oci:" + dir.resolve("layout") + ":" + tag, "oci-archive:" + dir.resolve("oci.tar"))) {
      byte[] raw = skopeo(dir, "inspect", "--raw", transport).stdout();
      JsonNode manifest = Json.MAPPER.readTree(raw);
      if (tag.equals("docker")) {
        // A Docker manifest takes its OCI form (skopeo's oci: reader skips other types): a new digest, same blobs.
        assertEquals(dev.jpull.oci.MediaTypes.OCI_MANIFEST, manifest.get("mediaType").asText());
      } else {
        assertEquals(image.manifestDigest, Digest.sha256(raw), transport + " serves the pulled manifest byte for byte");
      }
      assertEquals(image.configDigest.toString(), manifest.get("config").get("digest").asText(), transport);
      JsonNode inspected = Json.MAPPER.readTree(skopeo(dir, "inspect", transport).stdout());
      assertEquals(Digest.sha256(raw).toString(), inspected.get("Digest").asText(), transport);
      assertEquals(layers, Json.MAPPER.convertValue(inspected.get("Layers"), List.class), transport);
      JsonNode config = Json.MAPPER.readTree(skopeo(dir, "inspect", "--config", "--raw", transport).stdout());
      assertEquals(diffIds, Json.MAPPER.convertValue(config.get("rootfs").get("diff_ids"), List.class), transport);
    }

    String dockerArchive = "docker-archive:" + dir.resolve("docker.tar");
    JsonNode generated = Json.MAPPER.readTree(skopeo(dir, "inspect", "--raw", dockerArchive).stdout());
    assertEquals(image.configDigest.toString(), generated.get("config").get("digest").asText(),
        "docker-archive carries the config byte for byte");
    assertEquals(diffIds, digests(generated.get("layers")), "docker-archive layers are the uncompressed tars");
    // docker-archive:FILE:REF finds the image by its RepoTags entry.
    JsonNode inspected = Json.MAPPER.readTree(skopeo(dir, "inspect", dockerArchive + ":" + ref).stdout());
    assertEquals("amd64", inspected.get("Architecture").asText());
    assertEquals(diffIds, Json.MAPPER.convertValue(inspected.get("Layers"), List.class));

    for (String source : List.of("oci:" + dir.resolve("layout") + ":" + tag, "oci-archive:" + dir.resolve("oci.tar"),
        dockerArchive)) {
      Path fresh = dir.resolve("copy-" + source.substring(0, source.indexOf(':')));
      skopeo(dir, "copy", "--quiet", source, "oci:" + fresh + ":x");
      JsonNode copied = Json.MAPPER.readTree(skopeo(dir, "inspect", "--config", "--raw", "oci:" + fresh + ":x").stdout());
      assertEquals(diffIds, Json.MAPPER.convertValue(copied.get("rootfs").get("diff_ids"), List.class), source);
    }
  }

  @Test
  void dockerArchiveOnStdoutIsTheArchiveAndNothingElseEvenWithJsonProgress(@TempDir Path dir) throws Exception {
    String ref = registry.hostPort() + "/test/exp:oci";
    // A fresh store: the export pulls first, so there are progress events to keep off stdout.
    Run json = jpull(dir, "export", "--plain-http", "--progress", "json", "--format", "docker-archive", ref, "-");
    assertEquals(0, json.exit(), json.stderr());
    List<JsonNode> events = new ArrayList<>();
    for (String line : json.stderr().lines().toList()) {
      events.add(Json.MAPPER.readTree(line)); // stderr holds the NDJSON stream and nothing else
    }
    assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("blob")), json.stderr());
    JsonNode done = events.get(events.size() - 1);
    assertEquals("done", done.get("type").asText());
    assertEquals(ociImage.manifestDigest.toString(), done.get("digest").asText());
    assertEquals(ociImage.configDigest.toString(), done.get("configDigest").asText());

    Run plain = jpull(dir, "export", "--local", "--format", "docker-archive", ref, "-");
    assertEquals(0, plain.exit(), plain.stderr());
    Path file = dir.resolve("file.tar");
    Run toFile = jpull(dir, "export", "--local", "--format", "docker-archive", ref, file.toString());
    assertEquals(0, toFile.exit(), toFile.stderr());
    byte[] expected = Files.readAllBytes(file);
    assertArrayEquals(expected, json.stdout(), "stdout is exactly the archive (with --progress json)");
    assertArrayEquals(expected, plain.stdout(), "stdout is exactly the archive");
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(plain.stdout()))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        names.add(e.getName());
      }
    }
    assertTrue(names.contains("manifest.json") && names.contains("repositories"), names.toString());
    Path piped = dir.resolve("piped.tar");
    Files.write(piped, plain.stdout());
    skopeo(dir, "inspect", "docker-archive:" + piped);
  }

  @Test
  void ociArchiveOnStdoutAndUsageErrors(@TempDir Path dir) throws Exception {
    String ref = registry.hostPort() + "/test/exp:zstd";
    Run oci = jpull(dir, "export", "--plain-http", "--progress", "quiet", "--format", "oci-archive", ref, "-");
    assertEquals(0, oci.exit(), oci.stderr());
    Path file = dir.resolve("oci.tar");
    Files.write(file, oci.stdout());
    assertEquals(zstdImage.manifestDigest, Digest.sha256(skopeo(dir, "inspect", "--raw", "oci-archive:" + file).stdout()));

    Run dirToStdout = jpull(dir, "export", "--local", "--format", "oci", ref, "-");
    assertEquals(2, dirToStdout.exit(), dirToStdout.stderr());
    Run allDocker = jpull(dir, "export", "--local", "--all-platforms", ref, dir.resolve("x.tar").toString());
    assertEquals(2, allDocker.exit(), allDocker.stderr());
    Files.writeString(Files.createDirectories(dir.resolve("full")).resolve("f"), "x");
    Run notEmpty = jpull(dir, "export", "--local", "--format", "oci", ref, dir.resolve("full").toString());
    assertEquals(2, notEmpty.exit(), notEmpty.stderr());
    Run badFormat = jpull(dir, "export", "--format", "tarball", ref, dir.resolve("y.tar").toString());
    assertEquals(2, badFormat.exit(), badFormat.stderr());
    Run archiveIntoDirectory = jpull(dir, "export", "--local", ref, dir.resolve("full").toString());
    assertEquals(2, archiveIntoDirectory.exit(), archiveIntoDirectory.stderr());
    for (Run r : List.of(dirToStdout, allDocker, notEmpty, badFormat, archiveIntoDirectory)) {
      assertEquals(0, r.stdout().length, r.out());
      assertTrue(r.stderr().startsWith("jpull: error: "), r.stderr());
    }
  }

  @Test
  void localNeverContactsTheRegistry(@TempDir Path dir) throws Exception {
    String ref = registry.hostPort() + "/test/exp:oci";
    long before = requests();
    Run r = jpull(dir, "export", "--local", "--plain-http", ref, dir.resolve("a.tar").toString());
    assertEquals(3, r.exit(), r.stderr());
    assertTrue(r.stderr().contains("jpull pull"), "the error says what to do: " + r.stderr());
    assertFalse(Files.exists(dir.resolve("a.tar")));
    assertEquals(before, requests(), "--local made no request");
  }

  @Test
  void allPlatformsExportsTheIndexThatSkopeoCopiesWhole(@TempDir Path dir) throws Exception {
    String ref = registry.hostPort() + "/test/multi:1";
    Run r = jpull(dir, "export", "--plain-http", "--all-platforms", "--format", "oci", ref, dir.resolve("layout").toString());
    assertEquals(0, r.exit(), r.stderr());
    String transport = "oci:" + dir.resolve("layout") + ":1";
    assertEquals(indexDigest, Digest.sha256(skopeo(dir, "inspect", "--raw", transport).stdout()));
    skopeo(dir, "copy", "--quiet", "--all", transport, "oci:" + dir.resolve("copy") + ":x");
    JsonNode arm = Json.MAPPER.readTree(skopeo(dir, "--override-arch", "arm64", "--override-variant", "v8", "inspect",
        transport).stdout());
    assertEquals("arm64", arm.get("Architecture").asText(), "skopeo picks arm64's image from the exported index");
    assertEquals(List.of(arm64.layerDigests.get(0).toString()), Json.MAPPER.convertValue(arm.get("Layers"), List.class));

    // By digest: the index is found in the store although it was recorded under its tag.
    Path byDigest = dir.resolve("by-digest.tar");
    Run pinned = jpull(dir, "export", "--local", "--all-platforms", "--format", "oci-archive",
        registry.hostPort() + "/test/multi@" + indexDigest, byDigest.toString());
    assertEquals(0, pinned.exit(), pinned.stderr());
    assertEquals(indexDigest, Digest.sha256(skopeo(dir, "inspect", "--raw", "oci-archive:" + byDigest).stdout()));

    Run one = jpull(dir, "export", "--local", "--platform", "linux/arm64", "--format", "oci-archive", ref,
        dir.resolve("arm64.tar").toString());
    assertEquals(0, one.exit(), one.stderr());
    assertEquals(arm64.manifestDigest,
        Digest.sha256(skopeo(dir, "inspect", "--raw", "oci-archive:" + dir.resolve("arm64.tar")).stdout()));
  }

  @Test
  void inspectListsTheIndexPlatformsAndRawHashesToTheResolvedDigest(@TempDir Path dir) throws Exception {
    String ref = registry.hostPort() + "/test/multi:1";
    Run summary = jpull(dir, "inspect", "--plain-http", ref);
    assertEquals(0, summary.exit(), summary.stderr());
    JsonNode s = Json.MAPPER.readTree(summary.stdout());
    assertEquals(indexDigest.toString(), s.get("digest").asText());
    List<String> platforms = new ArrayList<>();
    s.get("platforms").forEach(p -> platforms.add(p.get("platform").asText()));
    assertEquals(List.of("linux/amd64", "linux/arm64/v8"), platforms);
    assertEquals(List.of(amd64.manifestDigest.toString(), arm64.manifestDigest.toString()), digests(s.get("platforms")));

    Run raw = jpull(dir, "inspect", "--plain-http", "--raw", ref);
    assertEquals(0, raw.exit(), raw.stderr());
    assertEquals(indexDigest, Digest.sha256(raw.stdout()), "--raw prints the index exactly as served");
    Run rawManifest = jpull(dir, "inspect", "--plain-http", "--raw", registry.hostPort() + "/test/exp:docker");
    assertEquals(0, rawManifest.exit(), rawManifest.stderr());
    assertEquals(dockerImage.manifestDigest, Digest.sha256(rawManifest.stdout()));
  }

  /** Requests the registry has answered, from its access log. */
  static long requests() throws Exception {
    Thread.sleep(200);
    return registry.log().lines().filter(l -> l.contains("\"GET ") || l.contains("\"HEAD ")).count();
  }
}
