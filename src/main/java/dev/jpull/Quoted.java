package dev.jpull;

/**
 * Quotes a string that came from outside (a registry, a tar header, a config) for an error message:
 * short, in double quotes, control characters escaped so a hostile value cannot forge terminal output.
 */
public final class Quoted {
  private static final int MAX = 120;

  private Quoted() {}

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
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        b.append(String.format("\\x%02x", (int) c));
      } else if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
