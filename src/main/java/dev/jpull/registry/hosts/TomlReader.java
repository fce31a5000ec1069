package dev.jpull.registry.hosts;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The subset of TOML 1.0 that {@code hosts.toml} files use: comments, bare, quoted and dotted keys, table
 * headers, basic and literal strings (single and multi-line), booleans, decimal integers, arrays and inline
 * tables. Tables become insertion-ordered maps (file order matters: it is the mirror order), arrays lists,
 * integers longs. Anything else (floats, dates, arrays of tables) is refused with the file and line.
 */
final class TomlReader {
  static final int MAX_BYTES = 1 << 20;
  private static final int MAX_DEPTH = 32;

  private final String text;
  private final String source;
  private final Set<Map<String, Object>> definedTables = Collections.newSetFromMap(new IdentityHashMap<>());
  private int pos;
  private int line = 1;

  private TomlReader(String text, String source) {
    this.text = text;
    this.source = source;
  }

  /** Reads and parses {@code file}, at most {@link #MAX_BYTES}. */
  static Map<String, Object> read(Path file) throws JpullException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (IOException e) {
      throw new JpullException(Kind.LOCAL_IO, "read " + file + ": " + e, e);
    }
    if (bytes.length > MAX_BYTES) {
      throw new JpullException(Kind.INVALID_INPUT, "parse " + file + ": larger than " + MAX_BYTES + " bytes");
    }
    try {
      return parse(Json.utf8(bytes), file.toString());
    } catch (CharacterCodingException e) {
      throw new JpullException(Kind.INVALID_INPUT, "parse " + file + ": not UTF-8");
    }
  }

  static Map<String, Object> parse(String text, String source) throws JpullException {
    return new TomlReader(text, source).document();
  }

  private Map<String, Object> document() throws JpullException {
    Map<String, Object> root = new LinkedHashMap<>();
    Map<String, Object> current = root;
    if (text.startsWith("\uFEFF")) {
      pos = 1;
    }
    while (true) {
      skipBlankLines();
      if (pos >= text.length()) {
        return root;
      }
      if (peek() == '[') {
        current = tableHeader(root);
      } else {
        List<String> key = key();
        skipSpaces();
        expect('=');
        skipSpaces();
        put(current, key, value(0));
      }
      endOfLine();
    }
  }

  private Map<String, Object> tableHeader(Map<String, Object> root) throws JpullException {
    pos++;
    if (peek() == '[') {
      throw error("arrays of tables ([[...]]) are not supported");
    }
    skipSpaces();
    List<String> key = key();
    skipSpaces();
    expect(']');
    Map<String, Object> table = root;
    for (int i = 0; i < key.size(); i++) {
      Object next = table.get(key.get(i));
      if (next == null) {
        Map<String, Object> created = new LinkedHashMap<>();
        table.put(key.get(i), created);
        table = created;
      } else if (next instanceof Map) {
        table = asTable(next);
      } else {
        throw error("table " + Quoted.of(String.join(".", key)) + " redefines the value of key " + Quoted.of(key.get(i)));
      }
    }
    if (!definedTables.add(table)) {
      throw error("table " + Quoted.of(String.join(".", key)) + " is defined twice");
    }
    return table;
  }

  private void put(Map<String, Object> table, List<String> key, Object value) throws JpullException {
    Map<String, Object> t = table;
    for (int i = 0; i < key.size() - 1; i++) {
      Object next = t.get(key.get(i));
      if (next == null) {
        Map<String, Object> created = new LinkedHashMap<>();
        t.put(key.get(i), created);
        t = created;
      } else if (next instanceof Map && !definedTables.contains(next)) {
        t = asTable(next);
      } else {
        throw error("key " + Quoted.of(String.join(".", key)) + " redefines " + Quoted.of(key.get(i)));
      }
    }
    String last = key.get(key.size() - 1);
    if (t.containsKey(last)) {
      throw error("key " + Quoted.of(String.join(".", key)) + " is defined twice");
    }
    t.put(last, value);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asTable(Object o) {
    return (Map<String, Object>) o;
  }

  private List<String> key() throws JpullException {
    List<String> parts = new ArrayList<>();
    while (true) {
      char c = peek();
      if (c == '"') {
        parts.add(basicString());
      } else if (c == '\'') {
        parts.add(literalString());
      } else {
        int start = pos;
        while (pos < text.length() && isBareKeyChar(text.charAt(pos))) {
          pos++;
        }
        if (start == pos) {
          throw error(pos >= text.length() ? "expected a key, found the end of the file"
              : "expected a key, found " + Quoted.of(String.valueOf(peek())));
        }
        parts.add(text.substring(start, pos));
      }
      skipSpaces();
      if (peek() != '.') {
        return parts;
      }
      pos++;
      skipSpaces();
    }
  }

  private static boolean isBareKeyChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }

  private Object value(int depth) throws JpullException {
    if (depth > MAX_DEPTH) {
      throw error("values nested deeper than " + MAX_DEPTH);
    }
    char c = peek();
    if (c == '"') {
      return text.startsWith("\"\"\"", pos) ? multiLineBasicString() : basicString();
    }
    if (c == '\'') {
      return text.startsWith("'''", pos) ? multiLineLiteralString() : literalString();
    }
    if (c == '[') {
      return array(depth);
    }
    if (c == '{') {
      return inlineTable(depth);
    }
    int start = pos;
    while (pos < text.length() && "+-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:".indexOf(peek()) >= 0) {
      pos++;
    }
    String word = text.substring(start, pos);
    if (word.equals("true") || word.equals("false")) {
      return Boolean.valueOf(word);
    }
    if (word.matches("[+-]?(0|[1-9](_?[0-9])*)") && word.length() <= 20) {
      try {
        return Long.parseLong(word.replace("_", ""));
      } catch (NumberFormatException e) {
        throw error("integer " + Quoted.of(word) + " out of range");
      }
    }
    throw error(word.isEmpty() ? "expected a value" : "unsupported value " + Quoted.of(word));
  }

  private List<Object> array(int depth) throws JpullException {
    pos++;
    List<Object> list = new ArrayList<>();
    while (true) {
      skipArrayBlank();
      if (peek() == ']') {
        pos++;
        return list;
      }
      list.add(value(depth + 1));
      skipArrayBlank();
      if (peek() == ',') {
        pos++;
      } else if (peek() != ']') {
        throw error("expected ',' or ']' in an array");
      }
    }
  }

  private Map<String, Object> inlineTable(int depth) throws JpullException {
    pos++;
    Map<String, Object> table = new LinkedHashMap<>();
    skipSpaces();
    if (peek() == '}') {
      pos++;
      return table;
    }
    while (true) {
      skipSpaces();
      List<String> key = key();
      skipSpaces();
      expect('=');
      skipSpaces();
      put(table, key, value(depth + 1));
      skipSpaces();
      if (peek() == '}') {
        pos++;
        return table;
      }
      expect(',');
    }
  }

  private String basicString() throws JpullException {
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

  private String multiLineBasicString() throws JpullException {
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

  private String literalString() throws JpullException {
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

  private String multiLineLiteralString() throws JpullException {
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

  private void skipNewlineAfterOpening() {
    if (peek() == '\n') {
      pos++;
      line++;
    } else if (text.startsWith("\r\n", pos)) {
      pos += 2;
      line++;
    }
  }

  private void escape(StringBuilder b) throws JpullException {
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

  private int hex(int digits) throws JpullException {
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

  private void checkControl(char c) throws JpullException {
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      throw error("control character in a string");
    }
  }

  private void skipSpaces() {
    while (pos < text.length() && (peek() == ' ' || peek() == '\t')) {
      pos++;
    }
  }

  private void skipComment() throws JpullException {
    if (peek() == '#') {
      while (pos < text.length() && peek() != '\n') {
        char c = text.charAt(pos++);
        if (c != '\r') {
          checkControl(c);
        }
      }
    }
  }

  private void skipBlankLines() throws JpullException {
    while (pos < text.length()) {
      skipSpaces();
      skipComment();
      if (!consumeNewline()) {
        return;
      }
    }
  }

  private void skipArrayBlank() throws JpullException {
    while (true) {
      skipSpaces();
      skipComment();
      if (!consumeNewline()) {
        return;
      }
    }
  }

  private boolean consumeNewline() {
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

  private void newline() {
    if (peek() == '\n') {
      line++;
    }
  }

  private void endOfLine() throws JpullException {
    skipSpaces();
    skipComment();
    if (pos < text.length() && !consumeNewline()) {
      throw error("expected the end of the line, found " + Quoted.of(String.valueOf(peek())));
    }
  }

  private void expect(char c) throws JpullException {
    if (peek() != c) {
      throw error("expected '" + c + "'" + (pos >= text.length() ? ", found the end of the file"
          : ", found " + Quoted.of(String.valueOf(peek()))));
    }
    pos++;
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private JpullException error(String what) {
    return new JpullException(Kind.INVALID_INPUT, "parse " + source + " line " + line + ": " + what);
  }
}
