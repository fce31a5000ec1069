package dev.jpull.unpack;

import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * One tar header with its PAX and GNU extensions already folded in. {@code size} is the number of data
 * bytes that follow, zero for types that carry none whatever the header claims (as Go's archive/tar).
 */
record TarEntry(
    String name,
    Type type,
    long size,
    int mode,
    long uid,
    long gid,
    FileTime mtime,
    String linkName,
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
}
