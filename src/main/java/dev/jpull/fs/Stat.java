package dev.jpull.fs;

/** What {@code statx} said about one entry, never following a final symlink. */
public record Stat(int mode, int uid, int gid, long size, long ino, long dev, int nlink,
    long mtimeSeconds, int mtimeNanos, int rdevMajor, int rdevMinor) {

  static Stat parse(byte[] b) {
    return new Stat(u16(b, 28), i32(b, 20), i32(b, 24), i64(b, 40), i64(b, 32),
        ((long) i32(b, 136) << 32) | (i32(b, 140) & 0xffffffffL), i32(b, 16),
        i64(b, 112), i32(b, 120), i32(b, 128), i32(b, 132));
  }

  public int type() {
    return mode & LibC.S_IFMT;
  }

  public int permissions() {
    return mode & 07777;
  }

  public boolean isDirectory() {
    return type() == LibC.S_IFDIR;
  }

  public boolean isSymlink() {
    return type() == LibC.S_IFLNK;
  }

  public boolean isRegularFile() {
    return type() == LibC.S_IFREG;
  }

  /** Same inode on the same device: the identity that survives renames and cannot be faked by a path. */
  public boolean sameFile(Stat other) {
    return ino == other.ino && dev == other.dev;
  }

  private static int u16(byte[] b, int o) {
    return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8;
  }

  private static int i32(byte[] b, int o) {
    return u16(b, o) | u16(b, o + 2) << 16;
  }

  private static long i64(byte[] b, int o) {
    return (i32(b, o) & 0xffffffffL) | (long) i32(b, o + 4) << 32;
  }
}
