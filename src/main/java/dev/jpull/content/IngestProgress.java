package dev.jpull.content;

import dev.jpull.image.Cancellation;
import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * What one ingest has made visible to the readers that follow it ({@link IngestFollower}): how many bytes
 * are in its file, how often it restarted from zero, and how it ended. Written by the ingest's one writer,
 * read by followers on other threads; all of it under this object's monitor, and every change wakes the
 * waiters, so a follower never polls.
 */
final class IngestProgress {
  private enum End { OPEN, COMMITTED, FAILED }

  /** Bytes written to the file's channel: never bytes still in the writer's buffer. */
  private long length;
  /** Bumped by each truncation: bytes read under an older generation may not be this blob's. */
  private int generation;
  private End end = End.OPEN;

  synchronized void published(long length) {
    this.length = length;
    notifyAll();
  }

  synchronized void restarted() {
    generation++;
    length = 0;
    notifyAll();
  }

  /** The blob is under {@code blobs/}, verified. */
  synchronized void committed() {
    end = End.COMMITTED;
    notifyAll();
  }

  /** Closed without a commit (aborted, a write or verification failure); no effect after a commit. */
  synchronized void failed() {
    if (end == End.OPEN) {
      end = End.FAILED;
    }
    notifyAll();
  }

  synchronized int generation() {
    return generation;
  }

  /** Wakes the waiters to look again (a cancelled pull). */
  synchronized void wake() {
    notifyAll();
  }

  /**
   * Waits until the file holds bytes beyond {@code pos} of {@code generation}, and returns its length;
   * -1 at the end of a committed blob. Throws when the ingest restarted or failed, or the pull is cancelled.
   */
  synchronized long await(long pos, int generation, Cancellation cancellation, String what) throws IOException {
    while (true) {
      check(generation, cancellation, what);
      if (length > pos) {
        return length;
      }
      if (end == End.COMMITTED) {
        return -1;
      }
      waitInterruptibly(what);
    }
  }

  /**
   * Throws when bytes read under {@code generation} are no longer to be trusted: the ingest restarted from
   * zero or failed. Also throws {@code CANCELLED} once the pull is.
   */
  synchronized void check(int generation, Cancellation cancellation, String what) throws IOException {
    cancellation.check(what);
    if (this.generation != generation) {
      throw new IngestRestartedException(what + ": the ingest restarted from zero");
    }
    if (end == End.FAILED) {
      throw new IngestRestartedException(what + ": the ingest ended without a commit");
    }
  }

  /**
   * Waits for the ingest to end and says whether the bytes of {@code generation} became the committed blob:
   * false as soon as it restarted or failed.
   */
  synchronized boolean awaitCommitted(int generation, Cancellation cancellation, String what) throws IOException {
    while (true) {
      cancellation.check(what);
      if (this.generation != generation || end == End.FAILED) {
        return false;
      }
      if (end == End.COMMITTED) {
        return true;
      }
      waitInterruptibly(what);
    }
  }

  private void waitInterruptibly(String what) throws InterruptedIOException {
    try {
      wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // ReadAhead.close interrupts its worker to stop it
      throw new InterruptedIOException(what + ": interrupted");
    }
  }

  @Override
  public synchronized String toString() {
    return "IngestProgress[" + length + " bytes, generation " + generation + ", " + end + "]";
  }
}
