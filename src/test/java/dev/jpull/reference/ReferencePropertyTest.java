package dev.jpull.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.testing.Fuzz;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, property-based tests: the reference parser takes what a user, a script or a lock file gives.
 * Random and mutated references either parse to a canonical reference that parses back to itself, or fail
 * with {@link ReferenceParseException} (exit 2) — nothing else, in bounded time and memory.
 */
class ReferencePropertyTest {
  private static final List<String> SAMPLES = List.of("alpine", "alpine:3.19", "library/alpine:latest",
      "docker.io/library/alpine:3.19", "ghcr.io/org/app:1.2", "127.0.0.1:5000/a/b:1", "localhost/x",
      "[::1]:5000/a@sha256:" + "a".repeat(64), "registry.test:443/a/b/c:tag_1.0-rc@sha512:" + "b".repeat(128),
      "quay.io/a__b/c-d.e:x", "example.com/a/b:" + "t".repeat(128));

  static String input(Random r) {
    return r.nextInt(4) == 0 ? Fuzz.randomString(r, 80) : Fuzz.mutate(r, SAMPLES.get(r.nextInt(SAMPLES.size())));
  }

  private static final java.util.concurrent.atomic.AtomicInteger PARSED = new java.util.concurrent.atomic.AtomicInteger();

  static void property(String s) throws Exception {
    Reference ref;
    try {
      ref = Reference.parse(s);
      PARSED.incrementAndGet();
    } catch (ReferenceParseException e) {
      assertEquals(Kind.INVALID_INPUT, e.kind(), e.getMessage());
      assertFalse(e.getMessage().isBlank());
      return;
    }
    String canonical = ref.toString();
    assertEquals(canonical, Reference.parse(canonical).toString(), "canonical form parses back to itself");
    assertEquals(canonical, Quoted.text(canonical), "a parsed reference holds no control character");
  }

  @Test
  void randomAndMutatedReferencesParseOrFailAsUsageErrors() {
    Fuzz.forAll("reference", ReferencePropertyTest::input, Fuzz::show, s -> 1_000_000L + 2_000L * s.length(),
        ReferencePropertyTest::property);
    int parsed = PARSED.get();
    org.junit.jupiter.api.Assertions.assertTrue(parsed > Fuzz.TRIES / 100 && parsed < Fuzz.TRIES, parsed + " parsed");
  }

  @Test
  void samplesParse() throws Exception {
    for (String s : SAMPLES) {
      property(s);
      Reference.parse(s);
    }
  }
}
