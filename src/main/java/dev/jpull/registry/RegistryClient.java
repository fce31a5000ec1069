package dev.jpull.registry;

import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Document;
import dev.jpull.reference.Reference;
import java.io.Closeable;
import java.io.IOException;

/**
 * Talks to one or more registries (upstream and mirrors), handling auth, TLS, retries and redirects.
 * Every failure is a {@code JpullException} whose message names the reference and host. Thread-safe.
 */
public interface RegistryClient extends Closeable {
  /** Resolves a tag or digest: HEAD first (free on Docker Hub), GET when HEAD gives no digest. */
  Resolution resolve(Reference ref) throws IOException;

  /**
   * GETs a manifest or index by digest, refusing more than {@link Document#MAX_SIZE} bytes before reading
   * them, verifying size and digest, and parsing it with the document rules.
   */
  Document manifest(Reference ref, Descriptor descriptor) throws IOException;

  /** Opens a blob from byte {@code offset} (foreign {@code urls} first for non-distributable layers). */
  BlobStream blob(Reference ref, Descriptor descriptor, long offset) throws IOException;

  /**
   * Streams the repository's tags to {@code sink} page by page, following {@code Link} pagination at one
   * host: once a tag was passed on, a failure ends the listing (no second host repeats what was printed).
   * Tags that break the tag grammar and tags past the cap are counted in the result, not passed on.
   */
  TagList tags(Reference repository, TagSink sink) throws IOException;

  /** Receives tags as they arrive. */
  @FunctionalInterface
  interface TagSink {
    void accept(String tag) throws IOException;

    /** Called after each page, before the next is requested. */
    default void pageDone() throws IOException {}
  }

  /** Cancels every call in flight (the first error of a pull cancels the rest). */
  void cancelAll();

  @Override
  void close();
}
