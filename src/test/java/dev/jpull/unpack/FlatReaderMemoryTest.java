package dev.jpull.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.testing.TarBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader and the gzip decoder keep nothing per entry: a 500,000-entry gzip layer, generated as it
 * is read, streams through them in a JVM with a 32 MiB heap (a third of the launcher's), where keeping
 * even 70 bytes per entry would run out of memory.
 */
class FlatReaderMemoryTest {
  static final int ENTRIES = 500_000;

  @TempDir
  Path tmp;

  @Test
  void aHalfMillionEntryLayerStreamsInASmallHeap() throws Exception {
    Path out = tmp.resolve("out.txt");
    Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx32m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Child.class.getName(),
        Integer.toString(ENTRIES)))
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    // A hang guard, not a timing assertion.
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + Files.readString(out));
    }
    String printed = Files.readString(out);
    assertEquals(0, p.exitValue(), printed);
    assertTrue(printed.contains("entries=" + ENTRIES + " "), printed);
  }

  /** Runs in the small heap: gzip layer → Decompression → ReadAhead → TarReader, every entry's data read. */
  static final class Child {
    public static void main(String[] args) throws IOException {
      int n = Integer.parseInt(args[0]);
      Descriptor layer = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(new byte[0]), 1);
      long entries = 0;
      long bytes = 0;
      byte[] buf = new byte[8192];
      try (InputStream tar = new ReadAhead(Decompression.open(gzip(new Layer(n)), layer), 1 << 20, 4, "read")) {
        TarReader r = new TarReader(tar);
        TarEntry e;
        while ((e = r.next()) != null) {
          entries++;
          int k;
          while ((k = r.content().read(buf)) > 0) {
            bytes += k;
          }
          if (e.name().isEmpty()) {
            throw new AssertionError("unnamed entry");
          }
        }
      }
      System.out.println("entries=" + entries + " bytes=" + bytes);
    }
  }

  /** Gzip framing around a deflate stream computed as it is read: the trailer only once the input ends. */
  static InputStream gzip(InputStream raw) {
    CheckedInputStream checked = new CheckedInputStream(raw, new CRC32());
    Deflater deflater = new Deflater(1, true);
    InputStream body = new DeflaterInputStream(checked, deflater, 1 << 16);
    InputStream trailer = new InputStream() {
      private byte[] t;
      private int pos;

      @Override
      public int read() {
        if (t == null) {
          long crc = checked.getChecksum().getValue();
          long size = deflater.getBytesRead();
          t = new byte[8];
          for (int i = 0; i < 4; i++) {
            t[i] = (byte) (crc >>> (8 * i));
            t[4 + i] = (byte) (size >>> (8 * i));
          }
        }
        return pos < t.length ? t[pos++] & 0xff : -1;
      }
    };
    byte[] header = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    return new SequenceInputStream(new SequenceInputStream(new java.io.ByteArrayInputStream(header), body), trailer);
  }

  /** A tar of {@code n} entries (a directory every 1,000, small files between), made as it is read. */
  static final class Layer extends InputStream {
    private final int n;
    private int next;
    private byte[] block = new byte[0];
    private int pos;
    private boolean ended;

    Layer(int n) {
      this.n = n;
    }

    @Override
    public int read() {
      byte[] b = new byte[1];
      return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos == block.length && !advance()) {
        return -1;
      }
      int k = Math.min(len, block.length - pos);
      System.arraycopy(block, pos, b, off, k);
      pos += k;
      return k;
    }

    private boolean advance() {
      if (ended) {
        return false;
      }
      pos = 0;
      if (next == n) {
        ended = true;
        block = new byte[1024];
        return true;
      }
      int i = next++;
      String dir = String.format("usr/share/d%04d/", i / 1000);
      if (i % 1000 == 0) {
        block = TarBuilder.header(dir, '5', 0);
      } else if (i % 10 == 0) {
        byte[] data = ("content of entry " + i + "\n").getBytes(StandardCharsets.US_ASCII);
        block = new byte[1024];
        System.arraycopy(TarBuilder.header(dir + "f" + i, '0', data.length), 0, block, 0, 512);
        System.arraycopy(data, 0, block, 512, data.length);
      } else {
        block = TarBuilder.header(dir + "f" + i, '0', 0);
      }
      return true;
    }
  }
}
