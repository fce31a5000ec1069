package dev.jpull.fs;

import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * An open directory and every operation relative to it ({@code *at} calls): names are single components
 * in raw bytes, and a final symlink is never followed. A tree reached only through {@link #openDir} from a
 * trusted directory cannot lead outside it, whatever its entries are renamed or replaced with.
 */
public final class Dir extends Fd {
  private static final int DIR_FLAGS = LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC;

  private Dir(int fd, String where) {
    super(fd, where);
  }

  /** Whether the native calls loaded; without them jpull cannot unpack or delete trees. */
  public static boolean available() {
    return LibC.UNAVAILABLE == null;
  }

  /** Why {@link #available()} is false, for the one message that says so. */
  public static String unavailableReason() {
    return LibC.UNAVAILABLE == null ? "" : String.valueOf(LibC.UNAVAILABLE.getMessage());
  }

  /** Whether device nodes and FIFOs can be made ({@code mknodat}, glibc 2.33+). */
  public static boolean nodesAvailable() {
    return Nodes.UNAVAILABLE == null;
  }

  /**
   * Opens a directory the caller trusts by its host path (the store, a target the user named): symlinks
   * in it, a final one too, are the user's own and followed. Everything below is reached without following.
   */
  public static Dir open(Path path) throws NativeException {
    requireNative();
    String p = path.toAbsolutePath().toString();
    byte[] name = Names.z(p.getBytes(StandardCharsets.UTF_8));
    int fd = LibC.openat(LibC.AT_FDCWD, name, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
    if (fd < 0) {
      throw new NativeException("open directory", p, Native.getLastError());
    }
    return new Dir(fd, p);
  }

  private static void requireNative() throws NativeException {
    if (LibC.UNAVAILABLE != null) {
      throw new NativeException("native file calls unavailable (" + unavailableReason() + ")", "libc",
          NativeException.EOPNOTSUPP);
    }
  }

  String child(byte[] name) {
    return where + "/" + Names.display(name);
  }

  /** The subdirectory {@code name}; a symlink there fails with ELOOP (or ENOTDIR), anything else ENOTDIR. */
  public Dir openDir(byte[] name) throws NativeException {
    int fd = LibC.openat(fd(), Names.z(name), DIR_FLAGS, 0);
    if (fd < 0) {
      throw new NativeException("open directory", child(name), Native.getLastError());
    }
    return new Dir(fd, child(name));
  }

  /** This directory's parent, reached by {@code ..}: callers check it is the one they came from. */
  Dir openParent() throws NativeException {
    int fd = LibC.openat(fd(), Names.DOTDOT, DIR_FLAGS, 0);
    if (fd < 0) {
      throw new NativeException("open directory", where + "/..", Native.getLastError());
    }
    String up = where.lastIndexOf('/') > 0 ? where.substring(0, where.lastIndexOf('/')) : where;
    return new Dir(fd, up);
  }

  public void mkdir(byte[] name, int mode) throws NativeException {
    check(LibC.mkdirat(fd(), Names.z(name), mode), "mkdir", name);
  }

  /** Creates a new regular file; an existing entry of that name (a symlink too) fails with EEXIST. */
  public OpenFile createFile(byte[] name, int mode) throws NativeException {
    int f = LibC.openat(fd(), Names.z(name),
        LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_NOCTTY | LibC.O_CLOEXEC, mode);
    if (f < 0) {
      throw new NativeException("create", child(name), Native.getLastError());
    }
    return new OpenFile(f, child(name));
  }

  /**
   * Makes a device node or FIFO ({@code type} one of {@link #CHAR}, {@link #BLOCK}, {@link #FIFO}); it is
   * never opened, here or anywhere in jpull.
   */
  public void mknod(byte[] name, int type, int mode, int major, int minor) throws NativeException {
    if (Nodes.UNAVAILABLE != null) {
      throw new NativeException("mknodat unavailable", child(name), NativeException.EOPNOTSUPP);
    }
    long dev = type == FIFO ? 0 : Nodes.makedev(major & 0xffffffffL, minor & 0xffffffffL);
    check(Nodes.mknodat(fd(), Names.z(name), type | (mode & 07777), dev), "mknod", name);
  }

  public static final int CHAR = LibC.S_IFCHR;
  public static final int BLOCK = LibC.S_IFBLK;
  public static final int FIFO = LibC.S_IFIFO;

  public void symlink(byte[] target, byte[] name) throws NativeException {
    check(LibC.symlinkat(Names.z(target), fd(), Names.z(name)), "symlink", name);
  }

  /** A hard link to {@code fromName} in {@code from}; a symlink there is linked itself, never followed. */
  public void link(Dir from, byte[] fromName, byte[] name) throws NativeException {
    check(LibC.linkat(from.fd(), Names.z(fromName), fd(), Names.z(name), 0), "link", name);
  }

  public void unlink(byte[] name) throws NativeException {
    check(LibC.unlinkat(fd(), Names.z(name), 0), "unlink", name);
  }

  public void rmdir(byte[] name) throws NativeException {
    check(LibC.unlinkat(fd(), Names.z(name), LibC.AT_REMOVEDIR), "rmdir", name);
  }

  public void rename(byte[] name, Dir to, byte[] toName) throws NativeException {
    check(LibC.renameat(fd(), Names.z(name), to.fd(), Names.z(toName)), "rename", name);
  }

  /** The target of the symlink {@code name}, as raw bytes (PATH_MAX at most). */
  public byte[] readlink(byte[] name) throws NativeException {
    byte[] buf = new byte[4096];
    long n = LibC.readlinkat(fd(), Names.z(name), buf, buf.length);
    if (n < 0) {
      throw NativeException.last("readlink", child(name).getBytes(StandardCharsets.UTF_8));
    }
    return java.util.Arrays.copyOf(buf, (int) n);
  }

  /** Never follows a final symlink. */
  public Stat stat(byte[] name) throws NativeException {
    byte[] buf = new byte[LibC.STATX_SIZE];
    check(LibC.statx(fd(), Names.z(name), LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_BASIC_STATS, buf), "statx", name);
    return Stat.parse(buf);
  }

  /** Like {@link #stat(byte[])}, null when there is no such entry. */
  public Stat statIfExists(byte[] name) throws NativeException {
    byte[] buf = new byte[LibC.STATX_SIZE];
    if (LibC.statx(fd(), Names.z(name), LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_BASIC_STATS, buf) < 0) {
      int errno = Native.getLastError();
      if (errno == NativeException.ENOENT) {
        return null;
      }
      throw new NativeException("statx", child(name), errno);
    }
    return Stat.parse(buf);
  }

  public void chownNoFollow(byte[] name, int uid, int gid) throws NativeException {
    check(LibC.fchownat(fd(), Names.z(name), uid, gid, LibC.AT_SYMLINK_NOFOLLOW), "lchown", name);
  }

  /** atime and mtime of {@code name} itself (a symlink's own times), set to the given time. */
  public void setTimesNoFollow(byte[] name, long seconds, int nanos) throws NativeException {
    check(LibC.utimensat(fd(), Names.z(name), new long[] {seconds, nanos, seconds, nanos}, LibC.AT_SYMLINK_NOFOLLOW),
        "utimensat", name);
  }

  /**
   * The mode of a non-symlink that cannot be opened (a device node, a FIFO, a 0000 directory). Linux has no
   * {@code lchmod}: {@code fchmodat(AT_SYMLINK_NOFOLLOW)} is refused by the kernel before 6.6 and by glibc
   * before 2.32, and glibc's emulation needs /proc. So the entry is first checked not to be a symlink, and
   * then changed with a plain {@code fchmodat} relative to this directory: only jpull changes the trees it
   * makes (0700 while being filled), so nothing can swap the name in between. Symlinks are left as they are
   * (their mode means nothing on Linux). Returns false for a symlink.
   */
  public boolean chmodNotSymlink(byte[] name, int mode) throws NativeException {
    if (stat(name).isSymlink()) {
      return false;
    }
    check(LibC.fchmodat(fd(), Names.z(name), mode, 0), "chmod", name);
    return true;
  }

  /** Lists the entries, {@code .} and {@code ..} left out, from a descriptor of its own. */
  public Listing list() throws NativeException {
    int dup = LibC.openat(fd(), Names.DOT, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
    if (dup < 0) {
      throw new NativeException("open directory", where, Native.getLastError());
    }
    return new Listing(dup, where);
  }

  private void check(int rc, String op, byte[] name) throws NativeException {
    if (rc < 0) {
      throw new NativeException(op, child(name), Native.getLastError());
    }
  }
}
