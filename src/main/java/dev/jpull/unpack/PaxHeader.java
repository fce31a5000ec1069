package dev.jpull.unpack;

import dev.jpull.Quoted;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The PAX keywords of one entry that jpull uses, parsed from its {@code x} headers (POSIX pax, "extended
 * header"); the rest are read, checked and dropped. Extended attributes are bounded as Linux bounds them
 * ({@link TarReader#XATTR_NAME_MAX}, {@link TarReader#XATTR_SIZE_MAX}, {@link TarReader#XATTR_LIST_MAX}).
 */
final class PaxHeader {
  private static final String XATTR = "SCHILY.xattr.";

  byte[] path;
  byte[] linkpath;
  byte[] size;
  byte[] uid;
  byte[] gid;
  byte[] mtime;
  boolean sparse;
  final Map<String, byte[]> xattrs = new LinkedHashMap<>();
  private int xattrNames;

  private void put(String key, byte[] value) throws TarFormatException {
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
    if (nameBytes == 0 || nameBytes > TarReader.XATTR_NAME_MAX) {
      throw new TarFormatException("extended attribute name of " + nameBytes + " bytes (at most "
          + TarReader.XATTR_NAME_MAX + ")");
    }
    if (value.length > TarReader.XATTR_SIZE_MAX) {
      throw new TarFormatException("extended attribute " + Quoted.of(name) + " of " + value.length
          + " bytes exceeds TarReader.XATTR_SIZE_MAX (" + TarReader.XATTR_SIZE_MAX + ")");
    }
    if (xattrs.put(name, value) == null) {
      xattrNames += nameBytes + 1;
      if (xattrNames > TarReader.XATTR_LIST_MAX) {
        throw new TarFormatException("extended attribute names exceed TarReader.XATTR_LIST_MAX (" + TarReader.XATTR_LIST_MAX
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

  /**
   * PAX records, "LEN key=value\n", LEN counting the whole record (POSIX pax, "extended header"), into
   * {@code pax}: later records override earlier ones, an empty value deletes the keyword. Only the keywords
   * jpull uses are kept.
   */
  static PaxHeader parse(byte[] data, PaxHeader pax) throws TarFormatException {
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
  static long number(byte[] raw, String what, long max) throws TarFormatException {
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
  static FileTime time(byte[] raw) throws TarFormatException {
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
}
