package dev.jpull.content;

import dev.jpull.image.BlobSource;
import dev.jpull.oci.Digest;

/** Reads committed blobs: the store as a {@link BlobSource}, whose reads verify what they return. */
public interface Provider extends BlobSource {
  /** Whether a blob of this digest is committed, whatever its size. */
  boolean contains(Digest digest);
}
