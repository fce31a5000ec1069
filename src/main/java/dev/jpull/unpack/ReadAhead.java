package dev.jpull.unpack;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a stream on a thread of its own into a small ring of buffers, so that decompression and the
 * diffID hash run on one core while the tar entries are written on the other. Memory is bounded by
 * {@code depth} chunks whatever the layer's size. Errors from the source are rethrown to the reader in
 * order, after the bytes read before them.
 */
final class ReadAhead extends InputStream {
  private static final Chunk END = new Chunk(new byte[0]);

  private final InputStream source;
  private final BlockingQueue<Chunk> free;
  private final BlockingQueue<Chunk> filled;
  private final Thread worker;
  private volatile boolean closed;
  private Chunk current;
  private IOException failure;

  private static final class Chunk {
    final byte[] data;
    int length;
    int pos;
    Throwable error;

    Chunk(byte[] data) {
      this.data = data;
    }
  }

  ReadAhead(InputStream source, int chunkSize, int depth, String name) {
    this.source = source;
    this.free = new ArrayBlockingQueue<>(depth);
    this.filled = new ArrayBlockingQueue<>(depth + 1);
    for (int i = 0; i < depth; i++) {
      free.add(new Chunk(new byte[chunkSize]));
    }
    this.worker = new Thread(this::fill, name);
    worker.setDaemon(true);
    worker.start();
  }

  private void fill() {
    try {
      while (!closed) {
        Chunk c = free.take();
        c.pos = 0;
        c.length = source.readNBytes(c.data, 0, c.data.length);
        if (c.length == 0) {
          filled.put(END);
          return;
        }
        filled.put(c);
      }
    } catch (InterruptedException e) {
      // close() stops us; nobody reads any more.
    } catch (Throwable t) {
      Chunk err = new Chunk(new byte[0]);
      err.error = t;
      filled.offer(err);
    }
  }

  private boolean advance() throws IOException {
    if (failure != null) {
      throw failure;
    }
    if (current == END) {
      return false;
    }
    if (current != null && current.pos < current.length) {
      return true;
    }
    if (current != null) {
      free.offer(current);
    }
    try {
      current = filled.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while unpacking");
    }
    if (current.error != null) {
      Throwable t = current.error;
      failure = t instanceof IOException io ? io : new IOException(t.getMessage(), t);
      if (t instanceof Error err) {
        throw err;
      }
      throw failure;
    }
    return current != END;
  }

  @Override
  public int read() throws IOException {
    if (!advance()) {
      return -1;
    }
    return current.data[current.pos++] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!advance()) {
      return -1;
    }
    int n = Math.min(len, current.length - current.pos);
    System.arraycopy(current.data, current.pos, b, off, n);
    current.pos += n;
    return n;
  }

  /** Stops the worker and waits for it, so the source is not closed under a running read. */
  @Override
  public void close() throws IOException {
    closed = true;
    worker.interrupt();
    try {
      worker.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    source.close();
  }
}
