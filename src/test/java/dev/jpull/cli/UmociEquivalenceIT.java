package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.Launcher.Result;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import dev.jpull.testing.TreeSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jpull's rootfs equals umoci's for images that exercise the layer semantics; and skopeo reads jpull's
 * store as an OCI layout.
 */
class UmociEquivalenceIT {

  static List<byte[]> semanticsLayers() {
    byte[] big = new byte[9 * 1024 * 1024];
    new Random(7).nextBytes(big);
    String longName = "d/" + "n".repeat(120);
    byte[] l1 = new TarBuilder()
        .dir("usr").dir("usr/lib").symlink("lib", "usr/lib").file("usr/lib/libc.so", 0755, "libc")
        .dir("etc").file("etc/passwd", "root:x:0:0").file("etc/gone", "x").dir("etc/gonedir").file("etc/gonedir/f", "f")
        .dir("opq").file("opq/lower", "l").dir("opq/sub").file("opq/sub/lower2", "l2")
        .dir("dir2file").file("dir2file/x", "x").file("file2dir", "f")
        .file("bin-suid", 04755, "s").dir("tmp", 01777).file("empty", "").dir("emptydir")
        .file("ünïcödé", "u").dir("d").file(longName, "long")
        .file("big.bin", 0644, big)
        .file("hl-lower", "hl").symlink("abs", "/etc/passwd").symlink("dangling", "nowhere")
        .build();
    byte[] l2 = new TarBuilder()
        .whiteout("etc/gone").whiteout("etc/gonedir")
        .dir("opq").opaque("opq").file("opq/upper", "u")
        .file("dir2file", "now a file").dir("file2dir").file("file2dir/inner", "i")
        .file("lib/added-through-symlink", "merged-usr")
        .link("hl-upper", "hl-lower").link("hl-same", "etc/passwd")
        .dir("opq2").file("opq2/new", "n").opaque("opq2")
        .build();
    return List.of(l1, l2);
  }

  @Test
  void rootfsEqualsUmocis(@TempDir Path dir) throws Exception {
    TreeSnapshot.requireTool("/usr/bin/skopeo", "skopeo");
    TreeSnapshot.requireTool("/usr/bin/umoci", "umoci");
    try (RegistryServer registry = RegistryServer.start(dir)) {
      new ImagePusher(registry.url()).push("test/sem", "1", TestImage.of(semanticsLayers(), true));
      String ref = registry.hostPort() + "/test/sem:1";
      Path store = dir.resolve("store");
      Path rootfs = dir.resolve("jpull-rootfs");
      Result r = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--rootfs", rootfs.toString(), ref);
      assertEquals(0, r.exit(), r.stderr());

      Path layout = dir.resolve("layout");
      run(dir, "/usr/bin/skopeo", "copy", "--src-tls-verify=false", "docker://" + ref, "oci:" + layout + ":1");
      // As an ordinary user jpull's tree is umoci's rootless one (CONTRACT "Root and ordinary users").
      List<String> umoci = new java.util.ArrayList<>(List.of("/usr/bin/umoci", "unpack"));
      if (!"root".equals(System.getProperty("user.name"))) {
        umoci.add("--rootless");
      }
      umoci.addAll(List.of("--image", layout + ":1", dir.resolve("bundle").toString()));
      run(dir, umoci.toArray(String[]::new));
      Map<String, String> expected = TreeSnapshot.of(dir.resolve("bundle/rootfs"));
      Map<String, String> actual = TreeSnapshot.of(rootfs);
      assertEquals(expected, actual);

      // skopeo reads jpull's store directly as an OCI image layout.
      run(dir, "/usr/bin/skopeo", "inspect", "oci:" + store + ":" + ref);

      // umoci cannot read zstd layers: the zstd twin must give the same tree as the gzip image.
      new ImagePusher(registry.url()).push("test/sem", "zstd", TestImage.zstd(semanticsLayers()));
      Path zstdRootfs = dir.resolve("jpull-zstd");
      Result z = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--rootfs", zstdRootfs.toString(),
          registry.hostPort() + "/test/sem:zstd");
      assertEquals(0, z.exit(), z.stderr());
      assertEquals(expected, TreeSnapshot.of(zstdRootfs));
    }
  }

  static void run(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " failed: " + new String(out, StandardCharsets.UTF_8));
    }
  }
}
