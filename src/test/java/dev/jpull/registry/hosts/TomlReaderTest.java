package dev.jpull.registry.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TomlReaderTest {
  static Stream<Arguments> valid() {
    return Stream.of(
        Arguments.of("bare key, basic string", "a = \"x\"", Map.of("a", "x")),
        Arguments.of("comments and blank lines", "# c\n\n  a = 'x' # trailing\n# end", Map.of("a", "x")),
        Arguments.of("quoted and dotted keys", "\"a.b\" = 1\nc.d = true\n'e' . \"f\" = false",
            Map.of("a.b", 1L, "c", Map.of("d", true), "e", Map.of("f", false))),
        Arguments.of("escapes", "a = \"t\\t q\\\" b\\\\ u\\u00e9 U\\U0001F600 n\\n\"", Map.of("a", "t\t q\" b\\ u\u00e9 U\uD83D\uDE00 n\n")),
        Arguments.of("literal keeps backslashes", "a = 'C:\\path\\n'", Map.of("a", "C:\\path\\n")),
        Arguments.of("integers", "a = 0\nb = -17\nc = +1_000", Map.of("a", 0L, "b", -17L, "c", 1000L)),
        Arguments.of("table and quoted subtable", "[host.\"https://m.example.com:5000/v2\"]\nx = 1\n[host.\"https://m.example.com:5000/v2\".header]\ny = 'z'",
            Map.of("host", Map.of("https://m.example.com:5000/v2", Map.of("x", 1L, "header", Map.of("y", "z"))))),
        Arguments.of("multi-line nested arrays with trailing commas and comments",
            "a = [\n  [\"c1\", \"k1\"], # first\n  ['c2', 'k2'],\n]\nb = []",
            Map.of("a", List.of(List.of("c1", "k1"), List.of("c2", "k2")), "b", List.of())),
        Arguments.of("inline table", "h = { x = \"1\", y.z = [1, 2] }", Map.of("h", Map.of("x", "1", "y", Map.of("z", List.of(1L, 2L))))),
        Arguments.of("multi-line basic string", "a = \"\"\"\nl1\\\n   l2\"\"\"", Map.of("a", "l1l2")),
        Arguments.of("multi-line literal string", "a = '''\nx\\y\n'''", Map.of("a", "x\\y\n")),
        Arguments.of("CRLF line endings", "a = 1\r\n[t]\r\nb = 2\r\n", Map.of("a", 1L, "t", Map.of("b", 2L))),
        Arguments.of("empty document", "", Map.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void parses(String name, String toml, Map<String, Object> expected) throws Exception {
    assertEquals(expected, TomlReader.parse(toml, "t.toml"));
  }

  @Test
  void tablesKeepFileOrder() throws Exception {
    Map<String, Object> m = TomlReader.parse("[host.\"z\"]\n[host.\"a\"]\n[host.\"m\"]", "t.toml");
    assertEquals(List.of("z", "a", "m"), List.copyOf(((Map<?, ?>) m.get("host")).keySet()));
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("unterminated string", "a = 1\nb = \"x", 2, "unterminated"),
        Arguments.of("missing equals", "\n\na \"x\"", 3, "expected '='"),
        Arguments.of("duplicate key", "a = 1\na = 2", 2, "defined twice"),
        Arguments.of("duplicate table", "[t]\n[u]\n[t]", 3, "defined twice"),
        Arguments.of("key redefined as table", "a = 1\n[a]", 2, "redefines"),
        Arguments.of("dotted key through a value", "a = 1\na.b = 2", 2, "redefines"),
        Arguments.of("float unsupported", "a = 1.5", 1, "unsupported value"),
        Arguments.of("date unsupported", "a = 1979-05-27", 1, "unsupported value"),
        Arguments.of("array of tables unsupported", "[[a]]", 1, "arrays of tables"),
        Arguments.of("bad escape", "a = \"\\q\"", 1, "invalid escape"),
        Arguments.of("surrogate escape", "a = \"\\uD800\"", 1, "invalid unicode"),
        Arguments.of("two values on a line", "a = 1 b = 2", 1, "end of the line"),
        Arguments.of("unclosed array", "a = [1,\n2,\n", 3, "expected a value"),
        Arguments.of("missing comma", "a = [1\n 2]", 2, "expected ','"),
        Arguments.of("control char in string", "a = \"x\u0001\"", 1, "control character"),
        Arguments.of("bare word", "a = yes", 1, "unsupported value"),
        Arguments.of("integer overflow", "a = 99999999999999999999", 1, "out of range"),
        Arguments.of("too deep", "a = " + "[".repeat(100) + "]".repeat(100), 1, "nested deeper"),
        Arguments.of("empty key", "= 1", 1, "expected a key"),
        Arguments.of("header without close", "[a\nb = 1", 1, "expected ']'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedNamesFileAndLine(String name, String toml, int line, String what) {
    JpullException e = assertThrows(JpullException.class, () -> TomlReader.parse(toml, "/x/hosts.toml"));
    assertEquals(Kind.INVALID_INPUT, e.kind());
    assertTrue(e.getMessage().startsWith("parse /x/hosts.toml line " + line + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(what), e.getMessage());
  }

  @Test
  void fileSizeIsBounded(@TempDir Path tmp) throws Exception {
    Path f = Files.writeString(tmp.resolve("hosts.toml"), "# " + "x".repeat(TomlReader.MAX_BYTES));
    JpullException e = assertThrows(JpullException.class, () -> TomlReader.read(f));
    assertTrue(e.getMessage().contains("larger than"), e.getMessage());
  }
}
