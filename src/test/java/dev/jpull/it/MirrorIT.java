package dev.jpull.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.oci.Digest;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TestImage;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real distribution registry in pull-through cache mode ({@code proxy.remoteurl}) configured as a mirror
 * of the upstream through a containerd {@code hosts.toml}: the mirror serves the content, and a mirror that
 * is down falls back to the upstream. Which host served jpull is read from the registries' access logs,
 * where jpull's requests carry its {@code jpull/} User-Agent (the mirror's own upstream fetches do not).
 */
class MirrorIT {
  static final String REPO = "mirrored/app";

  @TempDir
  static Path shared;

  static RegistryServer upstream;
  static RegistryServer mirror;
  static TestImage image;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() throws Exception {
    RegistryServer.requireAvailable();
    upstream = RegistryServer.builder(shared).name("upstream").storage(shared.resolve("upstream-storage")).start();
    image = Seed.standardImage();
    new ImagePusher(upstream.url()).push(REPO, "1", image);
    mirror = RegistryServer.builder(shared).name("mirror").storage(shared.resolve("mirror-storage"))
        .yaml("""
            proxy:
              remoteurl: %s
            """.formatted(upstream.url())).start();
  }

  @AfterAll
  static void stop() {
    if (mirror != null) {
      mirror.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private Path hostsDir(String mirrorUrl) throws Exception {
    Path d = Files.createDirectories(dir.resolve("hosts").resolve(upstream.hostPort()));
    Files.writeString(d.resolve("hosts.toml"), """
        server = "%s"

        [host."%s"]
          capabilities = ["pull", "resolve"]
        """.formatted(upstream.url(), mirrorUrl));
    return dir.resolve("hosts");
  }

  /** Blob GETs jpull itself made (its User-Agent) in a registry's access log. */
  private static List<Digest> jpullBlobGets(RegistryServer server) throws Exception {
    return server.log().lines()
        .filter(l -> l.contains("\"GET /v2/" + REPO + "/blobs/sha256:") && l.contains("jpull/"))
        .map(l -> l.substring(l.indexOf("/blobs/") + 7))
        .map(l -> Digest.parse(l.substring(0, l.indexOf(' ')).replaceFirst("\\?.*", "")))
        .toList();
  }

  private JpullRun.Result pull(Path hosts) throws Exception {
    Path rootfs = dir.resolve("rootfs");
    JpullRun.Result r = JpullRun.in(dir).run("--debug", "--store", dir.resolve("s").toString(),
        "--hosts-dir", hosts.toString(), "pull", "--progress", "plain", "--rootfs", rootfs.toString(),
        upstream.hostPort() + "/" + REPO + ":1");
    assertEquals(0, r.exit(), r.toString());
    assertEquals("jpull", Files.readString(rootfs.resolve("etc/hostname")));
    assertTrue(r.stdout().strip().endsWith(upstream.hostPort() + "/" + REPO + ":1"), r.toString());
    return r;
  }

  @Test
  void pullThroughCacheMirrorServesTheBlobs() throws Exception {
    List<Digest> upstreamBefore = jpullBlobGets(upstream);
    JpullRun.Result r = pull(hostsDir(mirror.url()));
    assertTrue(r.stderr().contains("served by mirror " + mirror.hostPort()), "--debug names the serving host:\n" + r);
    List<Digest> served = jpullBlobGets(mirror);
    assertTrue(served.containsAll(image.layerDigests) && served.contains(image.configDigest),
        "the mirror served every blob to jpull:\n" + mirror.log());
    assertEquals(upstreamBefore, jpullBlobGets(upstream), "jpull fetched no blob from the upstream itself");
    assertTrue(mirror.log().lines().anyMatch(l -> l.contains(" /v2/" + REPO + "/manifests/1?ns=127.0.0.1%3A" + upstream.port())
        && l.contains("jpull/")), "the mirror resolved the tag (ns names the upstream):\n" + mirror.log());
  }

  @Test
  void mirrorThatIsDownFallsBackToTheUpstream() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    List<Digest> mirrorBefore = jpullBlobGets(mirror);
    long start = System.nanoTime();
    JpullRun.Result r = pull(hostsDir("http://127.0.0.1:" + closedPort));
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
    List<Digest> fromUpstream = jpullBlobGets(upstream);
    assertTrue(fromUpstream.containsAll(image.layerDigests) && fromUpstream.contains(image.configDigest),
        "the upstream served every blob:\n" + upstream.log());
    assertEquals(mirrorBefore, jpullBlobGets(mirror));
    assertTrue(r.stderr().contains("mirror 127.0.0.1:" + closedPort + " failed"), "--debug names the mirror it "
        + "tried:\n" + r);
    assertFalse(r.stderr().contains("served by mirror"), r.toString());
    // A mirror refusing connections is skipped at once, not retried with backoff on every request.
    assertFalse(r.stderr().contains("retry "), r.toString());
    assertFalse(seconds > 20, "falling back took " + seconds + " s");
  }
}
