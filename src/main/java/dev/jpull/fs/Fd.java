package dev.jpull.fs;

import com.sun.jna.Native;

/**
 * One open file descriptor and the calls made on the entry it is, so that nothing a path leads to later
 * can be changed instead: owner, mode, times and extended attributes are set on the descriptor itself.
 */
public abstract sealed class Fd implements AutoCloseable permits Dir, OpenFile {
  private final int fd;
  /** The entry's host path for messages; never used to reach the entry. */
  final String where;
  private boolean closed;

  Fd(int fd, String where) {
    this.fd = fd;
    this.where = where;
  }

  /** The descriptor, refused once closed: a closed number may already name another file. */
  final int fd() {
    if (closed) {
      throw new IllegalStateException("descriptor of " + where + " used after close");
    }
    return fd;
  }

  public String where() {
    return where;
  }

  public Stat stat() throws NativeException {
    byte[] buf = new byte[LibC.STATX_SIZE];
    check(LibC.statx(fd(), Names.EMPTY, LibC.AT_EMPTY_PATH | LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_BASIC_STATS, buf),
        "statx");
    return Stat.parse(buf);
  }

  public void chmod(int mode) throws NativeException {
    check(LibC.fchmod(fd(), mode), "fchmod");
  }

  public void chown(int uid, int gid) throws NativeException {
    check(LibC.fchown(fd(), uid, gid), "fchown");
  }

  /** Sets atime and mtime both to the given time (as umoci does when the layer records no atime). */
  public void setTimes(long seconds, int nanos) throws NativeException {
    check(LibC.futimens(fd(), new long[] {seconds, nanos, seconds, nanos}), "futimens");
  }

  public void setXattr(String name, byte[] value) throws NativeException {
    byte[] n = Names.z(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    check(LibC.fsetxattr(fd(), n, value, value.length, 0), "fsetxattr " + name);
  }

  final void check(int rc, String op) throws NativeException {
    if (rc < 0) {
      throw new NativeException(op, where, Native.getLastError());
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      LibC.close(fd);
    }
  }
}
