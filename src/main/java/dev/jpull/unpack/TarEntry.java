package dev.jpull.unpack;

import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * One tar header with its PAX and GNU extensions already folded in. {@code path} and {@code link} are the
 * raw bytes of the name and link target (tar does not require UTF-8). {@code size} is the number of data
 * bytes that follow, zero for types that carry none whatever the header claims (as Go's archive/tar).
 */
record TarEntry(
    byte[] path,
    Type type,
    long size,
    int mode,
    long uid,
    long gid,
    FileTime mtime,
    byte[] link,
    int devMajor,
    int devMinor,
    Map<String, byte[]> xattrs) {

  enum Type {
    FILE, HARDLINK, SYMLINK, CHAR_DEVICE, BLOCK_DEVICE, DIRECTORY, FIFO, OTHER;

    boolean hasData() {
      return this == FILE || this == OTHER;
    }
  }

  TarEntry {
    xattrs = Map.copyOf(xattrs);
  }

  /** The name decoded for messages and for matching ASCII markers (whiteouts); never for creating files. */
  String name() {
    return new String(path, StandardCharsets.UTF_8);
  }

  /** The link target decoded likewise; empty when the entry has none. */
  String linkName() {
    return new String(link, StandardCharsets.UTF_8);
  }
}
