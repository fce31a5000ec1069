package dev.jpull.image;

import dev.jpull.oci.Descriptor;
import java.io.IOException;

/**
 * Fetches a descriptor's bytes from where an image comes from (containerd's {@code remotes.Fetcher}): the
 * registry, or a fake in tests. One method, descriptor and offset to stream; resuming a kept partial and
 * hashing it stay in the store's ingest, and the caller verifies what it stores.
 */
@FunctionalInterface
public interface Fetcher {
  /** Opens {@code d} from {@code offset} (0, or the length of a kept partial). */
  Fetched fetch(Descriptor d, long offset) throws IOException, InterruptedException;
}
