package dev.jpull.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Json;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import dev.jpull.testing.TreeSnapshot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jpull serve} read by real clients: skopeo sees the stored manifest byte for byte and copies the
 * image; jpull pulls it again (directly, and through a hosts.toml that names the served store as the
 * mirror of a stopped registry, containerd's {@code ns=} form) with identical digests and rootfs; podman
 * pulls it where installed. A taken address exits 9; SIGTERM stops it with exit 0.
 */
class ServeIT {
  private static final Pattern SERVING = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+)/v2/");

  @TempDir
  static Path dir;

  static RegistryServer registry;
  static TestImage image;
  static String upstreamRef;
  static Path store;
  static Map<String, String> tree;
  static String digest;
  static Process serve;
  static int port;
  static List<String> serveErr = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  static void pullThenServe() throws Exception {
    registry = RegistryServer.start(dir);
    image = TestImage.of(List.of(new TarBuilder().dir("etc").file("etc/os-release", "ID=served\n").build(),
        new TarBuilder().file("bin/tool", 0755, "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8)).build()), false);
    new ImagePusher(registry.url()).push("test/app", "1", image);
    upstreamRef = registry.hostPort() + "/test/app:1";
    store = dir.resolve("store");
    JsonNode done = pullJson(store, null, "--plain-http", upstreamRef);
    digest = done.get("digest").asText();
    tree = TreeSnapshot.of(Path.of(done.get("rootfs").asText()));

    serve = new ProcessBuilder(Launcher.path().toString(), "--store", store.toString(), "serve", "--address", "127.0.0.1:0")
        .redirectOutput(dir.resolve("serve.out").toFile()).start();
    BufferedReader err = new BufferedReader(new InputStreamReader(serve.getErrorStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = err.readLine()) != null) {
      serveErr.add(line);
      Matcher m = SERVING.matcher(line);
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
        break;
      }
    }
    assertTrue(port > 0, "serve printed where it listens: " + serveErr);
    Thread drain = new Thread(() -> err.lines().forEach(serveErr::add));
    drain.setDaemon(true);
    drain.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (serve != null && serve.isAlive()) {
      serve.destroyForcibly();
    }
    if (registry != null) {
      registry.close();
    }
  }

  private static JsonNode pullJson(Path store, Path hostsDir, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--store", store.toString()));
    if (hostsDir != null) {
      all.addAll(List.of("--hosts-dir", hostsDir.toString()));
    }
    all.addAll(List.of("pull", "--progress", "json"));
    all.addAll(List.of(args));
    JpullRun.Result r = JpullRun.in(dir).run(all.toArray(String[]::new));
    assertEquals(0, r.exit(), r.toString());
    List<String> lines = r.stdout().lines().toList();
    return Json.MAPPER.readTree(lines.get(lines.size() - 1));
  }

  private static String served(String repoTag) {
    return "127.0.0.1:" + port + "/" + repoTag;
  }

  private static Process run(Path cwd, String... cmd) throws IOException {
    return new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
        .redirectOutput(cwd.resolve("out-" + System.nanoTime() + ".txt").toFile()).start();
  }

  private static byte[] output(Process p, int seconds) throws Exception {
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "timed out");
    return out;
  }

  @Test
  void skopeoReadsTheStoredManifestByteForByteAndCopiesTheImage(@TempDir Path work) throws Exception {
    TreeSnapshot.requireTool("/usr/bin/skopeo", "skopeo");
    Process inspect = new ProcessBuilder("skopeo", "inspect", "--raw", "--tls-verify=false",
        "docker://" + served("test/app:1")).redirectError(work.resolve("inspect.err").toFile()).start();
    byte[] raw = output(inspect, 60);
    assertEquals(0, inspect.exitValue(), Files.readString(work.resolve("inspect.err")));
    assertArrayEquals(image.manifest, raw, "skopeo inspect --raw: the stored manifest's bytes");

    Process copy = new ProcessBuilder("skopeo", "copy", "--src-tls-verify=false", "docker://" + served("test/app:1"),
        "oci:" + work.resolve("layout") + ":1").redirectErrorStream(true).start();
    String out = new String(output(copy, 120), StandardCharsets.UTF_8);
    assertEquals(0, copy.exitValue(), out);
    for (var d : image.layerDigests) {
      assertTrue(Files.isRegularFile(work.resolve("layout/blobs/sha256").resolve(d.hex())), "layer copied: " + d);
    }
  }

  @Test
  void jpullPullsFromTheServedStoreWithIdenticalDigestsAndRootfs(@TempDir Path work) throws Exception {
    JsonNode done = pullJson(work.resolve("store"), null, "--plain-http", served("test/app:1"));
    assertEquals(digest, done.get("digest").asText());
    assertEquals(tree, TreeSnapshot.of(Path.of(done.get("rootfs").asText())));
  }

  @Test
  void aHostsTomlNamingTheServedStoreAsMirrorServesAStoppedRegistrysImage(@TempDir Path work) throws Exception {
    Path hosts = Files.createDirectories(work.resolve("hosts").resolve(registry.hostPort()));
    Files.writeString(hosts.resolve("hosts.toml"), """
        server = "%s"

        [host."http://127.0.0.1:%d"]
          capabilities = ["pull", "resolve"]
        """.formatted(registry.url(), port));
    // The upstream is gone (no other test needs it): everything must come from the served store, named with ns=.
    registry.close();
    JsonNode done = pullJson(work.resolve("store"), work.resolve("hosts"), upstreamRef);
    assertEquals(digest, done.get("digest").asText());
    assertEquals(tree, TreeSnapshot.of(Path.of(done.get("rootfs").asText())));
  }

  @Test
  void podmanPullsFromTheServedStore(@TempDir Path work) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/podman")), "podman is not installed: test skipped");
    Process p = new ProcessBuilder("podman", "--root", work.resolve("root").toString(), "--runroot",
        work.resolve("runroot").toString(), "--storage-driver", "vfs", "pull", "--tls-verify=false",
        served("test/app:1")).redirectErrorStream(true).start();
    String out = new String(output(p, 300), StandardCharsets.UTF_8);
    Assumptions.assumeFalse(out.contains("cannot re-exec") || out.contains("newuidmap")
        || out.contains("not enough IDs"), "podman cannot run here (user namespaces): " + out);
    assertEquals(0, p.exitValue(), out);
    Process images = new ProcessBuilder("podman", "--root", work.resolve("root").toString(), "--runroot",
        work.resolve("runroot").toString(), "--storage-driver", "vfs", "images", "--digests", "--format",
        "{{.Digest}}").redirectErrorStream(true).start();
    String digests = new String(output(images, 60), StandardCharsets.UTF_8);
    assertTrue(digests.contains(digest), "podman holds the served digest " + digest + ": " + digests);
  }

  /**
   * containerd's own client through a hosts.toml naming the served store as the mirror, against a private
   * containerd daemon this test starts (root only: it needs mounts for the snapshotter).
   */
  @Test
  void ctrPullsThroughAHostsTomlMirror(@TempDir Path work) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/ctr")) && Files.isExecutable(Path.of("/usr/bin/containerd")),
        "ctr/containerd are not installed (apt-get install containerd): ctr test skipped");
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
        "containerd's daemon needs root (this is the ordinary-user pass): ctr test skipped");
    Path sock = work.resolve("containerd.sock");
    Files.writeString(work.resolve("config.toml"), """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri"]
        [grpc]
          address = "%2$s"
        [ttrpc]
          address = "%2$s.ttrpc"
        [debug]
          address = ""
        [metrics]
          address = ""
        """.formatted(work, sock));
    Process daemon = new ProcessBuilder("containerd", "--config", work.resolve("config.toml").toString())
        .redirectErrorStream(true).redirectOutput(work.resolve("containerd.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.exists(sock) && daemon.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(Files.exists(sock), "containerd did not start: " + Files.readString(work.resolve("containerd.log")));
      Path hosts = Files.createDirectories(work.resolve("hosts").resolve(registry.hostPort()));
      Files.writeString(hosts.resolve("hosts.toml"), """
          server = "%s"

          [host."http://127.0.0.1:%d"]
            capabilities = ["pull", "resolve"]
          """.formatted(registry.url(), port));
      Process pull = new ProcessBuilder("ctr", "--address", sock.toString(), "images", "pull", "--hosts-dir",
          work.resolve("hosts").toString(), upstreamRef).redirectErrorStream(true).start();
      String out = new String(output(pull, 180), StandardCharsets.UTF_8);
      assertEquals(0, pull.exitValue(), out);
      Process ls = new ProcessBuilder("ctr", "--address", sock.toString(), "images", "ls").redirectErrorStream(true).start();
      String images = new String(output(ls, 60), StandardCharsets.UTF_8);
      assertTrue(images.lines().anyMatch(l -> l.startsWith(upstreamRef) && l.contains(digest)), images);
      assertTrue(serveErr.stream().noneMatch(l -> l.startsWith("warning:")), serveErr.toString());
    } finally {
      daemon.destroy();
      if (!daemon.waitFor(20, TimeUnit.SECONDS)) {
        daemon.destroyForcibly();
      }
    }
  }

  @Test
  void aTakenAddressExits9AndSigtermStopsWithExit0(@TempDir Path work) throws Exception {
    Launcher.Result taken = Launcher.run(work, "--store", store.toString(), "serve", "--address", "127.0.0.1:" + port);
    assertEquals(9, taken.exit(), taken.stderr());
    assertTrue(taken.stderr().contains("jpull: error: serve: the address 127.0.0.1:" + port + " is taken"), taken.stderr());

    Process second = new ProcessBuilder(Launcher.path().toString(), "--store", store.toString(), "serve", "--address",
        "127.0.0.1:0").redirectErrorStream(true).redirectOutput(work.resolve("second.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.readString(work.resolve("second.log")).contains("Serving") && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    second.destroy(); // SIGTERM
    assertTrue(second.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, second.exitValue(), Files.readString(work.resolve("second.log")));
    assertTrue(Files.readString(work.resolve("second.log")).contains("Stopped"));
  }
}
