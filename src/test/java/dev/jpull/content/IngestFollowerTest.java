package dev.jpull.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.image.Cancellation;
import dev.jpull.image.VerifyingInputStream;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link IngestFollower} alone: it sees what the writer put in the file (not its buffer), waits for more,
 * ends at the commit, and throws on a restart, a failure and a cancellation. Every wait is under a 5 s
 * hang guard; "blocked" is read off the reading thread's state, never off a sleep.
 */
class IngestFollowerTest {
  private static final Duration GUARD = Duration.ofSeconds(5);

  @TempDir Path dir;
  LocalContentStore store;
  final Cancellation cancellation = new Cancellation();
  final byte[] blob = new byte[3 * 100_000];
  Descriptor desc;

  @BeforeEach
  void open() throws IOException {
    store = LocalContentStore.open(dir.resolve("store"));
    new Random(15).nextBytes(blob);
    desc = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(blob), blob.length);
  }

  Writer writer() throws Exception {
    return store.writer(desc).orElseThrow();
  }

  /** Writes {@code [from, to)} of the blob and flushes it into the file, which publishes it. */
  void write(Writer w, int from, int to) throws IOException {
    w.stream().write(blob, from, to - from);
    w.stream().flush();
  }

  /** Runs one read on a thread of its own and returns once that thread is blocked in it. */
  static <T> Future<T> blockedRead(java.util.concurrent.Callable<T> read) throws InterruptedException {
    FutureTask<T> task = new FutureTask<>(read);
    Thread t = new Thread(task, "follower-test-reader");
    t.setDaemon(true);
    t.start();
    while (t.getState() != Thread.State.WAITING && !task.isDone()) {
      Thread.onSpinWait(); // bounded by the test's guard
    }
    return task;
  }

  static Throwable failure(Future<?> f) throws InterruptedException {
    try {
      f.get();
      throw new AssertionError("the read did not fail");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  void readsWhatIsPublishedBlocksForMoreAndEndsAtTheCommit() throws Exception {
    assertTimeoutPreemptively(GUARD, () -> {
      Writer w = writer();
      IngestFollower f = w.view().follow(cancellation);
      write(w, 0, 100_000);
      w.stream().write(blob, 100_000, 10); // in the writer's buffer only: not for the follower
      assertArrayEquals(Arrays.copyOf(blob, 100_000), f.readNBytes(100_000));
      Future<Integer> next = blockedRead(() -> f.read(new byte[8192]));
      assertFalse(next.isDone(), "nothing beyond the published bytes");
      w.stream().flush();
      assertEquals(10, next.get(), "the flushed bytes wake the reader");
      write(w, 100_010, blob.length);
      byte[] rest = f.readNBytes(blob.length - 100_010);
      assertArrayEquals(Arrays.copyOfRange(blob, 100_010, blob.length), rest);
      Future<Integer> end = blockedRead(f::read);
      assertFalse(end.isDone(), "all bytes are there, but the blob is not committed yet");
      w.commit();
      assertEquals(-1, end.get(), "the end comes with the commit");
      assertTrue(f.awaitCommitted());
      f.close();
    });
  }

  @Test
  void theFollowerGoesThroughTheVerifyingStreamAndAFollowerOpenedAfterTheCommitReadsTheBlob() throws Exception {
    assertTimeoutPreemptively(GUARD, () -> {
      Writer w = writer();
      write(w, 0, blob.length);
      w.commit();
      try (VerifyingInputStream in = VerifyingInputStream.of(w.view().follow(cancellation), desc)) {
        assertArrayEquals(blob, in.readAllBytes());
        assertTrue(in.verified());
      }
    });
  }

  @Test
  void aKeptPartialIsReadableAtOnce() throws Exception {
    assertTimeoutPreemptively(GUARD, () -> {
      try (Writer earlier = writer()) {
        write(earlier, 0, 50_000); // an earlier run, closed without a commit: the partial is kept
      }
      Writer w = writer();
      assertEquals(50_000, w.offset());
      IngestFollower f = w.view().follow(cancellation);
      assertArrayEquals(Arrays.copyOf(blob, 50_000), f.readNBytes(50_000));
      write(w, 50_000, blob.length);
      w.commit();
      assertArrayEquals(Arrays.copyOfRange(blob, 50_000, blob.length), f.readAllBytes());
    });
  }

  @Test
  void aRestartFromZeroThrowsAtTheNextReadAndWakesAWaitingOne() throws Exception {
    assertTimeoutPreemptively(GUARD, () -> {
      Writer w = writer();
      IngestFollower f = w.view().follow(cancellation);
      write(w, 0, 1000);
      f.readNBytes(1000);
      Future<Integer> waiting = blockedRead(() -> f.read(new byte[10]));
      w.reset();
      assertTrue(failure(waiting) instanceof IngestRestartedException, "woken by the restart");
      write(w, 0, 1000);
      assertThrows(IngestRestartedException.class, () -> f.read(new byte[10]),
          "the new bytes are another generation's");
      assertFalse(f.awaitCommitted());
      w.close();
    });
  }

  @Test
  void anIngestClosedWithoutACommitFailsItsFollower() throws Exception {
    assertTimeoutPreemptively(GUARD, () -> {
      Writer w = writer();
      IngestFollower f = w.view().follow(cancellation);
      Future<Integer> waiting = blockedRead(() -> f.read(new byte[10]));
      w.close();
      assertTrue(failure(waiting) instanceof IngestRestartedException);
      assertFalse(f.awaitCommitted());
    });
  }

  @Test
  void aCommitThatFailsVerificationFailsItsFollower() throws Exception {
    assertTimeoutPreemptively(GUARD, () -> {
      Writer w = writer();
      IngestFollower f = w.view().follow(cancellation);
      byte[] wrong = blob.clone();
      wrong[7] ^= 1;
      w.stream().write(wrong);
      w.stream().flush();
      assertEquals(blob.length, f.readNBytes(blob.length).length);
      Future<Integer> end = blockedRead(f::read);
      assertThrows(JpullException.class, w::commit);
      assertTrue(failure(end) instanceof IngestRestartedException, "no end of stream for bytes that were refused");
    });
  }

  @Test
  void aCancelWakesAWaitingFollowerAtOnce() throws Exception {
    assertTimeoutPreemptively(GUARD, () -> {
      Writer w = writer();
      IngestFollower f = w.view().follow(cancellation);
      Future<Integer> waiting = blockedRead(() -> f.read(new byte[10]));
      Future<Boolean> outcome = blockedRead(f::awaitCommitted);
      cancellation.cancel(new JpullException(Kind.CANCELLED, "interrupted"));
      for (Future<?> each : new Future<?>[] {waiting, outcome}) {
        Throwable e = failure(each);
        assertTrue(e instanceof JpullException j && j.kind() == Kind.CANCELLED, String.valueOf(e));
      }
      w.close();
    });
  }

  @Test
  void anInterruptWakesAWaitingFollower() throws Exception {
    // ReadAhead.close stops its worker by interrupting it, wherever it waits.
    assertTimeoutPreemptively(GUARD, () -> {
      Writer w = writer();
      IngestFollower f = w.view().follow(cancellation);
      CompletableFuture<Throwable> got = new CompletableFuture<>();
      Thread t = new Thread(() -> {
        try (InputStream in = f) {
          in.read();
          got.complete(null);
        } catch (Throwable e) {
          got.complete(e);
        }
      });
      t.start();
      while (t.getState() != Thread.State.WAITING) {
        Thread.onSpinWait();
      }
      t.interrupt();
      assertTrue(got.get() instanceof java.io.InterruptedIOException, String.valueOf(got.get()));
      w.close();
    });
  }
}
