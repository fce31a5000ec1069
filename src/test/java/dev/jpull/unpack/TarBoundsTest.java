package dev.jpull.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.progress.ProgressListener;
import dev.jpull.testing.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader's bounds (issue 12), each named after the finding: a layer that exceeds one is bad content,
 * exit 7, with the layer's digest and what is wrong, never a local error (exit 9) or a bug (exit 1).
 */
class TarBoundsTest {
  @TempDir
  Path tmp;

  @Test
  void aPathComponentOf256BytesIsRefused() throws IOException {
    JpullException e = refused(new TarBuilder().dir("d").file("d/" + "a".repeat(256), "x").build());
    assertTrue(e.getMessage().contains("NAME_MAX"), e.getMessage());
    // 255 is the longest a name may be, and it works.
    Path root = apply(new TarBuilder().dir("d").file("d/" + "a".repeat(255), "x").build());
    assertEquals("x", Files.readString(root.resolve("d/" + "a".repeat(255))));
  }

  @Test
  void aNameOf70000BytesIsRefused() throws IOException {
    String name = ("c".repeat(99) + "/").repeat(700);
    assertEquals(70_000, name.length());
    // Written by hand: commons-compress's writer takes seconds to encode a name this long.
    byte[] pax = TarBuilder.paxRecord("path", name);
    JpullException e = refused(concat(TarBuilder.header("PaxHeader", 'x', pax.length), TarBuilder.pad(pax),
        TarBuilder.header("placeholder", '5', 0)));
    assertTrue(e.getMessage().contains("name of 70000 bytes is longer than PATH_MAX"), e.getMessage());
  }

  @Test
  void aPath5000DirectoriesDeepIsRefused() throws IOException {
    JpullException e = refused(new TarBuilder().file("a/".repeat(5000) + "f", "deep").build());
    assertTrue(e.getMessage().contains("PATH_MAX"), e.getMessage());
  }

  @Test
  void aHardlinkTargetWithAComponentOver255BytesIsRefused() throws IOException {
    JpullException e = refused(new TarBuilder().link("l", "d/" + "t".repeat(300)).build());
    assertTrue(e.getMessage().contains("link target has a path component longer than NAME_MAX"), e.getMessage());
  }

  @Test
  void aSymlinkTargetOfPathMaxBytesIsRefused() throws IOException {
    JpullException e = refused(new TarBuilder().symlink("l", "t/".repeat(2048)).build());
    assertTrue(e.getMessage().contains("link target of 4096 bytes"), e.getMessage());
  }

  @Test
  void hundredThousandPaxHeadersBeforeOneEntryAreRefused() throws IOException {
    byte[] pax = TarBuilder.pad(TarBuilder.paxRecord("path", "p".repeat(200)));
    byte[] one = concat(TarBuilder.header("PaxHeader", 'x', TarBuilder.paxRecord("path", "p".repeat(200)).length), pax);
    // 100,000 headers (about 100 MB) generated as read, then the entry they would describe.
    InputStream headers = new InputStream() {
      private int left = 100_000;
      private int pos = one.length;

      @Override
      public int read() {
        byte[] b = new byte[1];
        return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos == one.length) {
          if (left-- == 0) {
            return -1;
          }
          pos = 0;
        }
        int n = Math.min(len, one.length - pos);
        System.arraycopy(one, pos, b, off, n);
        pos += n;
        return n;
      }
    };
    DecompressionTest.CountingStream layer = new DecompressionTest.CountingStream(new SequenceInputStream(headers,
        new ByteArrayInputStream(new TarBuilder().file("f", "x").build())));
    JpullException e = refused(layer);
    assertTrue(e.getMessage().contains("extended headers"), e.getMessage());
    // The unpacker reads ahead a few MiB on its own thread; the 100 MB behind them are never read.
    assertTrue(layer.count < 16 << 20, "read " + layer.count + " bytes before refusing");
  }

  @Test
  void extendedHeadersOfMoreThanOneMebibyteInAllAreRefused() throws IOException {
    byte[] record = TarBuilder.paxRecord("comment", "c".repeat(600_000));
    byte[] tar = concat(TarBuilder.header("PaxHeader", 'x', record.length), TarBuilder.pad(record),
        TarBuilder.header("PaxHeader", 'x', record.length), TarBuilder.pad(record),
        new TarBuilder().file("f", "x").build());
    assertTrue(refused(tar).getMessage().contains("bytes in all before one entry"));
  }

  @Test
  void aGnuLongNameLargerThanPathMaxIsRefused() throws IOException {
    byte[] name = ("n".repeat(200) + "/").repeat(30).getBytes(StandardCharsets.US_ASCII);
    byte[] tar = concat(TarBuilder.header("././@LongLink", 'L', name.length), TarBuilder.pad(name),
        new TarBuilder().file("f", "x").build());
    JpullException e = refused(tar);
    assertTrue(e.getMessage().contains("GNU long name of 6030 bytes exceeds the 4096-byte limit"), e.getMessage());
  }

  @Test
  void malformedGnuLongNamesAndPaxPathsAreBadContent() throws IOException {
    byte[] truncatedLongName = Arrays.copyOf(TarBuilder.header("././@LongLink", 'L', 400), 512 + 100);
    refused(truncatedLongName);
    byte[] nulPath = TarBuilder.paxRecord("path", "a\0b");
    refused(concat(TarBuilder.header("PaxHeader", 'x', nulPath.length), TarBuilder.pad(nulPath),
        new TarBuilder().file("f", "x").build()));
    byte[] badRecord = "30 path=short\n".getBytes(StandardCharsets.US_ASCII);
    refused(concat(TarBuilder.header("PaxHeader", 'x', badRecord.length), TarBuilder.pad(badRecord),
        new TarBuilder().file("f", "x").build()));
    byte[] onlyHeader = TarBuilder.header("PaxHeader", 'x', 0);
    assertTrue(refused(onlyHeader).getMessage().contains("ends after an extended header"));
  }

  @Test
  void truncatedTarIsBadContent() throws IOException {
    byte[] tar = new TarBuilder().file("f", 0644, new byte[5000]).build();
    for (int cut : new int[] {100, 512 + 1000, 512 + 5000}) {
      JpullException e = refused(Arrays.copyOf(tar, cut));
      assertTrue(e.getMessage().contains("unexpected end of layer data"), cut + ": " + e.getMessage());
    }
  }

  @Test
  void corruptAndTruncatedGzipLayersAreBadContentThroughTheUnpacker() throws IOException {
    byte[] gz = TarBuilder.gzip(new TarBuilder().file("f", 0644, new byte[100_000]).build());
    byte[] flipped = gz.clone();
    flipped[gz.length - 7] ^= 1;
    refused(new ByteArrayInputStream(flipped), MediaTypes.OCI_LAYER_GZIP);
    refused(new ByteArrayInputStream(Arrays.copyOf(gz, gz.length / 2)), MediaTypes.OCI_LAYER_GZIP);
    byte[] zst = TarBuilder.zstd(new TarBuilder().file("f", 0644, new byte[100_000]).build());
    refused(new ByteArrayInputStream(Arrays.copyOf(zst, zst.length - 3)), MediaTypes.OCI_LAYER_ZSTD);
  }

  @Test
  void moreEntriesThanTheBoundAreRefused() throws IOException {
    byte[] tar = new TarBuilder().file("a", "1").file("b", "2").file("c", "3").build();
    TarReader r = new TarReader(new ByteArrayInputStream(tar), 2);
    r.next();
    r.next();
    TarFormatException e = assertThrows(TarFormatException.class, r::next);
    assertTrue(e.getMessage().contains("more than 2 entries"), e.getMessage());
    assertTrue(TarReader.MAX_ENTRIES >= 4 * 500_000, "the default bound is far above the largest real layers");
  }

  @Test
  void pathMaxBoundaryIsExact() throws IOException {
    String fits = ("d".repeat(254) + "/").repeat(16) + "f".repeat(4095 - 255 * 16);
    assertEquals(4095, fits.length());
    TarReader r = new TarReader(new ByteArrayInputStream(new TarBuilder().file(fits, "x").build()));
    assertEquals(fits, r.next().name());
    assertNull(r.next());
    TarReader over = new TarReader(new ByteArrayInputStream(new TarBuilder().file(fits + "g", "x").build()));
    assertThrows(TarFormatException.class, over::next);
  }

  private JpullException refused(byte[] tar) throws IOException {
    return refused(new ByteArrayInputStream(tar));
  }

  private JpullException refused(InputStream tar) throws IOException {
    return refused(tar, MediaTypes.OCI_LAYER);
  }

  /** Applies a layer whose diffID cannot matter: it must fail first, as bad content naming the layer. */
  private JpullException refused(InputStream blob, String mediaType) throws IOException {
    Descriptor layer = new Descriptor(mediaType, Digest.sha256("layer".getBytes(StandardCharsets.UTF_8)), 1);
    Path root = Files.createDirectory(tmp.resolve("root" + System.nanoTime()));
    Rootfs fs = Rootfs.create(root, ProgressListener.NONE);
    JpullException e = assertThrows(JpullException.class,
        () -> fs.applyLayer(blob, layer, Digest.sha256(new byte[0]), 0));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains(layer.digest().toString()), e.getMessage());
    assertTrue(!e.getMessage().contains("wrong diff id"), "refused before the diffID check: " + e.getMessage());
    return e;
  }

  private Path apply(byte[] tar) throws IOException {
    Path root = Files.createDirectory(tmp.resolve("ok" + System.nanoTime()));
    Rootfs fs = Rootfs.create(root, ProgressListener.NONE);
    Descriptor layer = new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(tar), tar.length);
    fs.applyLayer(new ByteArrayInputStream(tar), layer, Digest.sha256(tar), 0);
    fs.finish();
    return root;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
