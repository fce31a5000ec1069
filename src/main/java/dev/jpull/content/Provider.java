package dev.jpull.content;

import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import java.io.IOException;
import java.io.InputStream;

/** Reads committed (verified) blobs. */
public interface Provider {
  /** Opens a committed blob; {@code NOT_FOUND} when it is absent. */
  InputStream open(Digest digest) throws IOException;

  /** Whether the blob is committed. */
  boolean contains(Digest digest);

  /**
   * Whether the blob is committed with the descriptor's size: a blob of another size (truncated by a
   * crash or a disk error) counts as missing, so a pull fetches it again instead of failing on it.
   */
  default boolean contains(Descriptor d) {
    return contains(d.digest());
  }
}
