package dev.jpull.fs;

import java.nio.charset.StandardCharsets;

/** Names as the kernel takes them: raw bytes, NUL-terminated, one component (or a link target) each. */
final class Names {
  static final byte[] DOT = z(new byte[] {'.'});
  static final byte[] DOTDOT = z(new byte[] {'.', '.'});
  static final byte[] EMPTY = {0};

  private Names() {}

  /** A NUL-terminated copy; a NUL inside would silently shorten the name, so it is refused. */
  static byte[] z(byte[] name) {
    byte[] out = new byte[name.length + 1];
    for (int i = 0; i < name.length; i++) {
      if (name[i] == 0) {
        throw new IllegalArgumentException("name contains a NUL byte");
      }
      out[i] = name[i];
    }
    return out;
  }

  /** For messages only (invalid UTF-8 shows as U+FFFD); the trailing NUL, if any, is dropped. */
  static String display(byte[] name) {
    if (name == null) {
      return null;
    }
    int n = name.length > 0 && name[name.length - 1] == 0 ? name.length - 1 : name.length;
    return new String(name, 0, n, StandardCharsets.UTF_8);
  }
}
