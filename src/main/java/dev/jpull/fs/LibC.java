package dev.jpull.fs;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc calls jpull's file handling needs, direct-mapped through JNA (Java 17 has no final FFM API).
 * Paths are NUL-terminated {@code byte[]}: names are handed to the kernel exactly as a layer spells them.
 * Each call returns -1 and leaves errno in {@link Native#getLastError()}. Constants are Linux's; the
 * {@code O_DIRECTORY}/{@code O_NOFOLLOW} values differ on ARM, which has its own asm/fcntl.h.
 */
final class LibC {
  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_NOCTTY = 0400;
  static final int O_NONBLOCK = 04000;
  static final int O_DIRECTORY;
  static final int O_NOFOLLOW;
  static final int O_CLOEXEC = 02000000;
  static final int O_PATH = 010000000;

  static final int AT_FDCWD = -100;
  static final int AT_SYMLINK_NOFOLLOW = 0x100;
  static final int AT_REMOVEDIR = 0x200;
  static final int AT_EMPTY_PATH = 0x1000;
  static final int STATX_BASIC_STATS = 0x7ff;
  static final int STATX_SIZE = 256;

  static final int S_IFMT = 0170000;
  static final int S_IFIFO = 0010000;
  static final int S_IFCHR = 0020000;
  static final int S_IFDIR = 0040000;
  static final int S_IFBLK = 0060000;
  static final int S_IFREG = 0100000;
  static final int S_IFLNK = 0120000;

  /** Set when libc or JNA's native part cannot be loaded: the reason, for the one message that says so. */
  static final Throwable UNAVAILABLE;

  static {
    boolean arm = Platform.isARM();
    O_DIRECTORY = arm ? 040000 : 0200000;
    O_NOFOLLOW = arm ? 0100000 : 0400000;
    Throwable failure = null;
    try {
      if (!Platform.isLinux()) {
        throw new UnsatisfiedLinkError("jpull's native file calls are Linux's; this is " + System.getProperty("os.name"));
      }
      Natives.beforeLoad();
      Native.register(LibC.class, Platform.C_LIBRARY_NAME);
    } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
      failure = e;
    }
    UNAVAILABLE = failure;
  }

  private LibC() {}

  static native int openat(int dirfd, byte[] path, int flags, int mode);

  static native int close(int fd);

  static native int mkdirat(int dirfd, byte[] path, int mode);

  static native int symlinkat(byte[] target, int dirfd, byte[] path);

  static native int linkat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags);

  static native int unlinkat(int dirfd, byte[] path, int flags);

  static native int renameat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath);

  static native long readlinkat(int dirfd, byte[] path, byte[] buf, long size);

  static native int fchmodat(int dirfd, byte[] path, int mode, int flags);

  static native int fchownat(int dirfd, byte[] path, int uid, int gid, int flags);

  /** {@code times} is two {@code struct timespec} (seconds, nanoseconds): atime then mtime. */
  static native int utimensat(int dirfd, byte[] path, long[] times, int flags);

  static native int futimens(int fd, long[] times);

  static native int fchmod(int fd, int mode);

  static native int fchown(int fd, int uid, int gid);

  /** {@code buf} holds a {@code struct statx} (256 bytes, one layout on every architecture; glibc 2.28+). */
  static native int statx(int dirfd, byte[] path, int flags, int mask, byte[] buf);

  static native long write(int fd, Pointer buf, long count);

  static native int fsetxattr(int fd, byte[] name, byte[] value, long size, int flags);

  static native Pointer fdopendir(int fd);

  static native Pointer readdir(Pointer dir);

  static native int closedir(Pointer dir);

  static native int geteuid();
}
