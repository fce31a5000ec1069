package dev.jpull.fs;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * {@code mknodat}, apart from {@link LibC}: glibc exports it only since 2.33 (before, it was {@code __xmknodat}),
 * and a missing symbol must cost only device nodes and FIFOs, not the whole seam.
 */
final class Nodes {
  static final Throwable UNAVAILABLE;

  static {
    Throwable failure = LibC.UNAVAILABLE;
    if (failure == null) {
      try {
        Native.register(Nodes.class, Platform.C_LIBRARY_NAME);
      } catch (UnsatisfiedLinkError e) {
        failure = e;
      }
    }
    UNAVAILABLE = failure;
  }

  private Nodes() {}

  static native int mknodat(int dirfd, byte[] path, int mode, long dev);

  /** glibc's {@code makedev}: 12+20 bits of major, 8+24 of minor, interleaved. */
  static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
        | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
  }
}
