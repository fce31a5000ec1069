package dev.jpull.unpack;

import java.nio.file.attribute.FileTime;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;

/**
 * One 512-byte tar header block, read in place: its fields (ustar name with prefix, numbers as Go's
 * archive/tar reads them, ids and device numbers in range) and its checksum. The block is refilled for each
 * header; nothing read from it outlives the entry but copies.
 */
final class TarHeader {
  static final int SIZE = 512;

  /** The block itself, filled by the reader. */
  final byte[] block = new byte[SIZE];

  /** The type flag. */
  char flag() {
    return (char) (block[156] & 0xff);
  }

  boolean isZero() {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  void verifyChecksum() throws TarFormatException {
    long stored = number(148, 8, "checksum");
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < SIZE; i++) {
      byte b = i >= 148 && i < 156 ? (byte) ' ' : block[i];
      unsigned += b & 0xff;
      signed += b;
    }
    // Some historic writers summed signed bytes; both are accepted, as by GNU tar and Go.
    if (stored != unsigned && stored != signed) {
      throw new TarFormatException("tar header checksum mismatch (not a tar archive, or corrupt)");
    }
  }

  byte[] ustarName() {
    byte[] name = field(0, 100);
    boolean posix = block[257] == 'u' && block[258] == 's' && block[259] == 't' && block[260] == 'a'
        && block[261] == 'r' && block[262] == 0;
    // The prefix field exists only in POSIX ustar; GNU's "ustar  " keeps atime/ctime there, and star
    // (its "tar" trailer at 508) has a 131-byte prefix followed by its times.
    if (posix) {
      boolean star = block[508] == 't' && block[509] == 'a' && block[510] == 'r' && block[511] == 0;
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

  byte[] field(int off, int len) {
    int end = off;
    while (end < off + len && block[end] != 0) {
      end++;
    }
    return Arrays.copyOfRange(block, off, end);
  }

  /**
   * A numeric field as Go's archive/tar reads it: GNU base-256 when the first byte's high bit is set
   * (two's complement, its next bit the sign), else octal with leading and trailing spaces or NULs,
   * cut at a NUL; anything else in the field is an error, not a smaller number.
   */
  long number(int off, int len, String what) throws TarFormatException {
    if ((block[off] & 0x80) != 0) {
      int inv = (block[off] & 0x40) != 0 ? 0xff : 0;
      long v = 0;
      for (int i = 0; i < len; i++) {
        int c = (block[off + i] ^ inv) & 0xff;
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
    while (start < end && (block[start] == ' ' || block[start] == 0)) {
      start++;
    }
    while (end > start && (block[end - 1] == ' ' || block[end - 1] == 0)) {
      end--;
    }
    long v = 0;
    for (int i = start; i < end; i++) {
      byte b = block[i];
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

  long id(int off, String what) throws TarFormatException {
    long v = number(off, 8, what);
    if (v < 0 || v > TarReader.MAX_ID) {
      throw new TarFormatException(what + " " + v + " out of range");
    }
    return v;
  }

  int device(int off, String what) throws TarFormatException {
    long v = number(off, 8, what);
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new TarFormatException(what + " " + v + " out of range");
    }
    return (int) v;
  }

  /** The header's mtime; negative (before 1970) is valid, GNU tar writes it in base-256. */
  FileTime mtime() throws TarFormatException {
    try {
      return FileTime.from(Instant.ofEpochSecond(number(136, 12, "mtime")));
    } catch (DateTimeException e) {
      throw new TarFormatException("mtime out of range in tar header");
    }
  }
}
