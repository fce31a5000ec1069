package dev.jpull.content;

import dev.jpull.image.DigestMismatchException;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * An open ingest for one blob, holding the per-blob lock (one writer per blob across processes). Bytes
 * written are hashed as they are written. {@link #close()} without {@link #commit()} keeps the partial
 * for a later resume and releases the lock.
 */
public interface Writer extends Closeable {
  /** Bytes already in the ingest (re-hashed on open), i.e. where a resume starts. */
  long offset();

  /** Where to write the next bytes; writes beyond the expected size fail with {@code VERIFICATION}. */
  OutputStream stream();

  /**
   * This ingest as other threads see it: followers see bytes once they reach the file (a kept partial at
   * once), wait for more and end at the commit ({@link IngestFollower}). Unlike the rest of the writer, for
   * any thread, and also after this writer is closed.
   */
  IngestView view();

  /** Drops the partial and starts the blob again from byte 0. */
  void reset() throws IOException;

  /**
   * Fsyncs, checks size and digest, moves the blob atomically into place and makes it read-only.
   * "Already exists" is success. A mismatch throws {@code DigestMismatchException} and discards the ingest.
   */
  void commit() throws IOException;
}
