package dev.jpull.content;

import dev.jpull.JpullException;
import dev.jpull.Kind;

/**
 * Thrown to a reader following an ingest ({@link IngestFollower}) when the ingest restarted from zero or
 * ended without a commit: what it read so far may not be the blob. The writer's own failure, if any, is
 * what the pull reports; this one only tells the follower to stop trusting its bytes.
 */
public final class IngestRestartedException extends JpullException {
  private static final long serialVersionUID = 1L;

  IngestRestartedException(String message) {
    super(Kind.CANCELLED, message);
  }
}
