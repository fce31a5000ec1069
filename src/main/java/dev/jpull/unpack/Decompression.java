package dev.jpull.unpack;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.MediaTypes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Opens a layer blob as an uncompressed tar: the compression its media type declares, confirmed (or, for
 * a plain-tar type, discovered) by magic bytes. In-process only: no external decompressor is ever run
 * (CVE-2014-9357). gzip reads every concatenated member (JDK-7036144).
 */
public final class Decompression {
  private static final int BUFFER = 256 * 1024;

  private Decompression() {}

  public static InputStream open(InputStream blob, Descriptor layer) throws IOException {
    MediaTypes.Compression declared = MediaTypes.layerCompression(layer.mediaType());
    if (declared == null) {
      throw new JpullException(Kind.UNSUPPORTED, "layer " + layer.digest() + " has unsupported media type "
          + Quoted.of(layer.mediaType()));
    }
    BufferedInputStream in = new BufferedInputStream(blob, BUFFER);
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    MediaTypes.Compression actual = sniff(magic);
    if (declared != MediaTypes.Compression.NONE && actual != declared) {
      throw new JpullException(Kind.VERIFICATION, "layer " + layer.digest() + " is declared " + declared
          + " but its bytes are " + actual);
    }
    return switch (actual) {
      case GZIP -> new BufferedInputStream(GzipCompressorInputStream.builder().setInputStream(in)
          .setDecompressConcatenated(true).get(), BUFFER);
      case ZSTD -> new BufferedInputStream(new ZstdInputStreamNoFinalizer(in), BUFFER);
      case NONE -> in;
    };
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
