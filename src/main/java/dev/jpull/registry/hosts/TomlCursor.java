package dev.jpull.registry.hosts;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;

/** A position in a TOML text with the lexical rules: whitespace, comments, newlines and strings. */
final class TomlCursor {
  final String text;
  private final String source;
  int pos;
  int line = 1;

  TomlCursor(String text, String source) {
    this.text = text;
    this.source = source;
  }

  boolean atEnd() {
    return pos >= text.length();
  }

  String basicString() throws JpullException {
    pos++;
    StringBuilder b = new StringBuilder();
    while (true) {
      if (pos >= text.length() || peek() == '\n') {
        throw error("unterminated string");
      }
      char c = text.charAt(pos++);
      if (c == '"') {
        return b.toString();
      }
      if (c == '\\') {
        escape(b);
      } else {
        checkControl(c);
        b.append(c);
      }
    }
  }

  String multiLineBasicString() throws JpullException {
    pos += 3;
    skipNewlineAfterOpening();
    StringBuilder b = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw error("unterminated multi-line string");
      }
      if (text.startsWith("\"\"\"", pos)) {
        pos += 3;
        // Up to two quotes may close the content right before the delimiter.
        for (int i = 0; i < 2 && peek() == '"'; i++, pos++) {
          b.append('"');
        }
        return b.toString();
      }
      char c = text.charAt(pos++);
      if (c == '\\') {
        int save = pos;
        while (pos < text.length() && (peek() == ' ' || peek() == '\t')) {
          pos++;
        }
        if (peek() == '\n' || text.startsWith("\r\n", pos)) {
          // A line-ending backslash trims all whitespace and newlines that follow.
          while (pos < text.length() && Character.isWhitespace(peek())) {
            newline();
            pos++;
          }
        } else {
          pos = save;
          escape(b);
        }
      } else if (c == '\n') {
        line++;
        b.append(c);
      } else if (c == '\r' && peek() == '\n') {
        b.append(c);
      } else {
        checkControl(c);
        b.append(c);
      }
    }
  }

  String literalString() throws JpullException {
    pos++;
    int start = pos;
    while (pos < text.length() && peek() != '\'' && peek() != '\n') {
      checkControl(text.charAt(pos++));
    }
    if (pos >= text.length() || peek() != '\'') {
      throw error("unterminated literal string");
    }
    return text.substring(start, pos++);
  }

  String multiLineLiteralString() throws JpullException {
    pos += 3;
    skipNewlineAfterOpening();
    int end = text.indexOf("'''", pos);
    if (end < 0) {
      throw error("unterminated multi-line literal string");
    }
    // Up to two quotes may close the content right before the delimiter.
    for (int extra = 0; extra < 2 && end + 3 < text.length() && text.charAt(end + 3) == '\''; extra++) {
      end++;
    }
    String s = text.substring(pos, end);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\n') {
        line++;
      } else if (c != '\r') {
        checkControl(c);
      }
    }
    pos = end + 3;
    return s;
  }

  void skipNewlineAfterOpening() {
    if (peek() == '\n') {
      pos++;
      line++;
    } else if (text.startsWith("\r\n", pos)) {
      pos += 2;
      line++;
    }
  }

  void escape(StringBuilder b) throws JpullException {
    if (pos >= text.length()) {
      throw error("unterminated escape");
    }
    char e = text.charAt(pos++);
    switch (e) {
      case 'b' -> b.append('\b');
      case 't' -> b.append('\t');
      case 'n' -> b.append('\n');
      case 'f' -> b.append('\f');
      case 'r' -> b.append('\r');
      case 'e' -> b.append('\u001b');
      case '"' -> b.append('"');
      case '\\' -> b.append('\\');
      case 'u' -> b.appendCodePoint(hex(4));
      case 'U' -> b.appendCodePoint(hex(8));
      default -> throw error("invalid escape \\" + (e < 0x20 ? "?" : String.valueOf(e)));
    }
  }

  int hex(int digits) throws JpullException {
    if (pos + digits > text.length()) {
      throw error("truncated unicode escape");
    }
    String h = text.substring(pos, pos + digits);
    if (!h.matches("[0-9A-Fa-f]+")) {
      throw error("invalid unicode escape");
    }
    pos += digits;
    long cp = Long.parseLong(h, 16);
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      throw error("invalid unicode scalar value in escape");
    }
    return (int) cp;
  }

  void checkControl(char c) throws JpullException {
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      throw error("control character in a string");
    }
  }

  void skipSpaces() {
    while (pos < text.length() && (peek() == ' ' || peek() == '\t')) {
      pos++;
    }
  }

  void skipComment() throws JpullException {
    if (peek() == '#') {
      while (pos < text.length() && peek() != '\n') {
        char c = text.charAt(pos++);
        if (c != '\r') {
          checkControl(c);
        }
      }
    }
  }

  boolean consumeNewline() {
    if (peek() == '\n') {
      pos++;
      line++;
      return true;
    }
    if (text.startsWith("\r\n", pos)) {
      pos += 2;
      line++;
      return true;
    }
    return false;
  }

  void newline() {
    if (peek() == '\n') {
      line++;
    }
  }

  void expect(char c) throws JpullException {
    if (peek() != c) {
      throw error("expected '" + c + "'" + (pos >= text.length() ? ", found the end of the file"
          : ", found " + Quoted.of(String.valueOf(peek()))));
    }
    pos++;
  }

  char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  JpullException error(String what) {
    return new JpullException(Kind.INVALID_INPUT, "parse " + source + " line " + line + ": " + what);
  }
}
