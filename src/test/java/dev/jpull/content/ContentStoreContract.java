package dev.jpull.content;

import dev.jpull.image.DigestMismatchException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every content store must do (containerd core/content/testsuite): verified commits, resumable
 * ingests, one writer per blob. A store implementation runs it by extending it.
 */
abstract class ContentStoreContract<S extends Provider & Ingester> {
  @TempDir
  Path dir;

  S store;

  /** Opens a store in an empty directory. */
  protected abstract S newStore(Path root) throws IOException;

  /** Replaces the partial bytes of an ingest with {@code bytes} (another process's damage). */
  protected abstract void overwritePartial(Digest d, byte[] bytes) throws IOException;

  @BeforeEach
  void openStore() throws IOException {
    store = newStore(dir.resolve("store"));
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static Descriptor descriptorOf(byte[] bytes) {
    return new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(bytes), bytes.length);
  }

  Writer open(Descriptor d) throws Exception {
    return store.writer(d).orElseThrow(() -> new AssertionError("writer for " + d + " unexpectedly empty"));
  }

  byte[] read(Digest d) throws IOException {
    try (InputStream in = store.openUnverified(d)) {
      return in.readAllBytes();
    }
  }

  static Stream<Arguments> writePatterns() {
    return Stream.of(
        Arguments.of("empty blob", 0, 1),
        Arguments.of("one byte", 1, 1),
        Arguments.of("small blob, byte-at-a-time", 3000, 1),
        Arguments.of("odd chunks", 100_003, 4093),
        Arguments.of("one chunk larger than the write buffer", (1 << 20) * 2 + 17, (1 << 20) * 2 + 17),
        Arguments.of("many chunks crossing the write buffer", (1 << 20) + 5, 65_536));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("writePatterns")
  void commitsAVerifiedBlob(String name, int size, int chunk) throws Exception {
    byte[] blob = random(size, size);
    Descriptor d = descriptorOf(blob);
    try (Writer w = open(d)) {
      assertEquals(0, w.offset());
      OutputStream out = w.stream();
      for (int off = 0; off < size; off += chunk) {
        int n = Math.min(chunk, size - off);
        if (n == 1) {
          out.write(blob[off]);
        } else {
          out.write(blob, off, n);
        }
      }
      assertEquals(size, w.offset());
      w.commit();
    }
    assertTrue(store.contains(d.digest()));
    assertArrayEquals(blob, read(d.digest()));
    assertEquals(Optional.empty(), store.writer(d), "a committed blob needs no writer");
  }

  @Test
  void digestMismatchDiscardsTheIngest() throws Exception {
    byte[] want = random(5000, 1);
    byte[] served = random(5000, 2);
    Descriptor d = descriptorOf(want);
    try (Writer w = open(d)) {
      w.stream().write(served);
      DigestMismatchException e = assertThrows(DigestMismatchException.class, w::commit);
      assertEquals(Kind.VERIFICATION, e.kind());
      assertEquals("digest mismatch for " + d.digest() + ": got " + Digest.sha256(served), e.getMessage());
    }
    assertFalse(store.contains(d.digest()));
    try (Writer again = open(d)) {
      assertEquals(0, again.offset(), "the bad bytes were discarded, not kept for a resume");
    }
  }

  @Test
  void writesBeyondTheDescriptorSizeFailAtOnce() throws Exception {
    byte[] blob = random(100, 3);
    Descriptor d = descriptorOf(blob);
    try (Writer w = open(d)) {
      w.stream().write(blob, 0, 60);
      JpullException e = assertThrows(JpullException.class, () -> w.stream().write(new byte[41]));
      assertEquals(Kind.VERIFICATION, e.kind());
      assertTrue(e.getMessage().contains("blob larger than descriptor size 100"), e.getMessage());
      assertEquals(60, w.offset(), "the refused write left nothing behind");
    }
    assertFalse(store.contains(d.digest()));
  }

  @Test
  void aShortBlobIsNotCommitted() throws Exception {
    byte[] blob = random(100, 4);
    Descriptor d = descriptorOf(blob);
    try (Writer w = open(d)) {
      w.stream().write(blob, 0, 99);
      JpullException e = assertThrows(JpullException.class, w::commit);
      assertEquals(Kind.VERIFICATION, e.kind());
    }
    assertFalse(store.contains(d.digest()));
  }

  @Test
  void resumesAfterCloseFromTheBytesWritten() throws Exception {
    byte[] blob = random(300_000, 5);
    Descriptor d = descriptorOf(blob);
    try (Writer w = open(d)) {
      w.stream().write(blob, 0, 123_456);
    }
    try (Writer w = open(d)) {
      assertEquals(123_456, w.offset());
      w.stream().write(blob, 123_456, blob.length - 123_456);
      w.commit();
    }
    assertArrayEquals(blob, read(d.digest()));
  }

  @Test
  void aTamperedPartialFailsAtCommit() throws Exception {
    byte[] blob = random(10_000, 6);
    Descriptor d = descriptorOf(blob);
    try (Writer w = open(d)) {
      w.stream().write(blob, 0, 5000);
    }
    byte[] tampered = Arrays.copyOf(blob, 5000);
    tampered[42] ^= 1;
    overwritePartial(d.digest(), tampered);
    try (Writer w = open(d)) {
      assertEquals(5000, w.offset());
      w.stream().write(blob, 5000, 5000);
      assertThrows(DigestMismatchException.class, w::commit);
    }
    assertFalse(store.contains(d.digest()));
  }

  @Test
  void aPartialLargerThanTheBlobStartsOver() throws Exception {
    byte[] blob = random(1000, 7);
    Descriptor d = descriptorOf(blob);
    try (Writer w = open(d)) {
      w.stream().write(blob, 0, 10);
    }
    overwritePartial(d.digest(), random(2000, 8));
    try (Writer w = open(d)) {
      assertEquals(0, w.offset());
      w.stream().write(blob);
      w.commit();
    }
    assertArrayEquals(blob, read(d.digest()));
  }

  @Test
  void resetDropsThePartial() throws Exception {
    byte[] blob = random(1000, 9);
    Descriptor d = descriptorOf(blob);
    try (Writer w = open(d)) {
      w.stream().write(random(500, 10));
      w.reset();
      assertEquals(0, w.offset());
      w.stream().write(blob);
      w.commit();
    }
    assertArrayEquals(blob, read(d.digest()));
  }

  @Test
  void openingAnAbsentBlobIsNotFound() {
    JpullException e = assertThrows(JpullException.class, () -> store.openUnverified(Digest.sha256(new byte[] {1})));
    assertEquals(Kind.NOT_FOUND, e.kind());
  }

  @Test
  @Timeout(30)
  void twoThreadsWritingOneBlobCommitItOnce() throws Exception {
    byte[] blob = random(200_000, 11);
    Descriptor d = descriptorOf(blob);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Writer first = open(d);
      CountDownLatch secondStarted = new CountDownLatch(1);
      Future<Optional<Writer>> second = pool.submit(() -> {
        secondStarted.countDown();
        return store.writer(d);
      });
      secondStarted.await();
      Thread.sleep(300);
      assertFalse(second.isDone(), "the second writer waits while the first holds the blob");
      first.stream().write(blob);
      first.commit();
      first.close();
      assertEquals(Optional.empty(), second.get(10, TimeUnit.SECONDS), "the blob was committed meanwhile");
    } finally {
      pool.shutdownNow();
    }
    assertArrayEquals(blob, read(d.digest()));
  }

  @Test
  @Timeout(30)
  void aWaitingWriterResumesWhatTheFirstLeft() throws Exception {
    byte[] blob = random(50_000, 12);
    Descriptor d = descriptorOf(blob);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Writer first = open(d);
      first.stream().write(blob, 0, 20_000);
      Future<Optional<Writer>> second = pool.submit(() -> store.writer(d));
      Thread.sleep(200);
      assertFalse(second.isDone());
      first.close();
      try (Writer w = second.get(10, TimeUnit.SECONDS).orElseThrow()) {
        assertEquals(20_000, w.offset());
        w.stream().write(blob, 20_000, 30_000);
        w.commit();
      }
    } finally {
      pool.shutdownNow();
    }
    assertArrayEquals(blob, read(d.digest()));
  }

  @Test
  @Timeout(30)
  void aWaitingWriterCanBeInterrupted() throws Exception {
    byte[] blob = random(10, 13);
    Descriptor d = descriptorOf(blob);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Writer first = open(d)) {
      Future<Optional<Writer>> second = pool.submit(() -> store.writer(d));
      Thread.sleep(100);
      second.cancel(true);
      pool.shutdown();
      assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS), "the waiting thread gave up on interrupt");
      first.stream().write(blob);
      first.commit();
    }
    assertTrue(store.contains(d.digest()), "the interrupted waiter did not disturb the holder's lock");
  }
}
