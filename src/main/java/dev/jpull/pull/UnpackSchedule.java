package dev.jpull.pull;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.image.Cancellation;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which layer may be applied next (containerd {@code core/unpack}'s ordering): layer {@code i} once its blob
 * is verified in the store and layer {@code i-1} is applied. The fetch side reports blobs as they land, in
 * any order; the unpacker takes layers one by one. All state sits under this object's monitor, and
 * {@link #toString} shows it whole, so a stalled unpack is read off in a debugger. Cancelling the pull's
 * token wakes a waiting unpacker at once: the wake-up and the check happen under the same lock, so no
 * cancellation falls between them (the 30 s stall of the old flag, set after waking the waiters).
 */
final class UnpackSchedule {
  private final Set<Digest> verified = new HashSet<>();
  private List<Descriptor> layers = List.of();
  private int applied;
  private Throwable cancelled;

  UnpackSchedule(Cancellation cancellation) {
    cancellation.onCancel(() -> cancel(cancellation.cause()));
  }

  /** A blob is verified in the store (any blob of the pull: only layers matter here). */
  synchronized void verified(Digest digest) {
    verified.add(digest);
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
      if (verified.contains(layer.digest())) {
        return layer;
      }
      wait();
    }
  }

  /** The index of the layer {@link #next} returned, for progress and the diff IDs. */
  synchronized int position() {
    return applied;
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
        + ", verified " + verified.size() + (cancelled != null ? ", cancelled: " + cancelled : "") + "]";
  }
}
