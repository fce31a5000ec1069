package dev.jpull.fs;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/** A regular file jpull created and is writing: opened once with {@code O_CREAT|O_EXCL|O_NOFOLLOW}. */
public final class OpenFile extends Fd {
  OpenFile(int fd, String where) {
    super(fd, where);
  }

  /**
   * Writes {@code length} bytes from the start of a direct buffer, looping on short writes: one native call
   * per chunk, so callers pass large chunks (jpull's are 1 MiB).
   */
  public void write(ByteBuffer direct, int length) throws NativeException {
    if (!direct.isDirect() || length > direct.capacity()) {
      throw new IllegalArgumentException("write needs a direct buffer of at least " + length + " bytes");
    }
    Pointer base = Native.getDirectBufferPointer(direct);
    long done = 0;
    while (done < length) {
      long n = LibC.write(fd(), done == 0 ? base : base.share(done), length - done);
      if (n < 0) {
        int errno = Native.getLastError();
        if (errno == NativeException.EINTR) {
          continue;
        }
        throw new NativeException("write", where, errno);
      }
      done += n;
    }
  }
}
