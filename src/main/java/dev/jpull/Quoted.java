package dev.jpull;

/**
 * Makes text that came from outside (a registry, a tar header, a config) safe to print: control
 * characters are escaped so a hostile value cannot forge terminal output or log lines. That is C0
 * controls, DEL, the C1 controls U+0080–U+009F (U+009B is a one-byte CSI on many terminals; Java's
 * {@code \p{Cntrl}} is ASCII-only and misses them) and the Unicode format controls that reorder or hide
 * text (bidi overrides and isolates, line and paragraph separators, zero-width joiners, BOM).
 */
public final class Quoted {
  private static final int MAX = 120;

  private Quoted() {}

  /** Short, in double quotes, escaped: for a value named inside a message. */
  public static String of(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX) + 8).append('"');
    for (int i = 0; i < s.length(); i++) {
      if (b.length() > MAX) {
        b.append('…');
        break;
      }
      char c = s.charAt(i);
      if (isUnsafe(c)) {
        escape(b, c);
      } else if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /**
   * The whole text with every unsafe character escaped (as {@code \x1b}, {@code \x9b}; U+202E as backslash-u202e) and
   * nothing else changed: for a line of output that carries outside text (an error line, a warning, a tag).
   */
  public static String text(String s) {
    if (s == null) {
      return "null";
    }
    int i = 0;
    while (i < s.length() && !isUnsafe(s.charAt(i))) {
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (isUnsafe(c)) {
        escape(b, c);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** Whether a character must not reach a terminal or a log as it is. */
  public static boolean isUnsafe(int c) {
    return c < 0x20 || (c >= 0x7f && c < 0xa0)
        || c == 0x061c // arabic letter mark
        || c == 0x200e || c == 0x200f // left-to-right / right-to-left marks
        || (c >= 0x200b && c <= 0x200d) // zero-width space, non-joiner, joiner
        || (c >= 0x2028 && c <= 0x202e) // line/paragraph separators, bidi embeddings and overrides
        || (c >= 0x2066 && c <= 0x2069) // bidi isolates
        || c == 0xfeff; // BOM / zero-width no-break space
  }

  private static void escape(StringBuilder b, char c) {
    b.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
  }
}
