package dev.jpull.pull;

import dev.jpull.image.Cancellation;
import dev.jpull.content.Provider;
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
 * while later layers are still downloading (containerd {@code core/unpack}). Runs on its own thread. Each
 * layer is read through the store's verifying stream to its end, so a stored blob of the right size but
 * the wrong bytes fails the unpack ({@code VERIFICATION}, naming the blob); the pull's cancellation is
 * checked between reads, so a cancelled pull does not wait for a large layer to finish.
 */
final class LayerUnpacker {
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

  /** Applies every layer into {@code root}, waiting for each to land; blocks the calling thread. */
  void unpack(List<Descriptor> layers, List<Digest> diffIds, Path root) throws IOException, InterruptedException {
    Rootfs rootfs = Rootfs.create(root, listener);
    schedule.plan(layers, store::contains);
    for (Descriptor layer = schedule.next(); layer != null; layer = schedule.next()) {
      int i = schedule.position();
      listener.on(new Unpack(layer.digest().toString(), i, UnpackStatus.STARTED));
      try (InputStream in = store.open(layer)) {
        rootfs.applyLayer(checked(in, layer), layer, diffIds.get(i), i);
        // the decompressor may stop before the blob's last bytes: the verifying read is the one at the end
        in.transferTo(OutputStream.nullOutputStream());
      }
      listener.on(new Unpack(layer.digest().toString(), i, UnpackStatus.DONE));
      schedule.applied();
    }
    rootfs.finish();
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
