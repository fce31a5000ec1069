package dev.jpull.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Bounded reads of untrusted response bodies: never more than the limit plus one byte is read. */
final class Bodies {
  private Bodies() {}

  /** Reads the whole body, or throws {@link TooLarge} as soon as it exceeds {@code limit} bytes. */
  static byte[] readAtMost(InputStream in, int limit) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 8192));
    byte[] buf = new byte[8192];
    long total = 0;
    while (true) {
      int want = (int) Math.min(buf.length, limit + 1L - total);
      int n = in.read(buf, 0, want);
      if (n < 0) {
        return out.toByteArray();
      }
      total += n;
      if (total > limit) {
        throw new TooLarge(limit);
      }
      out.write(buf, 0, n);
    }
  }

  /** A body larger than its limit; callers turn it into their own {@code JpullException}. */
  static final class TooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    TooLarge(int limit) {
      super("body exceeds " + limit + " bytes");
    }
  }
}
