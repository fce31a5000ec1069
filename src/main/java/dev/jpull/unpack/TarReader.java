package dev.jpull.unpack;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A streaming tar reader for ustar, GNU and PAX archives that never trusts a header with memory: PAX
 * records and GNU long names are read only up to {@link #MAX_METADATA} (Go's archive/tar uses the same
 * 1 MiB bound; commons-compress reads them whole, COMPRESS-723), header checksums are verified, and sparse
 * or multi-volume entries are refused rather than half-understood.
 *
 * <p>Malformed input raises {@link TarFormatException}; the caller decides what that means for the layer.
 */
final class TarReader {
  static final int MAX_METADATA = 1 << 20;
  private static final int BLOCK = 512;
  private static final String XATTR = "SCHILY.xattr.";

  private final InputStream in;
  private final byte[] header = new byte[BLOCK];
  private long remaining;
  private long padding;
  private final EntryStream content = new EntryStream();
  private final byte[] scratch = new byte[64 * 1024];

  TarReader(InputStream in) {
    this.in = in;
  }

  /** The data of the entry last returned by {@link #next()}; reading past its end returns -1. */
  InputStream content() {
    return content;
  }

  /** The next entry, or {@code null} at the end-of-archive marker (or a clean end of stream). */
  TarEntry next() throws IOException {
    skipRest();
    Map<String, byte[]> pax = new HashMap<>();
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    byte[] longName = null;
    byte[] longLink = null;
    while (true) {
      if (!readHeader()) {
        if (!pax.isEmpty() || longName != null || longLink != null) {
          throw new TarFormatException("archive ends after an extended header");
        }
        return null;
      }
      char flag = (char) (header[156] & 0xff);
      long size = number(124, 12, "size");
      if (size < 0) {
        throw new TarFormatException("negative entry size");
      }
      switch (flag) {
        case 'x' -> {
          readPax(size, pax, xattrs);
          continue;
        }
        case 'g' -> {
          // Global headers are ignored, as Go's archive/tar and containerd do; still bounded and consumed.
          readPax(size, new HashMap<>(), new LinkedHashMap<>());
          continue;
        }
        case 'L' -> {
          longName = cString(readMetadata(size, "GNU long name"));
          continue;
        }
        case 'K' -> {
          longLink = cString(readMetadata(size, "GNU long link name"));
          continue;
        }
        case 'S' -> throw new TarFormatException("GNU sparse entries are not supported");
        case 'M' -> throw new TarFormatException("multi-volume archives are not supported");
        default -> {
          // a regular header: handled below
        }
      }
      if (pax.keySet().stream().anyMatch(k -> k.startsWith("GNU.sparse."))) {
        throw new TarFormatException("PAX sparse entries are not supported");
      }
      // Names stay bytes, exactly as written: tar names need not be UTF-8, and Go unpackers create them
      // byte for byte, so decoding here would create another name.
      byte[] name = pax.containsKey("path") ? pax.get("path")
          : longName != null ? longName : ustarName();
      // Pre-POSIX writers marked directories only by a trailing slash on a regular-file header.
      TarEntry.Type type = flag == '\0' && name.length > 0 && name[name.length - 1] == '/'
          ? TarEntry.Type.DIRECTORY : type(flag);
      byte[] link = pax.containsKey("linkpath") ? pax.get("linkpath")
          : longLink != null ? longLink : field(157, 100);
      if (pax.containsKey("size")) {
        size = paxLong(pax.get("size"), "size");
      }
      long dataSize = size;
      if (!type.hasData()) {
        dataSize = 0;
      }
      int mode = (int) (number(100, 8, "mode") & 07777);
      long uid = pax.containsKey("uid") ? paxLong(pax.get("uid"), "uid") : number(108, 8, "uid");
      long gid = pax.containsKey("gid") ? paxLong(pax.get("gid"), "gid") : number(116, 8, "gid");
      FileTime mtime = pax.containsKey("mtime") ? paxTime(pax.get("mtime"))
          : FileTime.from(Instant.ofEpochSecond(number(136, 12, "mtime")));
      int major = 0;
      int minor = 0;
      if (type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE) {
        major = (int) number(329, 8, "devmajor");
        minor = (int) number(337, 8, "devminor");
      }
      remaining = dataSize;
      padding = (BLOCK - dataSize % BLOCK) % BLOCK;
      return new TarEntry(name, type, dataSize, mode, uid, gid, mtime, link, major, minor, xattrs);
    }
  }

  private static TarEntry.Type type(char flag) {
    return switch (flag) {
      case '0', '\0', '7' -> TarEntry.Type.FILE;
      case '1' -> TarEntry.Type.HARDLINK;
      case '2' -> TarEntry.Type.SYMLINK;
      case '3' -> TarEntry.Type.CHAR_DEVICE;
      case '4' -> TarEntry.Type.BLOCK_DEVICE;
      case '5' -> TarEntry.Type.DIRECTORY;
      case '6' -> TarEntry.Type.FIFO;
      default -> TarEntry.Type.OTHER;
    };
  }

  /** Reads one header block; false at the end-of-archive marker or a clean end of stream. */
  private boolean readHeader() throws IOException {
    int n = in.readNBytes(header, 0, BLOCK);
    if (n == 0) {
      return false;
    }
    if (n < BLOCK) {
      throw new EOFException("tar header truncated");
    }
    boolean zero = true;
    for (byte b : header) {
      if (b != 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      return false;
    }
    verifyChecksum();
    return true;
  }

  private void verifyChecksum() throws TarFormatException {
    long stored = number(148, 8, "checksum");
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      byte b = i >= 148 && i < 156 ? (byte) ' ' : header[i];
      unsigned += b & 0xff;
      signed += b;
    }
    // Some historic writers summed signed bytes; both are accepted, as by GNU tar and Go.
    if (stored != unsigned && stored != signed) {
      throw new TarFormatException("tar header checksum mismatch (not a tar archive, or corrupt)");
    }
  }

  private byte[] ustarName() {
    byte[] name = field(0, 100);
    boolean posix = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
        && header[261] == 'r' && header[262] == 0;
    // The prefix field exists only in POSIX ustar; GNU's "ustar  " keeps atime/ctime there.
    if (posix) {
      byte[] prefix = field(345, 155);
      if (prefix.length > 0) {
        byte[] joined = Arrays.copyOf(prefix, prefix.length + 1 + name.length);
        joined[prefix.length] = '/';
        System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
        return joined;
      }
    }
    return name;
  }

  private byte[] field(int off, int len) {
    int end = off;
    while (end < off + len && header[end] != 0) {
      end++;
    }
    return Arrays.copyOfRange(header, off, end);
  }

  /** An octal field, or GNU's base-256 form (high bit of the first byte set) for large values. */
  private long number(int off, int len, String what) throws TarFormatException {
    if ((header[off] & 0x80) != 0) {
      if ((header[off] & 0x40) != 0) {
        throw new TarFormatException("negative base-256 " + what);
      }
      long v = header[off] & 0x3f;
      for (int i = 1; i < len; i++) {
        if ((v >>> 55) != 0) {
          throw new TarFormatException(what + " out of range");
        }
        v = (v << 8) | (header[off + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    int i = off;
    int end = off + len;
    while (i < end && (header[i] == ' ' || header[i] == 0)) {
      i++;
    }
    for (; i < end; i++) {
      byte b = header[i];
      if (b == 0 || b == ' ') {
        break;
      }
      if (b < '0' || b > '7') {
        throw new TarFormatException("invalid octal " + what + " in tar header");
      }
      v = (v << 3) | (b - '0');
    }
    return v;
  }

  private byte[] readMetadata(long size, String what) throws IOException {
    if (size > MAX_METADATA) {
      throw new TarFormatException(what + " of " + size + " bytes exceeds the " + MAX_METADATA + "-byte limit");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new EOFException(what + " truncated");
    }
    skipFully((BLOCK - size % BLOCK) % BLOCK);
    return data;
  }

  /** PAX records: "LEN key=value\n", LEN counting the whole record (POSIX pax, "extended header"). */
  private void readPax(long size, Map<String, byte[]> pax, Map<String, byte[]> xattrs) throws IOException {
    byte[] data = readMetadata(size, "PAX header");
    int pos = 0;
    while (pos < data.length) {
      if (data[pos] == 0) {
        break; // some writers pad the record block with NULs
      }
      int sp = pos;
      long len = 0;
      while (sp < data.length && data[sp] >= '0' && data[sp] <= '9') {
        len = len * 10 + (data[sp] - '0');
        if (len > data.length) {
          throw new TarFormatException("malformed PAX record length");
        }
        sp++;
      }
      if (sp >= data.length || data[sp] != ' ' || len < 5 || pos + len > data.length
          || data[(int) (pos + len - 1)] != '\n') {
        throw new TarFormatException("malformed PAX record");
      }
      int end = (int) (pos + len - 1);
      int eq = sp + 1;
      while (eq < end && data[eq] != '=') {
        eq++;
      }
      if (eq >= end || eq == sp + 1) {
        throw new TarFormatException("malformed PAX record");
      }
      String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
      if (key.startsWith(XATTR)) {
        byte[] value = new byte[end - eq - 1];
        System.arraycopy(data, eq + 1, value, 0, value.length);
        xattrs.put(key.substring(XATTR.length()), value);
      } else {
        byte[] value = Arrays.copyOfRange(data, eq + 1, end);
        if (value.length == 0) {
          pax.remove(key); // an empty value deletes the keyword
        } else {
          pax.put(key, value);
        }
      }
      pos = (int) (pos + len);
    }
  }

  private static long paxLong(byte[] raw, String what) throws TarFormatException {
    String v = new String(raw, StandardCharsets.US_ASCII);
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw new TarFormatException("negative PAX " + what);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new TarFormatException("malformed PAX " + what);
    }
  }

  private static FileTime paxTime(byte[] raw) throws TarFormatException {
    String v = new String(raw, StandardCharsets.US_ASCII);
    try {
      int dot = v.indexOf('.');
      long secs = Long.parseLong(dot < 0 ? v : v.substring(0, dot));
      long nanos = 0;
      if (dot >= 0) {
        String frac = (v.substring(dot + 1) + "000000000").substring(0, 9);
        nanos = Long.parseLong(frac);
        if (v.startsWith("-")) {
          nanos = -nanos;
        }
      }
      return FileTime.from(Instant.ofEpochSecond(secs, nanos));
    } catch (NumberFormatException | java.time.DateTimeException e) {
      throw new TarFormatException("malformed PAX mtime");
    }
  }

  private static byte[] cString(byte[] b) {
    int end = 0;
    while (end < b.length && b[end] != 0) {
      end++;
    }
    return Arrays.copyOf(b, end);
  }

  private void skipRest() throws IOException {
    skipFully(remaining + padding);
    remaining = 0;
    padding = 0;
  }

  /** Skips by reading: the stream below may be hashing (the diffID), and skip() would bypass it. */
  private void skipFully(long n) throws IOException {
    while (n > 0) {
      int r = in.read(scratch, 0, (int) Math.min(scratch.length, n));
      if (r < 0) {
        throw new EOFException("tar entry data truncated");
      }
      n -= r;
    }
  }

  /** The current entry's data, never reading past it. */
  private final class EntryStream extends InputStream {
    private final byte[] one = new byte[1];

    @Override
    public int read() throws IOException {
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw new EOFException("tar entry data truncated");
      }
      remaining -= n;
      return n;
    }
  }
}
