package dev.jpull.pull;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.Provider;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.progress.ProgressEvent.Unpack;
import dev.jpull.progress.ProgressEvent.UnpackStatus;
import dev.jpull.progress.ProgressListener;
import dev.jpull.unpack.Rootfs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Applies an image's layers in order into a directory, each as soon as its blob has landed verified in
 * the store, while later layers are still downloading (containerd {@code core/unpack}). Runs on its own
 * thread; {@link #landed} is called by the fetch side, {@link #abort} by whoever fails first.
 */
final class LayerUnpacker {
  private final Provider store;
  private final ProgressListener listener;
  private final Map<Digest, CompletableFuture<Void>> landed = new ConcurrentHashMap<>();

  LayerUnpacker(Provider store, ProgressListener listener) {
    this.store = store;
    this.listener = listener;
  }

  /** Marks a blob as verified in the store. */
  void landed(Digest digest) {
    future(digest).complete(null);
  }

  /** Wakes the unpacker with a failure (the download failed or was cancelled). */
  void abort(Throwable cause) {
    JpullException e = new JpullException(Kind.CANCELLED, "unpack cancelled", cause);
    landed.values().forEach(f -> f.completeExceptionally(e));
    aborted = e;
  }

  private volatile JpullException aborted;

  private CompletableFuture<Void> future(Digest d) {
    CompletableFuture<Void> f = landed.computeIfAbsent(d, k -> new CompletableFuture<>());
    if (aborted != null) {
      f.completeExceptionally(aborted);
    }
    return f;
  }

  /** Applies every layer into {@code root}, waiting for each to land; blocks the calling thread. */
  void unpack(List<Descriptor> layers, List<Digest> diffIds, Path root) throws IOException, InterruptedException {
    Rootfs rootfs = Rootfs.create(root, listener);
    for (int i = 0; i < layers.size(); i++) {
      Descriptor layer = layers.get(i);
      CompletableFuture<Void> f = store.contains(layer)
          ? CompletableFuture.completedFuture(null) : future(layer.digest());
      try {
        f.get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      }
      listener.on(new Unpack(layer.digest().toString(), i, UnpackStatus.STARTED));
      try (InputStream in = store.open(layer)) {
        rootfs.applyLayer(in, layer, diffIds.get(i), i);
      }
      listener.on(new Unpack(layer.digest().toString(), i, UnpackStatus.DONE));
    }
    rootfs.finish();
  }
}
