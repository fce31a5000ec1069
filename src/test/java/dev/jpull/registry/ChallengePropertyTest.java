package dev.jpull.registry;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.testing.Fuzz;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, property-based tests: {@code WWW-Authenticate} is written by the registry. Parsing never
 * throws, whatever the header holds, and every challenge it yields has a lower-case token scheme.
 */
class ChallengePropertyTest {
  private static final List<String> SAMPLES = List.of(
      "Bearer realm=\"https://auth.test/token\",service=\"registry.test\",scope=\"repository:a/b:pull\"",
      "Basic realm=\"registry\"", "Bearer realm=https://a.test/t, Basic realm=x",
      "Bearer realm=\"a\\\"b\",error=\"insufficient_scope\"", "Negotiate abc123==, Bearer realm=\"x\"");

  static String input(Random r) {
    return r.nextInt(4) == 0 ? Fuzz.randomString(r, 200) : Fuzz.mutate(r, SAMPLES.get(r.nextInt(SAMPLES.size())));
  }

  static void property(String s) {
    for (Challenge c : Challenge.parseAll(java.util.Arrays.asList(s, null))) {
      assertFalse(c.scheme().isEmpty(), "scheme");
      assertTrue(c.scheme().chars().allMatch(ch -> ch > 0x20 && ch < 0x7f && !Character.isUpperCase(ch)), c.scheme());
      c.params().keySet().forEach(k -> assertFalse(k.isEmpty(), "parameter name"));
    }
  }

  @Test
  void randomAndMutatedChallengesNeverThrow() {
    Fuzz.forAll("www-authenticate", ChallengePropertyTest::input, Fuzz::show, s -> 500_000L + 500L * s.length(),
        ChallengePropertyTest::property);
  }

  @Test
  void aHugeHeaderIsParsedInBoundedTime() {
    String huge = "Bearer " + "realm=\"x\",".repeat(200_000);
    Fuzz.replay("www-authenticate-huge", 0, r -> huge, s -> s.length() + " chars", s -> 8_000_000L, ChallengePropertyTest::property);
  }
}
