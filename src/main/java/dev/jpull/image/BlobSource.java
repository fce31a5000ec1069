package dev.jpull.image;

import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where an image's blobs are read from (go-containerregistry's views over a medium): the local store
 * today; an OCI layout or an archive could be one too. Every read a caller makes goes through
 * {@link #open(Descriptor)}, which verifies size and digest as the bytes pass.
 */
public interface BlobSource {
  /** The blob's bytes as held, not checked: only for {@link #open} and for ranges of a verified blob. */
  InputStream openUnverified(Digest digest) throws IOException;

  /**
   * Whether the blob is held with the descriptor's size: a blob of another size (truncated by a crash or a
   * disk error) counts as missing, so a pull fetches it again instead of failing on it.
   */
  boolean contains(Descriptor d);

  /** The blob's bytes, verified against {@code d} as they are read: the read that completes a mismatch fails. */
  default VerifyingInputStream open(Descriptor d) throws IOException {
    return VerifyingInputStream.of(openUnverified(d.digest()), d);
  }

  /** A whole document (manifest, index, config), bounded by {@code max} and verified. */
  default byte[] read(Descriptor d, int max) throws IOException {
    if (d.size() > max || d.size() < 0) {
      return VerifyingInputStream.readAll(InputStream.nullInputStream(), d, max); // refuses, naming it
    }
    return VerifyingInputStream.readAll(openUnverified(d.digest()), d, max);
  }

  /** A stored index or manifest, read whole (bounded by {@link Document#MAX_SIZE}), verified and parsed. */
  default Document document(Descriptor d) throws IOException {
    return Document.parse(read(d, Document.MAX_SIZE), null, d);
  }
}
