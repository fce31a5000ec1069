package dev.jpull.content;

import dev.jpull.image.Cancellation;
import java.io.IOException;

/**
 * What other threads see of one ingest: its bytes as they are written. Holds none of the writer's buffers,
 * so a pull may keep one per blob it fetches; valid after the writer is closed (a follower opened then reads
 * the committed blob, or fails if the ingest did).
 */
@FunctionalInterface
public interface IngestView {
  /** A reader of the blob from byte 0, as it is written; see {@link IngestFollower}. */
  IngestFollower follow(Cancellation cancellation) throws IOException;
}
