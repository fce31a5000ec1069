package dev.jpull.registry;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ChallengeTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("basic and bearer in one header",
            List.of("Basic realm=\"r\", Bearer realm=\"https://auth.test/t\",service=\"s\""),
            List.of(new Challenge("basic", Map.of("realm", "r")),
                new Challenge("bearer", Map.of("realm", "https://auth.test/t", "service", "s")))),
        Arguments.of("two headers",
            List.of("Basic realm=\"r\"", "Bearer realm=\"https://a/t\""),
            List.of(new Challenge("basic", Map.of("realm", "r")), new Challenge("bearer", Map.of("realm", "https://a/t")))),
        Arguments.of("lower-case scheme and unquoted values",
            List.of("bearer realm=https://a/t,service=reg"),
            List.of(new Challenge("bearer", Map.of("realm", "https://a/t", "service", "reg")))),
        Arguments.of("comma inside a quoted scope",
            List.of("Bearer realm=\"https://a/t\",scope=\"repository:a:pull,push\""),
            List.of(new Challenge("bearer", Map.of("realm", "https://a/t", "scope", "repository:a:pull,push")))),
        Arguments.of("escaped quote in the realm",
            List.of("Bearer realm=\"https://auth.test/t\\\"x\",service=\"s\""),
            List.of(new Challenge("bearer", Map.of("realm", "https://auth.test/t\"x", "service", "s")))),
        Arguments.of("only negotiate with a token68",
            List.of("Negotiate abc=="),
            List.of(new Challenge("negotiate", Map.of()))),
        Arguments.of("spaces around equals",
            List.of("Bearer realm = \"https://a/t\" , error = \"invalid_token\""),
            List.of(new Challenge("bearer", Map.of("realm", "https://a/t", "error", "invalid_token")))),
        Arguments.of("duplicate realm drops the challenge",
            List.of("Bearer realm=\"https://a/t\",realm=\"https://evil/t\", Basic realm=\"x\""),
            List.of(new Challenge("basic", Map.of("realm", "x")))),
        Arguments.of("unterminated quote", List.of("Bearer realm=\"https://a/t"),
            List.of(new Challenge("bearer", Map.of("realm", "https://a/t")))),
        Arguments.of("empty header", List.of(""), List.of()),
        Arguments.of("parameter before any scheme is ignored", List.of("realm=\"x\", Basic"),
            List.of(new Challenge("basic", Map.of()))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void parses(String name, List<String> headers, List<Challenge> want) {
    assertEquals(want, Challenge.parseAll(headers));
  }

  @Test
  void randomJunkNeverThrows() {
    Random random = new Random(42);
    String alphabet = "Bearer Basic realm=\"\\,; \t=abc\u0000\u00ff\u202e:/";
    for (int i = 0; i < 20_000; i++) {
      int n = random.nextInt(80);
      StringBuilder b = new StringBuilder();
      for (int j = 0; j < n; j++) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String h = b.toString();
      List<Challenge> parsed = assertDoesNotThrow(() -> Challenge.parseAll(List.of(h)), h);
      for (Challenge c : parsed) {
        assertTrue(!c.scheme().isEmpty(), h);
      }
    }
  }
}
