package dev.jpull.unpack;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.testing.Fuzz;
import dev.jpull.testing.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, property-based tests: a layer's tar headers are written by whoever built the image. Random and
 * mutated archives (bit flips, truncation, overwritten size and length fields) are read entry by entry, or
 * refused with {@link TarFormatException} or {@link EOFException} — never another exception — and the reader
 * never allocates by a declared length (a header claiming a 1 MiB PAX record in a 2 KiB input).
 */
class TarReaderPropertyTest {
  private static final List<byte[]> SAMPLES = List.of(
      new TarBuilder().dir("etc").file("etc/hostname", "x\n").symlink("etc/l", "hostname").link("etc/h", "etc/hostname")
          .build(),
      new TarBuilder().file("a/" + "long".repeat(40) + "/name", "y").whiteout("gone").opaque("etc").fifo("p").build(),
      new TarBuilder().charDevice("dev/null", 1, 3).file("big", 0644, new byte[3000]).build());

  static byte[] input(Random r) {
    if (r.nextInt(10) == 0) {
      byte[] b = new byte[r.nextInt(4096)];
      r.nextBytes(b);
      return b;
    }
    return Fuzz.mutate(r, SAMPLES.get(r.nextInt(SAMPLES.size())));
  }

  private static final java.util.concurrent.atomic.AtomicInteger ENTRIES = new java.util.concurrent.atomic.AtomicInteger();
  private static final java.util.concurrent.atomic.AtomicInteger REFUSED = new java.util.concurrent.atomic.AtomicInteger();

  static void property(byte[] tar) throws Exception {
    TarReader reader = new TarReader(new ByteArrayInputStream(tar));
    byte[] buf = new byte[8192];
    try {
      for (int entries = 0; entries < 10_000; entries++) {
        TarEntry e = reader.next();
        if (e == null) {
          return;
        }
        e.name();
        ENTRIES.incrementAndGet();
        InputStream content = reader.content();
        long read = 0;
        for (int n; (n = content.read(buf)) > 0; ) {
          read += n;
        }
        assertTrue(read <= tar.length, "an entry's data comes from the input: " + read);
      }
    } catch (TarFormatException | EOFException expected) {
      // the documented refusals (Rootfs maps them to exit 7)
      REFUSED.incrementAndGet();
    }
  }

  @Test
  void randomAndMutatedArchivesAreReadOrRefused() {
    // Fixed costs: the reader's 64 KiB scratch buffer and the metadata maps; nothing in proportion to a
    // declared size.
    Fuzz.forAll("tar", TarReaderPropertyTest::input, Fuzz::show, b -> 1_000_000L + 64L * b.length,
        TarReaderPropertyTest::property);
    assertTrue(ENTRIES.get() > Fuzz.TRIES && REFUSED.get() > Fuzz.TRIES / 100, ENTRIES + " entries read, " + REFUSED
        + " archives refused");
  }

  @Test
  void samplesAreRead() throws Exception {
    for (byte[] s : SAMPLES) {
      property(s);
    }
  }
}
