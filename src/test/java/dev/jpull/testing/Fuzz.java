package dev.jpull.testing;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Seeded property runs for the parsers that take network input, in plain JUnit (jqwik was not used: its
 * 1.10 engine prints a notice that AI agents must not use it, and this suite is maintained with them).
 * Every try has its own seed, derived from {@link #SEED}, the property's name and the try's number, so a
 * failure names the seed that replays it exactly ({@link #replay}); keep such seeds as regression cases.
 *
 * <p>Each input must pass within {@link #PER_INPUT} and allocate at most what the property allows for it
 * (measured per thread, so a parser that sizes a buffer by a declared length fails here), and the whole run
 * is bounded by a preemptive timeout so a hang fails instead of stalling the build.
 */
public final class Fuzz {
  /** {@code -Djpull.fuzz.tries=N} for a longer run; 10,000 by default, the issue's CI floor. */
  public static final int TRIES = Integer.getInteger("jpull.fuzz.tries", 10_000);
  /** {@code -Djpull.fuzz.seed=N} to explore other inputs; fixed by default so CI is reproducible. */
  public static final long SEED = Long.getLong("jpull.fuzz.seed", 0x6a70756c6c13L);
  public static final Duration PER_INPUT = Duration.ofSeconds(2);
  private static final Duration PER_RUN = Duration.ofSeconds(120);
  private static final int WARM_UP = 200;

  private Fuzz() {}

  /** A property of one input; throwing anything is a failure. */
  public interface Property<T> {
    void check(T input) throws Throwable;
  }

  /**
   * Checks {@code property} on {@link #TRIES} inputs drawn by {@code gen}, each allowed {@code maxAllocated}
   * bytes of allocation.
   */
  public static <T> void forAll(String name, Function<Random, T> gen, Function<T, String> show,
      ToLongFunction<T> maxAllocated, Property<T> property) {
    assertTimeoutPreemptively(PER_RUN, () -> {
      for (int i = 0; i < TRIES; i++) {
        long seed = seed(name, i);
        // The first tries load, initialise and compile classes on this thread, which counts as its time and
        // allocation: they are checked for exceptions only.
        run(name, seed, i, gen, show, maxAllocated, property, i < WARM_UP);
      }
    }, name + ": " + TRIES + " tries within " + PER_RUN);
  }

  /** Replays one try of a property by its seed (as a failure printed it): a regression case. */
  public static <T> void replay(String name, long seed, Function<Random, T> gen, Function<T, String> show,
      ToLongFunction<T> maxAllocated, Property<T> property) {
    assertTimeoutPreemptively(PER_INPUT.multipliedBy(2),
        () -> run(name, seed, -1, gen, show, maxAllocated, property, false));
  }

  private static <T> void run(String name, long seed, int i, Function<Random, T> gen, Function<T, String> show,
      ToLongFunction<T> maxAllocated, Property<T> property, boolean warmUp) {
    T input = gen.apply(new Random(seed));
    long before = allocated();
    long start = System.nanoTime();
    try {
      property.check(input);
    } catch (Throwable t) {
      throw new AssertionError(name + " failed at try " + i + ", seed " + seed + "L, input " + show.apply(input)
          + ": " + t, t);
    }
    long nanos = System.nanoTime() - start;
    long bytes = allocated() - before;
    if (warmUp) {
      return;
    }
    if (nanos > PER_INPUT.toNanos()) {
      throw new AssertionError(name + " took " + nanos / 1_000_000 + " ms at try " + i + ", seed " + seed
          + "L, input " + show.apply(input));
    }
    long limit = maxAllocated.applyAsLong(input);
    if (bytes > limit) {
      throw new AssertionError(name + " allocated " + bytes + " bytes (limit " + limit + ") at try " + i
          + ", seed " + seed + "L, input " + show.apply(input));
    }
  }

  static long seed(String name, int i) {
    long h = SEED ^ (name.hashCode() * 0x9E3779B97F4A7C15L);
    return h + i * 0xBF58476D1CE4E5B9L;
  }

  private static long allocated() {
    java.lang.management.ThreadMXBean b = ManagementFactory.getThreadMXBean();
    if (b instanceof com.sun.management.ThreadMXBean s && s.isThreadAllocatedMemorySupported()) {
      return s.getCurrentThreadAllocatedBytes();
    }
    return 0;
  }

  // ---- generators

  /** Characters that break parsers: controls, C1, bidi, quotes, separators, non-BMP. */
  private static final String NASTY = "\u0000\u0001\u0007\u0008\t\n\r\u001b\u007f\u0085\u009b\u00a0\u200b\u202e"
      + "\u2028\ufeff\ufffd\"'\\/:;,=@#%?&<>[]{}()* .-_~+!$^|`\uD83D\uDE00\uD800";

  /** Tokens of the grammars under test, inserted whole by the mutators. */
  private static final List<String> TOKENS = List.of("sha256:", "sha512:", ":", "@", "/", "//", "..", "%2e%2e",
      "localhost", "[::1]", ":65536", ":0", "docker.io", "library/", "a".repeat(300), "\"", "\\\"", ",", "=", "==",
      "realm=", "Bearer ", "Basic ", "scope=", "<", ">", "; rel=\"next\"", "rel=next", "http://", "https://",
      "9223372036854775808", "-1", "1.5", "1e3", "1e309", "\"123\"", "null", "true", "[]", "{}", "[".repeat(80),
      "{\"a\":".repeat(40), "\"size\":", "\"digest\":", "\"mediaType\":", "\"layers\":", "\"manifests\":",
      "\"schemaVersion\":2", "\u009b", "\u001b]0;pwned\u0007");

  /** A random string of up to {@code max} characters, mixing ASCII, the nasty set and grammar tokens. */
  public static String randomString(Random r, int max) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(max + 1);
    while (b.length() < n) {
      int k = r.nextInt(10);
      if (k < 5) {
        b.append((char) (0x20 + r.nextInt(0x5f)));
      } else if (k < 7) {
        b.append(NASTY.charAt(r.nextInt(NASTY.length())));
      } else if (k < 9) {
        b.append(TOKENS.get(r.nextInt(TOKENS.size())));
      } else {
        b.append((char) r.nextInt(0x10000));
      }
    }
    return b.toString();
  }

  /** One to four mutations of a valid sample: the inputs closest to what parsers accept. */
  public static String mutate(Random r, String sample) {
    String s = sample;
    int n = 1 + r.nextInt(4);
    for (int i = 0; i < n; i++) {
      int at = s.isEmpty() ? 0 : r.nextInt(s.length() + 1);
      switch (r.nextInt(7)) {
        case 0 -> s = s.substring(0, at); // truncate
        case 1 -> s = s.substring(0, at) + NASTY.charAt(r.nextInt(NASTY.length())) + s.substring(at);
        case 2 -> s = s.substring(0, at) + TOKENS.get(r.nextInt(TOKENS.size())) + s.substring(at);
        case 3 -> { // delete a slice
          int end = Math.min(s.length(), at + 1 + r.nextInt(8));
          s = s.substring(0, at) + s.substring(end);
        }
        case 4 -> { // duplicate a slice
          int end = Math.min(s.length(), at + 1 + r.nextInt(16));
          s = s.substring(0, end) + s.substring(at, end) + s.substring(end);
        }
        case 5 -> { // flip a character's bits
          if (!s.isEmpty()) {
            int p = Math.min(at, s.length() - 1);
            s = s.substring(0, p) + (char) (s.charAt(p) ^ (1 << r.nextInt(8))) + s.substring(p + 1);
          }
        }
        default -> s = s.substring(0, at) + randomString(r, 8) + s.substring(at);
      }
    }
    return s;
  }

  /** Byte-level mutations of a valid sample: bit flips, truncation, insertion, overwrites with big numbers. */
  public static byte[] mutate(Random r, byte[] sample) {
    byte[] b = sample.clone();
    int n = 1 + r.nextInt(4);
    for (int i = 0; i < n; i++) {
      int at = b.length == 0 ? 0 : r.nextInt(b.length);
      switch (r.nextInt(6)) {
        case 0 -> b = java.util.Arrays.copyOf(b, at);
        case 1 -> {
          if (b.length > 0) {
            b[at] ^= (byte) (1 << r.nextInt(8));
          }
        }
        case 2 -> {
          if (b.length > 0) {
            b[at] = (byte) r.nextInt(256);
          }
        }
        case 3 -> { // overwrite with a token (octal fields, PAX lengths, JSON numbers)
          byte[] t = (r.nextBoolean() ? TOKENS.get(r.nextInt(TOKENS.size()))
              : List.of("77777777777", "99999999999", "\u0080\u00ff\u00ff\u00ff", "-1", "2147483648 ", "0")
                  .get(r.nextInt(6))).getBytes(StandardCharsets.ISO_8859_1);
          System.arraycopy(t, 0, b, at, Math.min(t.length, b.length - at));
        }
        case 4 -> { // insert random bytes
          byte[] t = new byte[1 + r.nextInt(16)];
          r.nextBytes(t);
          byte[] out = new byte[b.length + t.length];
          System.arraycopy(b, 0, out, 0, at);
          System.arraycopy(t, 0, out, at, t.length);
          System.arraycopy(b, at, out, at + t.length, b.length - at);
          b = out;
        }
        default -> { // zero a run (end markers, NUL-terminated names)
          int end = Math.min(b.length, at + 1 + r.nextInt(64));
          java.util.Arrays.fill(b, at, end, (byte) 0);
        }
      }
    }
    return b;
  }

  /** An input for a failure message: printable, short. */
  public static String show(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length() && i < 400; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || (c >= 0x7f && c < 0xa0) || c > 0x7e ? String.format("\\u%04x", (int) c) : c);
    }
    return b.append(s.length() > 400 ? "…\" (" + s.length() + " chars)" : "\"").toString();
  }

  public static String show(byte[] b) {
    return b.length + " bytes " + HexFormat.of().formatHex(b, 0, Math.min(b.length, 256)) + (b.length > 256 ? "…" : "");
  }
}
