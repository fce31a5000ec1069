package dev.jpull.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jpull.oci.Digest;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.RegistryServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: "an image of about 400,000 entries runs out of memory under the launcher's 96 MiB heap". A
 * layer of 500,000 entries (100,000 directories, 400,000 files) is generated as a stream into a gzip file
 * (only the compressed blob is held) and pulled with the launcher's default heap. Heavy, so it runs in the
 * root pass of CI only.
 */
class HalfMillionEntriesIT {
  private static final int DIRS = 100_000;
  private static final int FILES_PER_DIR = 4;

  @TempDir
  Path dir;

  @BeforeAll
  static void registry() {
    RegistryServer.requireAvailable();
  }

  @Test
  void halfAMillionEntriesUnpackUnderTheDefaultHeap() throws Exception {
    Assumptions.assumeTrue(Rootfs.runningAsRoot(), "heavy: runs in the root pass of CI only");
    MessageDigest diff = MessageDigest.getInstance("SHA-256");
    Path blob = dir.resolve("layer.tar.gz");
    try (OutputStream file = Files.newOutputStream(blob);
        GZIPOutputStream zip = new FastGzip(file);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new DigestOutputStream(zip, diff))) {
      for (int g = 0; g < DIRS / 1000; g++) {
        dirEntry(tar, "g" + g + "/");
      }
      for (int i = 0; i < DIRS; i++) {
        String d = "g" + (i / 1000) + "/d" + i + "/";
        dirEntry(tar, d);
        for (int f = 0; f < FILES_PER_DIR; f++) {
          TarArchiveEntry e = new TarArchiveEntry(d + "f" + f);
          e.setMode(0100644);
          e.setSize(0);
          tar.putArchiveEntry(e);
          tar.closeArchiveEntry();
        }
      }
    }
    byte[] layer = Files.readAllBytes(blob); // the compressed blob only, for the pusher
    String diffId = "sha256:" + HexFormat.of().formatHex(diff.digest());
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
    Digest layerDigest = Digest.sha256(layer);
    Digest configDigest = Digest.sha256(config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
        + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
        + "\"digest\":\"" + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);

    try (RegistryServer registry = RegistryServer.start(dir.resolve("registry"))) {
      ImagePusher pusher = new ImagePusher(registry.url());
      pusher.blob("many/entries", layerDigest, layer);
      pusher.blob("many/entries", configDigest, config);
      pusher.manifest("many/entries", "v1", "application/vnd.oci.image.manifest.v1+json", manifest);
      layer = null;

      Path rootfs = dir.resolve("rootfs");
      Path out = dir.resolve("out.txt");
      ProcessBuilder pb = new ProcessBuilder(Launcher.path().toString(), "pull", "--store",
          dir.resolve("store").toString(), "--rootfs", rootfs.toString(), "--progress", "plain", "--plain-http",
          registry.hostPort() + "/many/entries:v1").redirectErrorStream(true).redirectOutput(out.toFile());
      pb.environment().remove("JPULL_JAVA_OPTS"); // the launcher's own heap bound
      Process p = pb.start();
      if (!p.waitFor(900, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("pull of the 500,000-entry layer timed out");
      }
      assertEquals(0, p.exitValue(), Files.readString(out));
      long files;
      long dirs;
      try (Stream<Path> s = Files.walk(rootfs)) {
        long[] counts = new long[2];
        s.forEach(x -> counts[Files.isDirectory(x) ? 1 : 0]++);
        files = counts[0];
        dirs = counts[1];
      }
      assertEquals((long) DIRS * FILES_PER_DIR, files);
      assertEquals(DIRS + DIRS / 1000 + 1, dirs);
    } finally {
      // The native remover takes seconds where JUnit's recursive @TempDir deletion takes minutes.
      for (String tree : new String[] {"rootfs", "store"}) {
        if (Files.exists(dir.resolve(tree))) {
          dev.jpull.fs.TreeRemover.delete(dir.resolve(tree));
        }
      }
    }
  }

  private static void dirEntry(TarArchiveOutputStream tar, String name) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(040755);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 1 << 16);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }
}
