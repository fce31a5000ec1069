package dev.jpull.unpack;

import dev.jpull.Quoted;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A streaming tar reader for ustar, GNU and PAX archives that never trusts a header with memory or time.
 * The bounds, each refused with a {@link TarFormatException} where the header is parsed:
 *
 * <ul>
 *   <li>a path component of more than {@link #NAME_MAX} (255) bytes in an entry name or hardlink target;
 *   <li>an entry name or link target of {@link #PATH_MAX} (4,096) bytes or more: with its terminating NUL
 *       it must fit in PATH_MAX, the longest path a Linux system call takes;
 *   <li>a GNU long name or long link record ({@code L}, {@code K}) larger than {@link #PATH_MAX};
 *   <li>more than {@link #MAX_EXTENSION_HEADERS} extension headers ({@code x}, {@code g}, {@code L},
 *       {@code K}) in a row before one entry, or more than {@link #MAX_EXTENSION_BYTES} (1 MiB, Go's
 *       archive/tar bound for one such header; commons-compress read them whole, COMPRESS-723) in all of
 *       them together, so 100,000 PAX headers cost 17 header reads, not a map of 100,000 merges;
 *   <li>extended attributes beyond what Linux can store: a name over {@link #XATTR_NAME_MAX}, a value over
 *       {@link #XATTR_SIZE_MAX}, names over {@link #XATTR_LIST_MAX} in all;
 *   <li>more than {@link #MAX_ENTRIES} (2^22, 4,194,304) entries in one layer, eight times the 500,000 of
 *       the largest images jpull is tested with.
 * </ul>
 *
 * <p>Header checksums are verified, numbers parsed as Go's archive/tar does (octal, or GNU base-256 with
 * its sign), NUL refused in PAX names and keys (as Go), and sparse or multi-volume entries refused rather
 * than half-understood. Only the PAX keywords jpull uses are kept; nothing outlives its entry.
 *
 * <p>Malformed input raises {@link TarFormatException}; the caller decides what that means for the layer.
 */
final class TarReader {
  static final int NAME_MAX = 255;
  static final int PATH_MAX = 4096;
  static final int MAX_EXTENSION_BYTES = 1 << 20;
  static final int MAX_EXTENSION_HEADERS = 16;
  static final int MAX_ENTRIES = 1 << 22;
  static final int XATTR_NAME_MAX = 255;
  static final int XATTR_SIZE_MAX = 1 << 16;
  static final int XATTR_LIST_MAX = 1 << 16;
  /** uid_t and gid_t are 32 bits; a larger id cannot be set, only truncated into another. */
  private static final long MAX_ID = 0xffffffffL;
  private static final int BLOCK = 512;
  private static final String XATTR = "SCHILY.xattr.";
  private static final byte[] NONE = new byte[0];

  private final InputStream in;
  private final long maxEntries;
  private final byte[] header = new byte[BLOCK];
  private long remaining;
  private long padding;
  private long entries;
  private final EntryStream content = new EntryStream();
  private final byte[] scratch = new byte[64 * 1024];

  TarReader(InputStream in) {
    this(in, MAX_ENTRIES);
  }

  /** A reader with another entry bound: tests, which cannot afford four million headers. */
  TarReader(InputStream in, long maxEntries) {
    this.in = in;
    this.maxEntries = maxEntries;
  }

  /** The data of the entry last returned by {@link #next()}; reading past its end returns -1. */
  InputStream content() {
    return content;
  }

  /** The next entry, or {@code null} at the end-of-archive marker (or a clean end of stream). */
  TarEntry next() throws IOException {
    skipRest();
    Pax pax = null;
    byte[] longName = null;
    byte[] longLink = null;
    int extensions = 0;
    long extensionBytes = 0;
    while (true) {
      if (!readHeader()) {
        if (extensions > 0) {
          throw new TarFormatException("archive ends after an extended header");
        }
        return null;
      }
      char flag = (char) (header[156] & 0xff);
      long size = number(124, 12, "size");
      if (size < 0) {
        throw new TarFormatException("negative entry size");
      }
      if (flag == 'x' || flag == 'g' || flag == 'L' || flag == 'K') {
        if (++extensions > MAX_EXTENSION_HEADERS) {
          throw new TarFormatException("more than " + MAX_EXTENSION_HEADERS
              + " extended headers (PAX or GNU long names) in a row before one entry");
        }
        String what = flag == 'x' || flag == 'g' ? "PAX header" : flag == 'L' ? "GNU long name" : "GNU long link name";
        long limit = flag == 'L' || flag == 'K' ? PATH_MAX : MAX_EXTENSION_BYTES;
        if (size > limit) {
          throw new TarFormatException(what + " of " + size + " bytes exceeds the " + limit + "-byte limit");
        }
        extensionBytes += size;
        if (extensionBytes > MAX_EXTENSION_BYTES) {
          throw new TarFormatException("extended headers of more than " + MAX_EXTENSION_BYTES
              + " bytes in all before one entry");
        }
        byte[] data = readMetadata(size, what);
        switch (flag) {
          case 'x' -> pax = parsePax(data, pax == null ? new Pax() : pax);
          // Global headers are ignored, as Go's archive/tar and containerd do; still bounded and checked.
          case 'g' -> parsePax(data, new Pax());
          case 'L' -> longName = cString(data);
          default -> longLink = cString(data);
        }
        continue;
      }
      if (flag == 'S') {
        throw new TarFormatException("GNU sparse entries are not supported");
      }
      if (flag == 'M') {
        throw new TarFormatException("multi-volume archives are not supported");
      }
      if (pax != null && pax.sparse) {
        throw new TarFormatException("PAX sparse entries are not supported");
      }
      return entry(flag, size, pax, longName, longLink);
    }
  }

  private TarEntry entry(char flag, long headerSize, Pax pax, byte[] longName, byte[] longLink) throws IOException {
    // Names stay bytes, exactly as written: tar names need not be UTF-8, and Go unpackers create them
    // byte for byte, so decoding here would create another name.
    byte[] name = pax != null && pax.path != null ? pax.path : longName != null ? longName : ustarName();
    checkPath(name, name, "name", true);
    // Pre-POSIX writers marked directories only by a trailing slash on a regular-file header.
    TarEntry.Type type = flag == '\0' && name.length > 0 && name[name.length - 1] == '/'
        ? TarEntry.Type.DIRECTORY : type(flag);
    byte[] link = NONE;
    if (type == TarEntry.Type.HARDLINK || type == TarEntry.Type.SYMLINK) {
      link = pax != null && pax.linkpath != null ? pax.linkpath : longLink != null ? longLink : field(157, 100);
      // A hardlink target names an entry of the tree; a symlink's is free text, bounded by symlink(2) only.
      checkPath(name, link, "link target", type == TarEntry.Type.HARDLINK);
    }
    long size = pax != null && pax.size != null ? paxNumber(pax.size, "size", Long.MAX_VALUE) : headerSize;
    long dataSize = type.hasData() ? size : 0;
    long mode = number(100, 8, "mode");
    if (mode < 0) {
      throw new TarFormatException("negative mode");
    }
    long uid = pax != null && pax.uid != null ? paxNumber(pax.uid, "uid", MAX_ID) : id(108, "uid");
    long gid = pax != null && pax.gid != null ? paxNumber(pax.gid, "gid", MAX_ID) : id(116, "gid");
    FileTime mtime = pax != null && pax.mtime != null ? paxTime(pax.mtime) : headerTime();
    int major = 0;
    int minor = 0;
    if (type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE) {
      major = device(329, "devmajor");
      minor = device(337, "devminor");
    }
    if (++entries > maxEntries) {
      throw new TarFormatException("more than " + maxEntries + " entries in one layer");
    }
    remaining = dataSize;
    padding = (BLOCK - dataSize % BLOCK) % BLOCK;
    return new TarEntry(name, type, dataSize, (int) (mode & 07777), uid, gid, mtime, link, major, minor,
        pax == null ? Map.of() : pax.xattrs);
  }

  /**
   * NAME_MAX per component (when {@code components}) and PATH_MAX in all, on the raw bytes: what the
   * kernel would refuse later as "file name too long", a local error, is refused here as bad content.
   */
  private static void checkPath(byte[] entry, byte[] path, String what, boolean components) throws TarFormatException {
    if (path.length >= PATH_MAX) {
      throw new TarFormatException(describe(entry) + ": " + what + " of " + path.length
          + " bytes is longer than PATH_MAX allows (" + (PATH_MAX - 1) + " bytes)");
    }
    if (components) {
      int run = 0;
      for (byte b : path) {
        run = b == '/' ? 0 : run + 1;
        if (run > NAME_MAX) {
          throw new TarFormatException(describe(entry) + ": " + what + " has a path component longer than NAME_MAX ("
              + NAME_MAX + " bytes)");
        }
      }
    }
  }

  /** An entry name for a message: quoted, escaped and cut short, decoding only its first bytes. */
  private static String describe(byte[] name) {
    return "entry " + Quoted.of(new String(name, 0, Math.min(name.length, 160), StandardCharsets.UTF_8));
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
    if (!readBlock()) {
      return false;
    }
    if (isZero()) {
      // The end marker is two zero blocks; a header after the first would be hidden from other readers,
      // so, as Go's archive/tar, anything but a second zero block (or the end of the stream) is refused.
      if (readBlock() && !isZero()) {
        throw new TarFormatException("a tar header follows the end-of-archive marker");
      }
      return false;
    }
    verifyChecksum();
    return true;
  }

  /** One 512-byte block into {@link #header}; false at a clean end of stream. */
  private boolean readBlock() throws IOException {
    int n = in.readNBytes(header, 0, BLOCK);
    if (n == 0) {
      return false;
    }
    if (n < BLOCK) {
      throw new EOFException("tar header truncated");
    }
    return true;
  }

  private boolean isZero() {
    for (byte b : header) {
      if (b != 0) {
        return false;
      }
    }
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
    // The prefix field exists only in POSIX ustar; GNU's "ustar  " keeps atime/ctime there, and star
    // (its "tar" trailer at 508) has a 131-byte prefix followed by its times.
    if (posix) {
      boolean star = header[508] == 't' && header[509] == 'a' && header[510] == 'r' && header[511] == 0;
      byte[] prefix = field(345, star ? 131 : 155);
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

  /**
   * A numeric field as Go's archive/tar reads it: GNU base-256 when the first byte's high bit is set
   * (two's complement, its next bit the sign), else octal with leading and trailing spaces or NULs,
   * cut at a NUL; anything else in the field is an error, not a smaller number.
   */
  private long number(int off, int len, String what) throws TarFormatException {
    if ((header[off] & 0x80) != 0) {
      int inv = (header[off] & 0x40) != 0 ? 0xff : 0;
      long v = 0;
      for (int i = 0; i < len; i++) {
        int c = (header[off + i] ^ inv) & 0xff;
        if (i == 0) {
          c &= 0x7f;
        }
        if ((v >>> 55) != 0) {
          throw new TarFormatException(what + " out of range in tar header");
        }
        v = (v << 8) | c;
      }
      return inv == 0 ? v : ~v;
    }
    int start = off;
    int end = off + len;
    while (start < end && (header[start] == ' ' || header[start] == 0)) {
      start++;
    }
    while (end > start && (header[end - 1] == ' ' || header[end - 1] == 0)) {
      end--;
    }
    long v = 0;
    for (int i = start; i < end; i++) {
      byte b = header[i];
      if (b == 0) {
        break;
      }
      if (b < '0' || b > '7') {
        throw new TarFormatException("invalid octal " + what + " in tar header");
      }
      v = (v << 3) | (b - '0');
    }
    return v;
  }

  private long id(int off, String what) throws TarFormatException {
    long v = number(off, 8, what);
    if (v < 0 || v > MAX_ID) {
      throw new TarFormatException(what + " " + v + " out of range");
    }
    return v;
  }

  private int device(int off, String what) throws TarFormatException {
    long v = number(off, 8, what);
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new TarFormatException(what + " " + v + " out of range");
    }
    return (int) v;
  }

  /** The header's mtime; negative (before 1970) is valid, GNU tar writes it in base-256. */
  private FileTime headerTime() throws TarFormatException {
    try {
      return FileTime.from(Instant.ofEpochSecond(number(136, 12, "mtime")));
    } catch (DateTimeException e) {
      throw new TarFormatException("mtime out of range in tar header");
    }
  }

  private byte[] readMetadata(long size, String what) throws IOException {
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new EOFException(what + " truncated");
    }
    skipFully((BLOCK - size % BLOCK) % BLOCK);
    return data;
  }

  /**
   * PAX records, "LEN key=value\n", LEN counting the whole record (POSIX pax, "extended header"), into
   * {@code pax}: later records override earlier ones, an empty value deletes the keyword. Only the keywords
   * jpull uses are kept.
   */
  private static Pax parsePax(byte[] data, Pax pax) throws TarFormatException {
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
        if (data[eq] == 0) {
          throw new TarFormatException("PAX keyword contains a NUL byte");
        }
        eq++;
      }
      if (eq >= end || eq == sp + 1) {
        throw new TarFormatException("malformed PAX record");
      }
      pax.put(new String(data, sp + 1, eq - sp - 1, StandardCharsets.UTF_8), Arrays.copyOfRange(data, eq + 1, end));
      pos = (int) (pos + len);
    }
    return pax;
  }

  /** A PAX decimal: digits only, at most {@code max}. */
  private static long paxNumber(byte[] raw, String what, long max) throws TarFormatException {
    if (raw.length == 0) {
      throw new TarFormatException("malformed PAX " + what);
    }
    long n = 0;
    for (byte b : raw) {
      if (b < '0' || b > '9') {
        throw new TarFormatException("malformed PAX " + what);
      }
      if (n > (max - (b - '0')) / 10) {
        throw new TarFormatException("PAX " + what + " out of range");
      }
      n = n * 10 + (b - '0');
    }
    return n;
  }

  /** A PAX time, "[-]SECONDS[.FRACTION]": the fraction may be of any length, only nanoseconds are kept. */
  private static FileTime paxTime(byte[] raw) throws TarFormatException {
    int i = 0;
    boolean negative = raw.length > 0 && raw[0] == '-';
    if (negative) {
      i++;
    }
    long secs = 0;
    int digits = 0;
    for (; i < raw.length && raw[i] != '.'; i++, digits++) {
      if (raw[i] < '0' || raw[i] > '9' || digits >= 18) {
        throw new TarFormatException("malformed PAX mtime");
      }
      secs = secs * 10 + (raw[i] - '0');
    }
    long nanos = 0;
    if (i < raw.length) {
      i++; // the dot
      int k = 0;
      for (; i < raw.length; i++, k++) {
        if (raw[i] < '0' || raw[i] > '9') {
          throw new TarFormatException("malformed PAX mtime");
        }
        if (k < 9) {
          nanos = nanos * 10 + (raw[i] - '0');
        }
      }
      for (; k < 9; k++) {
        nanos *= 10;
      }
    }
    if (digits == 0) {
      throw new TarFormatException("malformed PAX mtime");
    }
    try {
      return FileTime.from(negative ? Instant.ofEpochSecond(-secs, -nanos) : Instant.ofEpochSecond(secs, nanos));
    } catch (DateTimeException e) {
      throw new TarFormatException("PAX mtime out of range");
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

  /** The PAX keywords of one entry that jpull uses; the rest are read, checked and dropped. */
  private static final class Pax {
    byte[] path;
    byte[] linkpath;
    byte[] size;
    byte[] uid;
    byte[] gid;
    byte[] mtime;
    boolean sparse;
    final Map<String, byte[]> xattrs = new LinkedHashMap<>();
    private int xattrNames;

    void put(String key, byte[] value) throws TarFormatException {
      if (key.startsWith(XATTR)) {
        xattr(key.substring(XATTR.length()), value);
        return;
      }
      byte[] v = value.length == 0 ? null : value;
      switch (key) {
        case "path" -> path = noNul(v, key);
        case "linkpath" -> linkpath = noNul(v, key);
        case "size" -> size = v;
        case "uid" -> uid = v;
        case "gid" -> gid = v;
        case "mtime" -> mtime = v;
        default -> sparse |= key.startsWith("GNU.sparse.");
      }
    }

    private void xattr(String name, byte[] value) throws TarFormatException {
      int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
      if (nameBytes == 0 || nameBytes > XATTR_NAME_MAX) {
        throw new TarFormatException("extended attribute name of " + nameBytes + " bytes (at most "
            + XATTR_NAME_MAX + ")");
      }
      if (value.length > XATTR_SIZE_MAX) {
        throw new TarFormatException("extended attribute " + Quoted.of(name) + " of " + value.length
            + " bytes exceeds XATTR_SIZE_MAX (" + XATTR_SIZE_MAX + ")");
      }
      if (xattrs.put(name, value) == null) {
        xattrNames += nameBytes + 1;
        if (xattrNames > XATTR_LIST_MAX) {
          throw new TarFormatException("extended attribute names exceed XATTR_LIST_MAX (" + XATTR_LIST_MAX
              + " bytes) on one entry");
        }
      }
    }

    private static byte[] noNul(byte[] v, String key) throws TarFormatException {
      if (v != null) {
        for (byte b : v) {
          if (b == 0) {
            throw new TarFormatException("PAX " + key + " contains a NUL byte");
          }
        }
      }
      return v;
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
