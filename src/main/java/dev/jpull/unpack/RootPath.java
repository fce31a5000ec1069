package dev.jpull.unpack;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry names as components. A component is held as a Latin-1 string: one char per byte, so it keeps the
 * layer's exact bytes (tar names need not be UTF-8), hashes and compares as bytes, and matches ASCII
 * markers ({@code .wh.}) directly; {@link #bytes} gives the bytes back for the native calls, and
 * {@link #display} decodes as UTF-8 for messages only.
 */
final class RootPath {
  private RootPath() {}

  /**
   * Cleans an entry name: strips leading {@code /} and {@code ./}, folds {@code .} and empty components,
   * and refuses names that climb out of the root (moby/go-archive: reject non-local names).
   *
   * @return the components, empty for the root itself
   */
  static List<String> clean(byte[] name, String what) throws JpullException {
    List<String> out = new ArrayList<>();
    for (String part : split(name)) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (out.isEmpty()) {
          throw new JpullException(Kind.VERIFICATION, what + ": path escapes the root");
        }
        out.remove(out.size() - 1);
        continue;
      }
      if (part.indexOf('\0') >= 0) {
        throw new JpullException(Kind.VERIFICATION, what + ": name contains a NUL byte");
      }
      out.add(part);
    }
    return out;
  }

  /** The components of a name or symlink target as they are ({@code .}, {@code ..} and empty ones kept). */
  static List<String> split(byte[] name) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= name.length; i++) {
      if (i == name.length || name[i] == '/') {
        out.add(new String(name, start, i - start, StandardCharsets.ISO_8859_1));
        start = i + 1;
      }
    }
    return out;
  }

  static byte[] bytes(String component) {
    return component.getBytes(StandardCharsets.ISO_8859_1);
  }

  static String display(String component) {
    return new String(bytes(component), StandardCharsets.UTF_8);
  }
}
