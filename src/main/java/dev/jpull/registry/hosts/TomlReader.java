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

  private final TomlCursor c;
  private final Set<Map<String, Object>> definedTables = Collections.newSetFromMap(new IdentityHashMap<>());

  private TomlReader(String text, String source) {
    this.c = new TomlCursor(text, source);
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
    if (c.text.startsWith("\uFEFF")) {
      c.pos = 1;
    }
    while (true) {
      skipBlankLines();
      if (c.atEnd()) {
        return root;
      }
      if (c.peek() == '[') {
        current = tableHeader(root);
      } else {
        List<String> key = key();
        c.skipSpaces();
        c.expect('=');
        c.skipSpaces();
        put(current, key, value(0));
      }
      endOfLine();
    }
  }

  private Map<String, Object> tableHeader(Map<String, Object> root) throws JpullException {
    c.pos++;
    if (c.peek() == '[') {
      throw c.error("arrays of tables ([[...]]) are not supported");
    }
    c.skipSpaces();
    List<String> key = key();
    c.skipSpaces();
    c.expect(']');
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
        throw c.error("table " + Quoted.of(String.join(".", key)) + " redefines the value of key " + Quoted.of(key.get(i)));
      }
    }
    if (!definedTables.add(table)) {
      throw c.error("table " + Quoted.of(String.join(".", key)) + " is defined twice");
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
        throw c.error("key " + Quoted.of(String.join(".", key)) + " redefines " + Quoted.of(key.get(i)));
      }
    }
    String last = key.get(key.size() - 1);
    if (t.containsKey(last)) {
      throw c.error("key " + Quoted.of(String.join(".", key)) + " is defined twice");
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
      char ch = c.peek();
      if (ch == '"') {
        parts.add(c.basicString());
      } else if (ch == '\'') {
        parts.add(c.literalString());
      } else {
        int start = c.pos;
        while (c.pos < c.text.length() && isBareKeyChar(c.text.charAt(c.pos))) {
          c.pos++;
        }
        if (start == c.pos) {
          throw c.error(c.atEnd() ? "expected a key, found the end of the file"
              : "expected a key, found " + Quoted.of(String.valueOf(c.peek())));
        }
        parts.add(c.text.substring(start, c.pos));
      }
      c.skipSpaces();
      if (c.peek() != '.') {
        return parts;
      }
      c.pos++;
      c.skipSpaces();
    }
  }

  private static boolean isBareKeyChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }

  private Object value(int depth) throws JpullException {
    if (depth > MAX_DEPTH) {
      throw c.error("values nested deeper than " + MAX_DEPTH);
    }
    char ch = c.peek();
    if (ch == '"') {
      return c.text.startsWith("\"\"\"", c.pos) ? c.multiLineBasicString() : c.basicString();
    }
    if (ch == '\'') {
      return c.text.startsWith("'''", c.pos) ? c.multiLineLiteralString() : c.literalString();
    }
    if (ch == '[') {
      return array(depth);
    }
    if (ch == '{') {
      return inlineTable(depth);
    }
    int start = c.pos;
    while (c.pos < c.text.length() && "+-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:".indexOf(c.peek()) >= 0) {
      c.pos++;
    }
    String word = c.text.substring(start, c.pos);
    if (word.equals("true") || word.equals("false")) {
      return Boolean.valueOf(word);
    }
    if (word.matches("[+-]?(0|[1-9](_?[0-9])*)") && word.length() <= 20) {
      try {
        return Long.parseLong(word.replace("_", ""));
      } catch (NumberFormatException e) {
        throw c.error("integer " + Quoted.of(word) + " out of range");
      }
    }
    throw c.error(word.isEmpty() ? "expected a value" : "unsupported value " + Quoted.of(word));
  }

  private List<Object> array(int depth) throws JpullException {
    c.pos++;
    List<Object> list = new ArrayList<>();
    while (true) {
      skipArrayBlank();
      if (c.peek() == ']') {
        c.pos++;
        return list;
      }
      list.add(value(depth + 1));
      skipArrayBlank();
      if (c.peek() == ',') {
        c.pos++;
      } else if (c.peek() != ']') {
        throw c.error("expected ',' or ']' in an array");
      }
    }
  }

  private Map<String, Object> inlineTable(int depth) throws JpullException {
    c.pos++;
    Map<String, Object> table = new LinkedHashMap<>();
    c.skipSpaces();
    if (c.peek() == '}') {
      c.pos++;
      return table;
    }
    while (true) {
      c.skipSpaces();
      List<String> key = key();
      c.skipSpaces();
      c.expect('=');
      c.skipSpaces();
      put(table, key, value(depth + 1));
      c.skipSpaces();
      if (c.peek() == '}') {
        c.pos++;
        return table;
      }
      c.expect(',');
    }
  }

  private void skipBlankLines() throws JpullException {
    while (!c.atEnd()) {
      c.skipSpaces();
      c.skipComment();
      if (!c.consumeNewline()) {
        return;
      }
    }
  }

  private void skipArrayBlank() throws JpullException {
    while (true) {
      c.skipSpaces();
      c.skipComment();
      if (!c.consumeNewline()) {
        return;
      }
    }
  }

  private void endOfLine() throws JpullException {
    c.skipSpaces();
    c.skipComment();
    if (!c.atEnd() && !c.consumeNewline()) {
      throw c.error("expected the end of the line, found " + Quoted.of(String.valueOf(c.peek())));
    }
  }

}
