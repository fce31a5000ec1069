package dev.jpull.unpack;

import dev.jpull.Quoted;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
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
  static final long MAX_ID = 0xffffffffL;
  private static final int BLOCK = TarHeader.SIZE;
  private static final byte[] NONE = new byte[0];

  private final InputStream in;
  private final long maxEntries;
  private final TarHeader header = new TarHeader();
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
    PaxHeader pax = null;
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
      char flag = header.flag();
      long size = header.number(124, 12, "size");
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
          case 'x' -> pax = PaxHeader.parse(data, pax == null ? new PaxHeader() : pax);
          // Global headers are ignored, as Go's archive/tar and containerd do; still bounded and checked.
          case 'g' -> PaxHeader.parse(data, new PaxHeader());
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

  private TarEntry entry(char flag, long headerSize, PaxHeader pax, byte[] longName, byte[] longLink) throws IOException {
    // Names stay bytes, exactly as written: tar names need not be UTF-8, and Go unpackers create them
    // byte for byte, so decoding here would create another name.
    byte[] name = pax != null && pax.path != null ? pax.path : longName != null ? longName : header.ustarName();
    checkPath(name, name, "name", true);
    // Pre-POSIX writers marked directories only by a trailing slash on a regular-file header.
    TarEntry.Type type = flag == '\0' && name.length > 0 && name[name.length - 1] == '/'
        ? TarEntry.Type.DIRECTORY : type(flag);
    byte[] link = NONE;
    if (type == TarEntry.Type.HARDLINK || type == TarEntry.Type.SYMLINK) {
      link = pax != null && pax.linkpath != null ? pax.linkpath : longLink != null ? longLink : header.field(157, 100);
      // A hardlink target names an entry of the tree; a symlink's is free text, bounded by symlink(2) only.
      checkPath(name, link, "link target", type == TarEntry.Type.HARDLINK);
    }
    long size = pax != null && pax.size != null ? PaxHeader.number(pax.size, "size", Long.MAX_VALUE) : headerSize;
    long dataSize = type.hasData() ? size : 0;
    long mode = header.number(100, 8, "mode");
    if (mode < 0) {
      throw new TarFormatException("negative mode");
    }
    long uid = pax != null && pax.uid != null ? PaxHeader.number(pax.uid, "uid", MAX_ID) : header.id(108, "uid");
    long gid = pax != null && pax.gid != null ? PaxHeader.number(pax.gid, "gid", MAX_ID) : header.id(116, "gid");
    FileTime mtime = pax != null && pax.mtime != null ? PaxHeader.time(pax.mtime) : header.mtime();
    int major = 0;
    int minor = 0;
    if (type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE) {
      major = header.device(329, "devmajor");
      minor = header.device(337, "devminor");
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
    if (header.isZero()) {
      // The end marker is two zero blocks; a header after the first would be hidden from other readers,
      // so, as Go's archive/tar, anything but a second zero block (or the end of the stream) is refused.
      if (readBlock() && !header.isZero()) {
        throw new TarFormatException("a tar header follows the end-of-archive marker");
      }
      return false;
    }
    header.verifyChecksum();
    return true;
  }

  /** One 512-byte block into {@link #header}; false at a clean end of stream. */
  private boolean readBlock() throws IOException {
    int n = in.readNBytes(header.block, 0, BLOCK);
    if (n == 0) {
      return false;
    }
    if (n < BLOCK) {
      throw new EOFException("tar header truncated");
    }
    return true;
  }

  private byte[] readMetadata(long size, String what) throws IOException {
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new EOFException(what + " truncated");
    }
    skipFully((BLOCK - size % BLOCK) % BLOCK);
    return data;
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
