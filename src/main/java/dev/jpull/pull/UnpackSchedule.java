package dev.jpull.pull;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.IngestView;
import dev.jpull.image.Cancellation;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which layer may be applied next (containerd {@code core/unpack}'s ordering): layer {@code i} once layer
 * {@code i-1} is applied and its blob is verified in the store, or is being ingested by this pull, in which
 * case the unpacker follows the ingest as the bytes arrive (issue 15: a big layer no longer keeps the
 * unpacker idle until its last byte). The fetch side reports ingests as they open and blobs as they land, in
 * any order; the unpacker takes layers one by one. After a {@link #restart} nothing is followed any more:
 * the second run is the store-only flow, so a restart happens at most once. All state sits under this
 * object's monitor, and {@link #toString} shows it whole, so a stalled unpack is read off in a debugger.
 * Cancelling the pull's token wakes a waiting unpacker at once: the wake-up and the check happen under the
 * same lock, so no cancellation falls between them (the 30 s stall of the old flag, set after waking the
 * waiters).
 */
final class UnpackSchedule {
  private final Set<Digest> verified = new HashSet<>();
  /** Ingests this pull opened, by digest; the latest ingest of a blob wins (a retry from zero opens another). */
  private final Map<Digest, IngestView> ingesting = new HashMap<>();
  private List<Descriptor> layers = List.of();
  private int applied;
  private boolean streaming = true;
  /**
   * The ingest to follow for the layer {@link #next} returned, being written or committed by this pull; null
   * when it is read from the store (it was there before the pull, or after a restart).
   */
  private IngestView following;
  private Throwable cancelled;

  UnpackSchedule(Cancellation cancellation) {
    cancellation.onCancel(() -> cancel(cancellation.cause()));
  }

  /** A blob is verified in the store (any blob of the pull: only layers matter here). */
  synchronized void verified(Digest digest) {
    verified.add(digest);
    notifyAll();
  }

  /** This pull opened an ingest for a blob: a layer waiting for it may follow it from now on. */
  synchronized void ingesting(Digest digest, IngestView ingest) {
    ingesting.put(digest, ingest);
    notifyAll();
  }

  /** The layers to apply, bottom first; those {@code inStore} already count as verified. */
  synchronized void plan(List<Descriptor> bottomFirst, Predicate<Descriptor> inStore) {
    layers = List.copyOf(bottomFirst);
    applied = 0;
    for (Descriptor l : layers) {
      if (inStore.test(l)) {
        verified.add(l.digest());
      }
    }
  }

  /**
   * Waits until the next layer may be applied and returns it, or null when every layer is applied.
   * Throws {@code CANCELLED} once the pull is cancelled.
   */
  synchronized Descriptor next() throws InterruptedException, JpullException {
    while (true) {
      if (cancelled != null) {
        throw new JpullException(Kind.CANCELLED, "unpack cancelled", cancelled);
      }
      if (applied == layers.size()) {
        return null;
      }
      Descriptor layer = layers.get(applied);
      following = null;
      if (verified.contains(layer.digest())) {
        // A blob this pull's own writer committed is still read through its ingest (the follower then reads
        // the committed file): those bytes were hashed as they were written, and reading them back through
        // the store's verifying stream would hash them a second time on the inflate thread.
        following = streaming ? ingesting.get(layer.digest()) : null;
        return layer;
      }
      if (streaming && ingesting.containsKey(layer.digest())) {
        following = ingesting.get(layer.digest());
        return layer;
      }
      wait();
    }
  }

  /** The index of the layer {@link #next} returned, for progress and the diff IDs. */
  synchronized int position() {
    return applied;
  }

  /** The ingest to read the layer {@link #next} returned from, as it is written; null: read it from the store. */
  synchronized IngestView following() {
    return following;
  }

  /** Waits until {@code layer}'s blob is verified in the store; throws {@code CANCELLED} once the pull is. */
  synchronized void awaitVerified(Descriptor layer) throws InterruptedException, JpullException {
    while (!verified.contains(layer.digest())) {
      if (cancelled != null) {
        throw new JpullException(Kind.CANCELLED, "unpack cancelled", cancelled);
      }
      wait();
    }
  }

  /**
   * The unpack starts again from layer 0 on a fresh tree, every layer read from the store once verified
   * there: a followed ingest restarted or failed, so the tree made from its bytes is not to be trusted.
   */
  synchronized void restart() {
    applied = 0;
    streaming = false;
    following = null;
  }

  /** The layer {@link #next} returned is applied. */
  synchronized void applied() {
    applied++;
    notifyAll();
  }

  private synchronized void cancel(Throwable why) {
    cancelled = why != null ? why : new JpullException(Kind.CANCELLED, "cancelled");
    notifyAll();
  }

  @Override
  public synchronized String toString() {
    String waitingFor = applied < layers.size() ? layers.get(applied).digest().shortHex() : "-";
    return "UnpackSchedule[applied " + applied + "/" + layers.size() + ", next " + waitingFor
        + (applied < layers.size() && !verified.contains(layers.get(applied).digest()) ? " (not landed)" : "")
        + ", verified " + verified.size() + ", ingesting " + ingesting.size()
        + (streaming ? "" : ", store only") + (following != null ? ", following" : "")
        + (cancelled != null ? ", cancelled: " + cancelled : "") + "]";
  }
}
