package dev.jpull.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jpull.Quoted;
import dev.jpull.testing.Fuzz;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, property-based tests: digests come from manifests, headers and references (CVE-2024-3727). A
 * string either parses to a digest whose text is exactly the input, or fails with
 * {@link IllegalArgumentException} (which every caller maps to exit 2 or 7).
 */
class DigestPropertyTest {
  private static final List<String> SAMPLES = List.of("sha256:" + "a".repeat(64), "sha512:" + "0f".repeat(64),
      "sha256:" + "0123456789abcdef".repeat(4));

  static String input(Random r) {
    return r.nextInt(4) == 0 ? Fuzz.randomString(r, 140) : Fuzz.mutate(r, SAMPLES.get(r.nextInt(SAMPLES.size())));
  }

  static void property(String s) {
    Digest d;
    try {
      d = Digest.parse(s);
    } catch (IllegalArgumentException e) {
      assertEquals(e.getMessage(), Quoted.text(e.getMessage()), "the message quotes the input escaped");
      return;
    }
    assertEquals(s, d.toString(), "a digest is exactly its text");
    assertEquals(d, Digest.parse(d.toString()));
  }

  @Test
  void randomAndMutatedDigestsParseExactlyOrFail() {
    Fuzz.forAll("digest", DigestPropertyTest::input, Fuzz::show, s -> 1_000_000L + 200L * s.length(),
        DigestPropertyTest::property);
  }
}
