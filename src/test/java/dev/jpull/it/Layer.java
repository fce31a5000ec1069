package dev.jpull.it;

import dev.jpull.testing.TarBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A layer written like a distribution's: every entry with an explicit mode and owner, device nodes and
 * FIFOs with their real modes, and PAX {@code SCHILY.xattr.*} records, on top of {@link TarBuilder}.
 */
final class Layer {
  private final TarBuilder tar = new TarBuilder();

  Layer dir(String name, int mode, int uid, int gid) {
    tar.owner(uid, gid).dir(name, mode).owner(0, 0);
    return this;
  }

  Layer dir(String name, int mode) {
    return dir(name, mode, 0, 0);
  }

  Layer file(String name, int mode, int uid, int gid, String content) {
    tar.owner(uid, gid).file(name, mode, content).owner(0, 0);
    return this;
  }

  Layer file(String name, int mode, String content) {
    return file(name, mode, 0, 0, content);
  }

  /** A file of {@code size} pseudo-random bytes (a binary or a library). */
  Layer binary(String name, int mode, int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    tar.file(name, mode, b);
    return this;
  }

  Layer symlink(String name, String target) {
    tar.symlink(name, target);
    return this;
  }

  Layer hardlink(String name, String target) {
    tar.link(name, target);
    return this;
  }

  Layer whiteout(String path) {
    tar.whiteout(path);
    return this;
  }

  Layer opaque(String dir) {
    tar.opaque(dir);
    return this;
  }

  Layer charDevice(String name, int mode, int uid, int gid, int major, int minor) {
    return node(name, TarConstants.LF_CHR, 020000 | mode, uid, gid, major, minor);
  }

  Layer blockDevice(String name, int mode, int uid, int gid, int major, int minor) {
    return node(name, TarConstants.LF_BLK, 060000 | mode, uid, gid, major, minor);
  }

  Layer fifo(String name, int mode) {
    return node(name, TarConstants.LF_FIFO, 010000 | mode, 0, 0, 0, 0);
  }

  /** A regular file carrying one extended attribute (value as raw bytes, e.g. a file capability). */
  Layer fileWithXattr(String name, int mode, String content, String key, byte[] value) {
    for (byte b : value) {
      if (b < 0) {
        throw new IllegalArgumentException("xattr values are written through UTF-8 here: bytes below 0x80 only");
      }
    }
    byte[] data = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = tar.entry(name, TarConstants.LF_NORMAL);
    e.setMode(0100000 | mode);
    e.setSize(data.length);
    e.addPaxHeader("SCHILY.xattr." + key, new String(value, StandardCharsets.ISO_8859_1));
    tar.entry(e, data);
    return this;
  }

  private Layer node(String name, byte type, int mode, int uid, int gid, int major, int minor) {
    TarArchiveEntry e = tar.entry(name, type);
    e.setMode(mode);
    e.setUserId(uid);
    e.setGroupId(gid);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    tar.entry(e, null);
    return this;
  }

  byte[] build() {
    return tar.build();
  }
}
