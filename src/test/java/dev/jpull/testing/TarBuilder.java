package dev.jpull.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds tar layers in memory for tests, in the style of containerd's {@code tartest}: names are written
 * exactly as given (no normalisation), so hostile entries ({@code ../x}, {@code /abs}) can be expressed.
 * Use {@link #raw(byte[])} to append a hand-made 512-byte header block.
 */
public final class TarBuilder {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;
  private long mtime = 1_700_000_000L;
  private int uid = 0;
  private int gid = 0;

  public TarBuilder() {
    tar = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
  }

  public TarBuilder mtime(long epochSeconds) {
    this.mtime = epochSeconds;
    return this;
  }

  public TarBuilder owner(int uid, int gid) {
    this.uid = uid;
    this.gid = gid;
    return this;
  }

  public TarBuilder dir(String name) {
    return dir(name, 0755);
  }

  public TarBuilder dir(String name, int mode) {
    TarArchiveEntry e = entry(name, TarConstants.LF_DIR);
    e.setMode(040000 | mode);
    return put(e, null);
  }

  public TarBuilder file(String name, String content) {
    return file(name, 0644, content.getBytes(StandardCharsets.UTF_8));
  }

  public TarBuilder file(String name, int mode, String content) {
    return file(name, mode, content.getBytes(StandardCharsets.UTF_8));
  }

  public TarBuilder file(String name, int mode, byte[] content) {
    TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL);
    e.setMode(0100000 | mode);
    e.setSize(content.length);
    return put(e, content);
  }

  public TarBuilder symlink(String name, String target) {
    TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK);
    e.setMode(0120777);
    e.setLinkName(target);
    return put(e, null);
  }

  public TarBuilder link(String name, String target) {
    TarArchiveEntry e = entry(name, TarConstants.LF_LINK);
    e.setMode(0100644);
    e.setLinkName(target);
    return put(e, null);
  }

  /** {@code dir/.wh.name}: removes {@code name} from lower layers. */
  public TarBuilder whiteout(String path) {
    int slash = path.lastIndexOf('/');
    String name = slash < 0 ? ".wh." + path : path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
    return file(name, 0644, new byte[0]);
  }

  /** {@code dir/.wh..wh..opq}: hides everything lower layers put in {@code dir}. */
  public TarBuilder opaque(String dir) {
    String d = dir.isEmpty() || dir.endsWith("/") ? dir : dir + "/";
    return file(d + ".wh..wh..opq", 0644, new byte[0]);
  }

  public TarBuilder charDevice(String name, int major, int minor) {
    return device(name, TarConstants.LF_CHR, 020000, major, minor);
  }

  public TarBuilder blockDevice(String name, int major, int minor) {
    return device(name, TarConstants.LF_BLK, 060000, major, minor);
  }

  public TarBuilder fifo(String name) {
    TarArchiveEntry e = entry(name, TarConstants.LF_FIFO);
    e.setMode(010644);
    return put(e, null);
  }

  private TarBuilder device(String name, byte type, int typeBits, int major, int minor) {
    TarArchiveEntry e = entry(name, type);
    e.setMode(typeBits | 0644);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    return put(e, null);
  }

  /** Adds a PAX extended attribute to the next entry only via {@link #entry(TarArchiveEntry, byte[])}. */
  public TarBuilder entry(TarArchiveEntry e, byte[] content) {
    return put(e, content);
  }

  /** Appends raw bytes (e.g. a hand-made header block) to the archive. */
  public TarBuilder raw(byte[] block) {
    try {
      tar.flush();
      bytes.write(block);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** A fresh entry with this builder's owner and time; the name is kept verbatim. */
  public TarArchiveEntry entry(String name, byte type) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setModTime(mtime * 1000);
    e.setUserId(uid);
    e.setGroupId(gid);
    return e;
  }

  private TarBuilder put(TarArchiveEntry e, byte[] content) {
    try {
      tar.putArchiveEntry(e);
      if (content != null) {
        tar.write(content);
      }
      tar.closeArchiveEntry();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return this;
  }

  /** The finished uncompressed tar. */
  public byte[] build() {
    try {
      tar.finish();
      tar.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The finished tar, gzip-compressed. */
  public byte[] buildGzip() {
    return gzip(build());
  }

  public static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * A hand-made ustar header block with a valid checksum, for entries a writer would not produce (PAX
   * headers in bulk, oversized GNU long names, fields out of range). {@code name} is written verbatim.
   */
  public static byte[] header(String name, char type, long size) {
    byte[] h = new byte[512];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, h, 0, Math.min(n.length, 100));
    octal(h, 100, 8, 0644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, 1_700_000_000L);
    h[156] = (byte) type;
    System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
    h[263] = '0';
    h[264] = '0';
    checksum(h);
    return h;
  }

  /** Recomputes the checksum of a header block after its fields were changed by hand. */
  public static void checksum(byte[] h) {
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 7, sum);
    h[155] = ' ';
  }

  /** One PAX record, "LEN key=value\n". */
  public static byte[] paxRecord(String key, String value) {
    String body = " " + key + "=" + value + "\n";
    int bodyLength = body.getBytes(StandardCharsets.UTF_8).length;
    int len = bodyLength + 1;
    while (len != bodyLength + Integer.toString(len).length()) {
      len = bodyLength + Integer.toString(len).length();
    }
    return (len + body).getBytes(StandardCharsets.UTF_8);
  }

  /** {@code data} padded with NULs to whole 512-byte blocks. */
  public static byte[] pad(byte[] data) {
    return java.util.Arrays.copyOf(data, (data.length + 511) / 512 * 512);
  }

  private static void octal(byte[] h, int off, int len, long v) {
    String s = Long.toOctalString(v);
    if (s.length() > len - 1) {
      throw new IllegalArgumentException(v + " does not fit an octal field of " + len + " bytes");
    }
    String padded = "0".repeat(len - 1 - s.length()) + s;
    System.arraycopy(padded.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
    h[off + len - 1] = 0;
  }

  public static byte[] zstd(byte[] data) {
    return com.github.luben.zstd.Zstd.compress(data, 3);
  }
}
