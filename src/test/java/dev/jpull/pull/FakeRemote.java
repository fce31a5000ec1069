package dev.jpull.pull;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.image.Cancellation;
import dev.jpull.image.Fetched;
import dev.jpull.image.Fetcher;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.reference.Reference;
import dev.jpull.registry.Resolution;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * An in-memory image graph behind the {@link Fetcher} seam: no registry, no sockets. Each blob can be
 * scripted to fail, to block half-way through its body until closed (as a stalled connection is woken by
 * the pull's cancellation), or to wait for a latch before it is served. It counts fetches per digest.
 */
final class FakeRemote implements Puller.Remote {
  final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
  final Map<Digest, List<Long>> fetches = new ConcurrentHashMap<>();
  final Map<Digest, Behaviour> behaviours = new ConcurrentHashMap<>();
  final List<Digest> closedWhileBlocked = new CopyOnWriteArrayList<>();
  /** Blobs served whole whatever offset is asked, as by a server that ignores {@code Range}. */
  final java.util.Set<Digest> ignoringRange = ConcurrentHashMap.newKeySet();
  private final Descriptor root;

  /** What a blob does when fetched; the default serves it whole. */
  interface Behaviour {
    InputStream body(byte[] bytes, long offset) throws IOException, InterruptedException;
  }

  FakeRemote(Descriptor root) {
    this.root = root;
  }

  FakeRemote put(byte[] bytes) {
    blobs.put(Digest.sha256(bytes), bytes);
    return this;
  }

  int fetchCount(Digest d) {
    return fetches.getOrDefault(d, List.of()).size();
  }

  @Override
  public Resolution resolve(Reference ref) {
    return new Resolution(root, "fake.test");
  }

  @Override
  public Fetcher fetcher(Reference ref, Cancellation cancellation) {
    return (d, offset) -> {
      fetches.computeIfAbsent(d.digest(), k -> new CopyOnWriteArrayList<>()).add(offset);
      byte[] bytes = blobs.get(d.digest());
      if (bytes == null) {
        throw new JpullException(Kind.NOT_FOUND, "blob " + d.digest() + " not found at fake.test");
      }
      long start = ignoringRange.contains(d.digest()) ? 0 : offset;
      Behaviour b = behaviours.get(d.digest());
      InputStream body = b != null ? b.body(bytes, start)
          : new ByteArrayInputStream(bytes, (int) start, bytes.length - (int) start);
      return new Fetched(body, start, "fake.test", false);
    };
  }

  /** Fails the fetch (after {@code first} counts down, when given). */
  static Behaviour failing(CountDownLatch first, JpullException e) {
    return (bytes, offset) -> {
      if (first != null) {
        first.await();
      }
      throw e;
    };
  }

  /** Serves the blob once {@code gate} opens. */
  static Behaviour after(CountDownLatch gate) {
    return (bytes, offset) -> {
      gate.await();
      return new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset);
    };
  }

  /** What a paused body waits for before its second part: a latch, a file appearing. */
  @FunctionalInterface
  interface Gate {
    void await() throws InterruptedException;
  }

  /**
   * Serves {@code served} (the blob, or other bytes of its size) from the asked offset up to {@code at},
   * then waits for {@code gate} before the rest: the first part is in the store's ingest while it waits.
   */
  static Behaviour pausingAt(long at, byte[] served, Gate gate) {
    return (bytes, offset) -> new InputStream() {
      private int pos = (int) offset;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (pos == at) {
          try {
            gate.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
          }
        }
        if (pos >= served.length) {
          return -1;
        }
        int n = (int) Math.min(len, (pos < at ? at : served.length) - pos);
        System.arraycopy(served, pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  /** Serves half the body, counts {@code middle} down, then blocks until the stream is closed. */
  Behaviour blockingMidBody(Digest digest, CountDownLatch middle) {
    return (bytes, offset) -> new InputStream() {
      private int pos = (int) offset;
      private final CountDownLatch closed = new CountDownLatch(1);

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int half = bytes.length / 2;
        if (pos < half) {
          int n = Math.min(len, half - pos);
          System.arraycopy(bytes, pos, b, off, n);
          pos += n;
          return n;
        }
        middle.countDown();
        try {
          closed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted");
        }
        throw new IOException("stream closed");
      }

      @Override
      public void close() {
        if (closed.getCount() > 0 && pos >= bytes.length / 2) {
          closedWhileBlocked.add(digest);
        }
        closed.countDown();
      }
    };
  }
}
