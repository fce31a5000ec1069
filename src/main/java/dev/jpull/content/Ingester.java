package dev.jpull.content;

import dev.jpull.oci.Descriptor;
import java.io.IOException;
import java.util.Optional;

/** Writes blobs into a store. */
public interface Ingester {
  /**
   * Opens the ingest for {@code expected}, waiting while another writer (thread or process) holds it.
   * Empty when the blob is already committed, including by the writer that was waited for.
   */
  Optional<Writer> writer(Descriptor expected) throws IOException, InterruptedException;
}
