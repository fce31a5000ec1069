package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jpull.oci.Digest;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.RegistryServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory stays flat whatever the layer holds: a layer with a 2 GiB file (2 MiB compressed) is pulled and
 * unpacked by the real launcher with its heap capped at 128 MiB. Nothing may buffer an entry or a blob.
 */
class LargeLayerIT {
  private static final long SIZE = 2L << 30;

  @TempDir
  Path dir;

  @BeforeAll
  static void registry() {
    dev.jpull.testing.Heavy.require("a 2 GiB layer");
    RegistryServer.requireAvailable();
  }

  @Test
  void twoGibFileUnpacksUnderA128MibHeap() throws Exception {
    MessageDigest diff = MessageDigest.getInstance("SHA-256");
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream zip = new FastGzip(gz);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new DigestOutputStream(zip, diff))) {
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      TarArchiveEntry e = new TarArchiveEntry("data/big.bin");
      e.setSize(SIZE);
      tar.putArchiveEntry(e);
      byte[] chunk = new byte[1 << 20];
      chunk[0] = 'j'; // one marked byte per MiB, checked below
      for (long done = 0; done < SIZE; done += chunk.length) {
        tar.write(chunk);
      }
      tar.closeArchiveEntry();
    }
    byte[] layer = gz.toByteArray();
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
      pusher.blob("big/file", layerDigest, layer);
      pusher.blob("big/file", configDigest, config);
      pusher.manifest("big/file", "v1", "application/vnd.oci.image.manifest.v1+json", manifest);

      Path rootfs = dir.resolve("rootfs");
      ProcessBuilder pb = new ProcessBuilder(Launcher.path().toString(), "pull", "--store", dir.resolve("store").toString(),
          "--rootfs", rootfs.toString(), "--progress", "plain", "--plain-http", registry.hostPort() + "/big/file:v1")
          .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
      pb.environment().put("JPULL_JAVA_OPTS", "-Xmx128m");
      Process p = pb.start();
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("pull of the 2 GiB layer timed out");
      }
      assertEquals(0, p.exitValue(), Files.readString(dir.resolve("out.txt")));

      Path big = rootfs.resolve("data/big.bin");
      assertEquals(SIZE, Files.size(big));
      try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "r")) {
        for (long off : new long[] {0, 1L << 20, SIZE - (1 << 20)}) {
          f.seek(off);
          assertEquals('j', f.read(), "marked byte at " + off);
          assertEquals(0, f.read(), "byte after the mark at " + off);
        }
      }
    }
  }

  /** Level 1: the test spends its time in jpull, not in compressing zeros. */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 1 << 16);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }
}
