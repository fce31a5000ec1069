package dev.jpull.registry;

import dev.jpull.image.Cancellation;
import dev.jpull.image.Fetched;
import dev.jpull.image.Fetcher;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Document;
import dev.jpull.oci.MediaTypes;
import dev.jpull.reference.Reference;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * The registry as a {@link Fetcher} for one repository (containerd's {@code docker.fetcher}). Manifests
 * and indexes go to the manifest endpoint, which refuses an oversized document before reading it and
 * verifies it; everything else to the blob endpoint, which resumes from {@code offset}. Cancelling the
 * pull's token cancels every HTTP call of the client in flight.
 */
public final class RegistryFetcher implements Fetcher {
  private final RegistryClient client;
  private final Reference ref;

  public RegistryFetcher(RegistryClient client, Reference ref, Cancellation cancellation) {
    this.client = client;
    this.ref = ref;
    cancellation.onCancel(client::cancelAll);
  }

  @Override
  public Fetched fetch(Descriptor d, long offset) throws IOException {
    if (MediaTypes.isIndex(d.mediaType()) || MediaTypes.isManifest(d.mediaType())) {
      // a document is small and read whole; a registry serves it from the manifest endpoint only
      Document doc = client.manifest(ref, d);
      return new Fetched(new ByteArrayInputStream(doc.bytes()), 0, ref.apiHost(), false);
    }
    BlobStream bs = client.blob(ref, d, offset);
    return new Fetched(bs.body(), bs.start(), bs.host(), bs.mirror());
  }
}
