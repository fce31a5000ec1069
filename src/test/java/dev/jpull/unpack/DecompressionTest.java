package dev.jpull.unpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdOutputStream;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.testing.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.FilterInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/** Layer decompression: gzip members with every header field, zstd windows, and what bad data becomes. */
class DecompressionTest {
  private static final Descriptor GZIP = layer(MediaTypes.OCI_LAYER_GZIP);
  private static final Descriptor ZSTD = layer(MediaTypes.OCI_LAYER_ZSTD);
  private static final byte[] DATA = randomText(300_000);

  @Test
  void concatenatedMembersWithEveryHeaderFieldAreOneStream() throws IOException {
    byte[] a = Arrays.copyOfRange(DATA, 0, 100_000);
    byte[] b = Arrays.copyOfRange(DATA, 100_000, DATA.length);
    byte[] gz = concat(member(a, FNAME | FCOMMENT | FEXTRA | FHCRC, "name.tar", "a comment", new byte[300]),
        member(new byte[0], 0, null, null, null), member(b, FNAME, "n".repeat(511), null, null));
    assertArrayEquals(DATA, inflate(gz, GZIP));
  }

  @Test
  void readsWhatTheJdkWrites() throws IOException {
    assertArrayEquals(DATA, inflate(TarBuilder.gzip(DATA), GZIP));
  }

  /**
   * Peak RSS of a 1.1 GB pull spiked from ~135 to 200+ MiB in a third of the runs: the blob was read through
   * a BufferedInputStream under the decoder as well as over it, and C2 inlined the two into each other
   * through BufferedInputStream.fill's shared call profile (one compile of GzipDecoder.fill took 60-95 MB of
   * compiler arena on Java 17). Now only the decoder reads the blob, in its own 64 KiB reads, after the
   * four bytes of magic.
   */
  @Test
  void peakRssSpikeFromStackedBufferedStreamsTheBlobIsReadOnlyByTheDecoder() throws IOException {
    List<Integer> asked = new ArrayList<>();
    InputStream blob = new FilterInputStream(new ByteArrayInputStream(TarBuilder.gzip(randomText(1 << 20)))) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        asked.add(len);
        return super.read(b, off, len);
      }
    };
    try (InputStream in = Decompression.open(blob, GZIP)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    assertTrue(asked.size() > 4, asked.toString());
    assertTrue(asked.stream().allMatch(n -> n <= 64 * 1024), "reads of the blob asked for " + asked);
  }

  @Test
  void gzipFileNameOf64MiBIsRefusedWithoutBufferingIt() {
    // commons-compress 1.28.0 collected FNAME up to its NUL, however far away: 64 MiB in memory here.
    byte[] head = {0x1f, (byte) 0x8b, 8, FNAME, 0, 0, 0, 0, 0, 3};
    CountingStream endless = new CountingStream(new SequenceInputStream(new ByteArrayInputStream(head),
        repeat((byte) 'a', 64L << 20)));
    JpullException e = assertRefused(endless, GZIP);
    assertTrue(e.getMessage().contains("file name longer than 511 bytes"), e.getMessage());
    assertTrue(endless.count < 1 << 20, "read " + endless.count + " bytes of a header field");
  }

  @Test
  void gzipCommentOverTheBoundIsRefused() {
    byte[] gz = member(DATA, FCOMMENT, null, "c".repeat(512), null);
    assertTrue(assertRefused(gz, GZIP).getMessage().contains("comment longer than 511 bytes"));
  }

  @Test
  void badHeaderChecksumIsRefused() {
    byte[] gz = member(DATA, FNAME | FHCRC, "x", null, null);
    gz[10] = 'y';
    assertTrue(assertRefused(gz, GZIP).getMessage().contains("header checksum"));
  }

  @Test
  void corruptGzipIsBadContentNamingTheLayer() {
    byte[] gz = TarBuilder.gzip(DATA);
    byte[] crc = gz.clone();
    crc[crc.length - 6] ^= 1;
    assertTrue(assertRefused(crc, GZIP).getMessage().contains("CRC32 mismatch"));
    byte[] size = gz.clone();
    size[size.length - 2] ^= 1;
    assertTrue(assertRefused(size, GZIP).getMessage().contains("ISIZE"));
    byte[] deflate = gz.clone();
    for (int i = 20; i < 60; i++) {
      deflate[i] = (byte) 0xff;
    }
    assertRefused(deflate, GZIP);
    byte[] method = gz.clone();
    method[2] = 7;
    assertTrue(assertRefused(method, GZIP).getMessage().contains("compression method"));
    byte[] reserved = gz.clone();
    reserved[3] = (byte) 0x80;
    assertTrue(assertRefused(reserved, GZIP).getMessage().contains("reserved"));
  }

  @Test
  void truncatedGzipIsBadContent() {
    byte[] gz = TarBuilder.gzip(DATA);
    for (int cut : new int[] {5, 12, gz.length / 2, gz.length - 4, gz.length - 1}) {
      JpullException e = assertRefused(Arrays.copyOf(gz, cut), GZIP);
      assertTrue(e.getMessage().contains("truncated"), cut + ": " + e.getMessage());
    }
  }

  @Test
  void bytesAfterTheLastMemberAreRefused() {
    byte[] gz = concat(TarBuilder.gzip(DATA), new byte[] {0, 0, 0, 0});
    assertTrue(assertRefused(gz, GZIP).getMessage().contains("after the last gzip member"));
  }

  @Test
  void aFailingBlobReadIsNotBlamedOnTheLayer() throws IOException {
    IOException disk = new IOException("Input/output error");
    byte[] gz = TarBuilder.gzip(DATA);
    InputStream failing = new SequenceInputStream(new ByteArrayInputStream(gz, 0, 1000), new InputStream() {
      @Override
      public int read() throws IOException {
        throw disk;
      }
    });
    try (InputStream in = Decompression.open(failing, GZIP)) {
      assertSame(disk, assertThrows(IOException.class, in::readAllBytes));
    }
  }

  @Test
  void zstdRoundTrips() throws IOException {
    assertArrayEquals(DATA, inflate(zstdStream(DATA), ZSTD));
  }

  @Test
  void zstdFrameAskingForA2GiBWindowIsRefused() throws IOException {
    byte[] frame = zstdStream(DATA);
    // Frame header: magic, descriptor (no content size, not single-segment), then the window descriptor.
    assertEquals(0, frame[4] & 0x20, "streamed frames carry a window descriptor");
    frame[5] = (byte) (21 << 3); // exponent 21: a window of 2^(10+21) = 2 GiB
    JpullException e = assertRefused(frame, ZSTD);
    assertTrue(e.getMessage().contains("zstd"), e.getMessage());
  }

  @Test
  void corruptAndTruncatedZstdAreBadContent() throws IOException {
    byte[] frame = zstdStream(DATA);
    assertTrue(assertRefused(Arrays.copyOf(frame, frame.length / 2), ZSTD).getMessage().contains("truncated"));
    byte[] bad = frame.clone();
    for (int i = 12; i < 40; i++) {
      bad[i] ^= 0x5a;
    }
    assertRefused(bad, ZSTD);
  }

  private static JpullException assertRefused(byte[] blob, Descriptor layer) {
    return assertRefused(new ByteArrayInputStream(blob), layer);
  }

  private static JpullException assertRefused(InputStream blob, Descriptor layer) {
    JpullException e = assertThrows(JpullException.class, () -> {
      try (InputStream in = Decompression.open(blob, layer)) {
        in.transferTo(OutputStream.nullOutputStream());
      }
    });
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertTrue(e.getMessage().startsWith("layer " + layer.digest() + ": "), e.getMessage());
    return e;
  }

  private static byte[] inflate(byte[] blob, Descriptor layer) throws IOException {
    try (InputStream in = Decompression.open(new ByteArrayInputStream(blob), layer)) {
      return in.readAllBytes();
    }
  }

  private static final int FHCRC = 0x02;
  private static final int FEXTRA = 0x04;
  private static final int FNAME = 0x08;
  private static final int FCOMMENT = 0x10;

  /** One gzip member written field by field (RFC 1952), so every optional header field can be set. */
  static byte[] member(byte[] data, int flags, String name, String comment, byte[] extra) {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, (byte) flags, 1, 2, 3, 4, 0, 3});
    if ((flags & FEXTRA) != 0) {
      h.write(extra.length & 0xff);
      h.write(extra.length >>> 8);
      h.writeBytes(extra);
    }
    if ((flags & FNAME) != 0) {
      h.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
      h.write(0);
    }
    if ((flags & FCOMMENT) != 0) {
      h.writeBytes(comment.getBytes(StandardCharsets.ISO_8859_1));
      h.write(0);
    }
    if ((flags & FHCRC) != 0) {
      CRC32 c = new CRC32();
      c.update(h.toByteArray());
      h.write((int) c.getValue() & 0xff);
      h.write((int) (c.getValue() >>> 8) & 0xff);
    }
    Deflater d = new Deflater(6, true);
    d.setInput(data);
    d.finish();
    byte[] chunk = new byte[8192];
    while (!d.finished()) {
      h.write(chunk, 0, d.deflate(chunk));
    }
    d.end();
    CRC32 crc = new CRC32();
    crc.update(data);
    for (long v : new long[] {crc.getValue(), data.length}) {
      for (int i = 0; i < 4; i++) {
        h.write((int) (v >>> (8 * i)) & 0xff);
      }
    }
    return h.toByteArray();
  }

  private static byte[] zstdStream(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZstdOutputStream z = new ZstdOutputStream(out, 3)) {
      z.write(data);
    }
    return out.toByteArray();
  }

  private static Descriptor layer(String mediaType) {
    return new Descriptor(mediaType, Digest.sha256(mediaType.getBytes(StandardCharsets.UTF_8)), 1);
  }

  private static byte[] randomText(int n) {
    Random r = new Random(12);
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ('a' + r.nextInt(8));
    }
    return b;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** {@code n} copies of {@code b}, generated as read, never held. */
  static InputStream repeat(byte b, long n) {
    return new InputStream() {
      private long left = n;

      @Override
      public int read() {
        return left-- > 0 ? b & 0xff : -1;
      }

      @Override
      public int read(byte[] buf, int off, int len) {
        if (left <= 0) {
          return -1;
        }
        int k = (int) Math.min(len, left);
        Arrays.fill(buf, off, off + k, b);
        left -= k;
        return k;
      }
    };
  }

  /** Counts what a decoder took from its source. */
  static final class CountingStream extends java.io.FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
