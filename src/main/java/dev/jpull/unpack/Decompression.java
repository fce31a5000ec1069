package dev.jpull.unpack;

import com.github.luben.zstd.ZstdIOException;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.MediaTypes;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;

/**
 * Opens a layer blob as an uncompressed tar: the compression its media type declares, confirmed (or, for
 * a plain-tar type, discovered) by magic bytes. In-process only: no external decompressor is ever run
 * (CVE-2014-9357). gzip reads every concatenated member (JDK-7036144) with bounded header fields
 * ({@link GzipDecoder}); zstd frames may ask for a window of at most 2^{@value #ZSTD_WINDOW_LOG_MAX}
 * bytes.
 *
 * <p>Data that does not decompress fails with {@link Kind#VERIFICATION} naming the layer, from the stream
 * itself, so every reader (unpack, export) classifies it alike; errors reading the blob pass through.
 */
public final class Decompression {
  /**
   * zstd's window limit as a log2: 2^27 = 128 MiB, libzstd's own default ({@code ZSTD_WINDOWLOG_LIMIT_DEFAULT})
   * and the largest window {@code zstd --long} writes by default. A frame asking for more (up to 2^31 in
   * the format) is refused before the decoder allocates it: the window is native memory, outside the heap.
   */
  static final int ZSTD_WINDOW_LOG_MAX = 27;
  private static final int BUFFER = 256 * 1024;

  private Decompression() {}

  public static InputStream open(InputStream blob, Descriptor layer) throws IOException {
    MediaTypes.Compression declared = MediaTypes.layerCompression(layer.mediaType());
    if (declared == null) {
      throw new JpullException(Kind.UNSUPPORTED, "layer " + layer.digest() + " has unsupported media type "
          + Quoted.of(layer.mediaType()));
    }
    // The magic bytes are pushed back, not buffered: a BufferedInputStream here, under the decoder and
    // under the BufferedInputStream above it, made HotSpot's C2 inline the two into each other through
    // BufferedInputStream.fill's shared call profile, and that one compile of GzipDecoder.fill took 60-95 MB
    // of compiler arena on Java 17 (peak RSS of a 1.1 GB pull 135 -> 200+ MiB in a third of the runs).
    PushbackInputStream in = new PushbackInputStream(blob, 4);
    byte[] magic = in.readNBytes(4);
    in.unread(magic);
    MediaTypes.Compression actual = sniff(magic);
    if (declared != MediaTypes.Compression.NONE && actual != declared) {
      throw new JpullException(Kind.VERIFICATION, "layer " + layer.digest() + " is declared " + declared
          + " but its bytes are " + actual);
    }
    String what = "layer " + layer.digest();
    return switch (actual) {
      case GZIP -> new BufferedInputStream(new GzipDecoder(in, what), BUFFER);
      case ZSTD -> new BufferedInputStream(new ZstdDecoder(in, what), BUFFER);
      case NONE -> new BufferedInputStream(in, BUFFER);
    };
  }

  /** zstd-jni with the window bounded; its decoding errors ({@link ZstdIOException}) become bad content. */
  private static final class ZstdDecoder extends FilterInputStream {
    private final String what;

    ZstdDecoder(InputStream in, String what) throws IOException {
      super(new ZstdInputStreamNoFinalizer(in).setLongMax(ZSTD_WINDOW_LOG_MAX));
      this.what = what;
    }

    @Override
    public int read() throws IOException {
      try {
        return in.read();
      } catch (ZstdIOException e) {
        throw corrupt(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (ZstdIOException e) {
        throw corrupt(e);
      }
    }

    @Override
    public long skip(long n) throws IOException {
      try {
        return in.skip(n);
      } catch (ZstdIOException e) {
        throw corrupt(e);
      }
    }

    private JpullException corrupt(ZstdIOException e) {
      String problem = "Truncated source".equals(e.getMessage())
          ? "unexpected end of zstd data (the layer is truncated)"
          : "corrupt zstd data (" + e.getMessage() + ")";
      return new JpullException(Kind.VERIFICATION, what + ": " + problem, e);
    }
  }

  static MediaTypes.Compression sniff(byte[] m) {
    if (m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b) {
      return MediaTypes.Compression.GZIP;
    }
    if (m.length >= 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5 && (m[2] & 0xff) == 0x2f
        && (m[3] & 0xff) == 0xfd) {
      return MediaTypes.Compression.ZSTD;
    }
    return MediaTypes.Compression.NONE;
  }
}
