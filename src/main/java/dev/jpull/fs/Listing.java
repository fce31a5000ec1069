package dev.jpull.fs;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * A directory being read ({@code fdopendir}/{@code readdir}). Names are raw bytes; the type comes from
 * {@code d_type}, so listing never stats, let alone opens, what it finds.
 */
public final class Listing implements AutoCloseable {
  /** {@code d_type} values; {@link #UNKNOWN} means the filesystem did not say (stat the entry). */
  public static final int UNKNOWN = 0;
  public static final int FIFO = 1;
  public static final int CHAR = 2;
  public static final int DIRECTORY = 4;
  public static final int BLOCK = 6;
  public static final int REGULAR = 8;
  public static final int SYMLINK = 10;
  public static final int SOCKET = 12;

  /** glibc's 64-bit {@code struct dirent}: d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name. */
  private static final int D_TYPE = 18;
  private static final int D_NAME = 19;

  private final String where;
  private Pointer dir;
  private byte[] name;
  private int type;

  Listing(int fd, String where) throws NativeException {
    this.where = where;
    this.dir = LibC.fdopendir(fd);
    if (dir == null) {
      int errno = Native.getLastError();
      LibC.close(fd);
      throw new NativeException("fdopendir", where, errno);
    }
  }

  /** Moves to the next entry; false at the end. */
  public boolean next() throws NativeException {
    while (true) {
      Native.setLastError(0);
      Pointer e = LibC.readdir(dir);
      if (e == null) {
        int errno = Native.getLastError();
        if (errno != 0) {
          throw new NativeException("readdir", where, errno);
        }
        return false;
      }
      long end = e.indexOf(D_NAME, (byte) 0);
      byte[] n = e.getByteArray(D_NAME, (int) end); // indexOf counts from D_NAME
      if ((n.length == 1 && n[0] == '.') || (n.length == 2 && n[0] == '.' && n[1] == '.')) {
        continue;
      }
      name = n;
      type = e.getByte(D_TYPE) & 0xff;
      return true;
    }
  }

  /** The current entry's name, raw bytes without a terminating NUL. */
  public byte[] name() {
    return name;
  }

  public int type() {
    return type;
  }

  @Override
  public void close() {
    if (dir != null) {
      LibC.closedir(dir);
      dir = null;
    }
  }
}
