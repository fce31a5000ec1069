package dev.jpull.pull;

import dev.jpull.content.IngestFollower;
import dev.jpull.content.IngestView;
import dev.jpull.content.Provider;
import dev.jpull.image.Cancellation;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.progress.ProgressEvent.Unpack;
import dev.jpull.progress.ProgressEvent.UnpackStatus;
import dev.jpull.progress.ProgressListener;
import dev.jpull.unpack.Rootfs;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Applies an image's layers in order into a directory, each as soon as its {@link UnpackSchedule} allows,
 * while later layers are still downloading (containerd {@code core/unpack}); a layer this pull fetches is
 * applied as its bytes arrive, read from its ingest ({@link IngestFollower}), whose writer verifies them. Runs
 * on its own thread. Each layer is read to its end — a stored one through the verifying stream, a followed
 * one up to its writer's commit — so a blob of the right size but the wrong bytes fails the unpack
 * ({@code VERIFICATION}, naming the blob); the pull's cancellation is checked between reads, so a cancelled
 * pull does not wait for a large layer to finish.
 */
final class LayerUnpacker {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LayerUnpacker.class);

  private final Provider store;
  private final ProgressListener listener;
  private final Cancellation cancellation;
  private final UnpackSchedule schedule;

  LayerUnpacker(Provider store, ProgressListener listener, Cancellation cancellation) {
    this.store = store;
    this.listener = listener;
    this.cancellation = cancellation;
    this.schedule = new UnpackSchedule(cancellation);
  }

  /** Marks a blob as verified in the store: called by the fetch side as blobs land. */
  void landed(Digest digest) {
    schedule.verified(digest);
  }

  /** The pull opened an ingest for a blob: called by the fetch side, so the layer can be followed. */
  void ingesting(Digest digest, IngestView ingest) {
    schedule.ingesting(digest, ingest);
  }

  /** Applies every layer into {@code root}, waiting for each to land; blocks the calling thread. */
  void unpack(List<Descriptor> layers, List<Digest> diffIds, Path root) throws IOException, InterruptedException {
    Rootfs rootfs = Rootfs.create(root, listener);
    schedule.plan(layers, store::contains);
    for (Descriptor layer = schedule.next(); layer != null; layer = schedule.next()) {
      int i = schedule.position();
      IngestView ingest = schedule.following();
      // Opened before STARTED is announced: a restart of the ingest after the event is then always seen by
      // the follower (one opened later would read the new bytes and the restart would go unnoticed, which is
      // harmless, but made "started, then restarted" untestable: StreamingUnpackTest failed 1 run in 6).
      IngestFollower follower = ingest == null ? null : ingest.follow(cancellation);
      listener.on(new Unpack(layer.digest().toString(), i, UnpackStatus.STARTED));
      if (follower == null) {
        try (InputStream in = store.open(layer)) {
          apply(rootfs, in, layer, diffIds.get(i), i);
        }
      } else if (applyFollowing(rootfs, follower, layer, diffIds.get(i), i)) {
        // Applied and committed; "applied" still follows "landed", as for a stored layer, so the blob's
        // own DONE comes before the unpack's and a renderer's last word on the layer is "Pull complete".
        schedule.awaitVerified(layer);
      } else {
        // The tree holds bytes that were not the blob's: wait for the blob itself, then start again on a
        // fresh tree from the store alone. Waiting first means a pull that is failing anyway (the fetch's
        // error cancels it) does not spend time clearing the tree twice.
        schedule.awaitVerified(layer);
        LOG.debug("the ingest of layer {} ({}) restarted or failed; unpacking again from layer 0", i,
            layer.digest());
        Rootfs.clear(root);
        rootfs = Rootfs.create(root, listener);
        schedule.restart();
        continue;
      }
      listener.on(new Unpack(layer.digest().toString(), i, UnpackStatus.DONE));
      schedule.applied();
    }
    rootfs.finish();
  }

  /**
   * Applies a layer from its ingest as it is written; false when the ingest restarted or failed (a commit
   * that found the wrong size or digest is a failure). A failure
   * of the layer is believed only once its blob is committed: a bad kept partial or a restart mid-read feeds
   * the decompressor bytes that are not the blob's, and the fetch side retries or reports those itself.
   */
  private boolean applyFollowing(Rootfs rootfs, IngestFollower follower, Descriptor layer, Digest diffId, int i)
      throws IOException {
    // Not through a VerifyingInputStream: the follower hands over the bytes the ingest's writer hashed as it
    // wrote them, and ends only once the writer committed them (size and digest verified), so reading it to
    // its end reads a verified blob. Hashing them again cost the inflate thread, the unpack's bottleneck,
    // one SHA-256 of every layer (1.1 GB on bench's big: ~0.75 s of CPU).
    try (InputStream in = follower) {
      apply(rootfs, in, layer, diffId, i);
      return true;
    } catch (IOException | RuntimeException e) {
      if (cancellation.isCancelled() || follower.awaitCommitted()) {
        throw e;
      }
      return false;
    }
  }

  private void apply(Rootfs rootfs, InputStream in, Descriptor layer, Digest diffId, int i) throws IOException {
    rootfs.applyLayer(checked(in, layer), layer, diffId, i);
    // the decompressor may stop before the blob's last bytes: the verifying read is the one at the end
    in.transferTo(OutputStream.nullOutputStream());
  }

  private InputStream checked(InputStream in, Descriptor layer) {
    String what = "unpack of " + layer.digest();
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        cancellation.check(what);
        return super.read();
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        cancellation.check(what);
        return super.read(b, off, len);
      }
    };
  }
}
