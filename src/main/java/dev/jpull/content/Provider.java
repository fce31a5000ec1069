package dev.jpull.content;

import dev.jpull.oci.Digest;
import java.io.IOException;
import java.io.InputStream;

/** Reads committed (verified) blobs. */
public interface Provider {
  /** Opens a committed blob; {@code NOT_FOUND} when it is absent. */
  InputStream open(Digest digest) throws IOException;

  /** Whether the blob is committed. */
  boolean contains(Digest digest);
}
