package dev.jpull.fs;

import com.sun.jna.Native;
import java.nio.file.FileSystemException;

/**
 * A failed native file call: the operation, the name it was given (decoded only for the message) and errno.
 * A {@link FileSystemException}, so callers classify it as the local machine's state (exit 9) unless they
 * know better (a layer's symlink loop is its content: exit 7).
 */
public final class NativeException extends FileSystemException {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int EINTR = 4;
  public static final int EACCES = 13;
  public static final int EEXIST = 17;
  public static final int EXDEV = 18;
  public static final int ENOTDIR = 20;
  public static final int EISDIR = 21;
  public static final int EINVAL = 22;
  public static final int ENOSPC = 28;
  public static final int ENAMETOOLONG = 36;
  public static final int ENOTEMPTY = 39;
  public static final int ELOOP = 40;
  public static final int ENODATA = 61;
  public static final int EOPNOTSUPP = 95;

  private final int errno;
  private final String op;

  NativeException(String op, String file, int errno) {
    super(file, null, op + ": " + describe(errno));
    this.errno = errno;
    this.op = op;
  }

  /** The exception for the call that just failed, with the errno JNA kept for this thread. */
  static NativeException last(String op, byte[] name) {
    return new NativeException(op, Names.display(name), Native.getLastError());
  }

  public int errno() {
    return errno;
  }

  public String op() {
    return op;
  }

  private static String describe(int errno) {
    String text = switch (errno) {
      case EPERM -> "operation not permitted";
      case ENOENT -> "no such file or directory";
      case EACCES -> "permission denied";
      case EEXIST -> "file exists";
      case ENOTDIR -> "not a directory";
      case EISDIR -> "is a directory";
      case EINVAL -> "invalid argument";
      case ENOSPC -> "no space left on device";
      case ENAMETOOLONG -> "file name too long";
      case ENOTEMPTY -> "directory not empty";
      case ELOOP -> "too many levels of symbolic links";
      case EOPNOTSUPP -> "operation not supported";
      case 30 -> "read-only file system";
      case 122 -> "disk quota exceeded";
      default -> "error";
    };
    return text + " (errno " + errno + ")";
  }
}
