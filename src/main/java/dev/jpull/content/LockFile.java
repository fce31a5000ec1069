package dev.jpull.content;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileLock;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A kernel advisory lock on a dedicated lock file, usable from any number of threads and store instances
 * of this JVM. A kernel lock (unlike a pid file) vanishes when its process dies, so a SIGKILLed holder
 * never blocks the next process (HOSTILE-INPUTS E6).
 *
 * <p>Java's file locks are per JVM, and closing <em>any</em> channel to a file drops every lock the JVM
 * holds on it (FileLock javadoc, LUCENE-5738). So there is exactly one channel per lock file per JVM,
 * kept in {@link #OPEN} while anyone in the JVM uses it, and an in-JVM state machine in front of the OS
 * lock so that {@code OverlappingFileLockException} can never happen. The channel is an
 * {@link AsynchronousFileChannel} because it is not an {@code InterruptibleChannel}: interrupting a
 * thread inside {@code FileChannel.tryLock} would close the shared channel and silently drop the
 * locks of every other thread.
 */
final class LockFile {
  private static final Map<Path, LockFile> OPEN = new HashMap<>(); // guarded by OPEN
  private static final Set<OpenOption> OPTIONS = Set.of(
      StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
  private static final long MAX_BACKOFF_MILLIS = 200;

  private final Path path;
  private final AsynchronousFileChannel channel;
  private int users; // guarded by OPEN

  // guarded by this
  private int shared;
  private boolean exclusive;
  private boolean acquiring;
  private FileLock osLock;

  private LockFile(Path path, AsynchronousFileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  /** Takes the lock exclusively, waiting (interruptibly) while another thread or process holds it. */
  static Closeable exclusive(Path lockFile) throws IOException, InterruptedException {
    return use(lockFile).acquire(false);
  }

  /** Takes the lock shared: many holders at once, in this JVM and others, but never with an exclusive one. */
  static Closeable shared(Path lockFile) throws IOException, InterruptedException {
    return use(lockFile).acquire(true);
  }

  private static LockFile use(Path lockFile) throws IOException {
    Path key = lockFile.toAbsolutePath().normalize();
    synchronized (OPEN) {
      LockFile lf = OPEN.get(key);
      if (lf == null) {
        AsynchronousFileChannel ch = AsynchronousFileChannel.open(key, OPTIONS, null,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        lf = new LockFile(key, ch);
        OPEN.put(key, lf);
      }
      lf.users++;
      return lf;
    }
  }

  private void unuse() {
    synchronized (OPEN) {
      if (--users == 0) {
        // Nobody in this JVM holds or awaits a lock on this file, so closing the channel drops nothing.
        OPEN.remove(path);
        try {
          channel.close();
        } catch (IOException ignored) {
          // the descriptor is gone either way
        }
      }
    }
  }

  private Closeable acquire(boolean wantShared) throws IOException, InterruptedException {
    boolean ok = false;
    try {
      synchronized (this) {
        while (true) {
          if (wantShared && shared > 0) {
            shared++;
            ok = true;
            return new Held(this, true);
          }
          if (!acquiring && !exclusive && shared == 0) {
            acquiring = true;
            break;
          }
          wait();
        }
      }
      FileLock lock = null;
      try {
        lock = pollOsLock(wantShared);
      } finally {
        synchronized (this) {
          acquiring = false;
          if (lock != null) {
            osLock = lock;
            if (wantShared) {
              shared = 1;
            } else {
              exclusive = true;
            }
          }
          notifyAll();
        }
      }
      ok = true;
      return new Held(this, wantShared);
    } finally {
      if (!ok) {
        unuse();
      }
    }
  }

  /** Polls with a randomised back-off (containerd OpenWriter: 16 ms doubling), capped low so a freed lock is seen soon. */
  private FileLock pollOsLock(boolean wantShared) throws IOException, InterruptedException {
    long backoff = 4;
    while (true) {
      if (Thread.interrupted()) {
        throw new InterruptedException("waiting for lock " + path);
      }
      FileLock lock = channel.tryLock(0, Long.MAX_VALUE, wantShared);
      if (lock != null) {
        return lock;
      }
      Thread.sleep(backoff + ThreadLocalRandom.current().nextLong(backoff + 1));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
    }
  }

  private void release(boolean wasShared) {
    try {
      synchronized (this) {
        if (wasShared && --shared > 0) {
          return;
        }
        exclusive = false;
        shared = 0;
        FileLock lock = osLock;
        osLock = null;
        if (lock != null && lock.isValid()) {
          try {
            lock.release();
          } catch (IOException ignored) {
            // closing the channel below (when unused) releases it as well
          }
        }
        notifyAll();
      }
    } finally {
      unuse();
    }
  }

  /** One acquisition; closing it twice is harmless. */
  private static final class Held implements Closeable {
    private final LockFile file;
    private final boolean shared;
    private final AtomicBoolean closed = new AtomicBoolean();

    Held(LockFile file, boolean shared) {
      this.file = file;
      this.shared = shared;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        file.release(shared);
      }
    }
  }
}
