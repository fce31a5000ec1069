package dev.jpull.dispatch;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.image.Cancellation;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * Walks an image tree in parallel (containerd's {@code images.Dispatch}). Each descriptor's handler runs as
 * its own task and its children are dispatched when it returns, so no task waits on a pool thread for its
 * children: a bounded pool can never deadlock (containerd releases its permit before descending).
 *
 * <p>Layers run on the bounded blob executor; manifests and configs on a separate executor so they never
 * queue behind large layers. A digest met twice is handled once. The first failure cancels the pull's one
 * {@link Cancellation} token: tasks not yet started are skipped, and whatever else shares the token (the
 * HTTP calls, the unpacker) is woken by it.
 */
public final class Dispatcher {
  private final Executor blobs;
  private final Executor metadata;
  private final Cancellation cancellation;
  private final Map<Digest, CompletableFuture<Void>> seen = new ConcurrentHashMap<>();

  /**
   * @param blobs runs layer handlers; its size is {@code --concurrency}
   * @param metadata runs index, manifest and config handlers
   * @param cancellation the pull's token: cancelled by the first failure here, and stops this walk when
   *     cancelled from elsewhere
   */
  public Dispatcher(Executor blobs, Executor metadata, Cancellation cancellation) {
    this.blobs = blobs;
    this.metadata = metadata;
    this.cancellation = cancellation;
  }

  /** Handles the roots and all their descendants; rethrows the first failure. */
  public void dispatch(Handler handler, List<Descriptor> roots) throws IOException, InterruptedException {
    CompletableFuture<Void> all = dispatchAll(handler, roots);
    try {
      all.get();
    } catch (ExecutionException e) {
      throw rethrow(cancellation.isCancelled() ? cancellation.cause() : e.getCause());
    } catch (InterruptedException e) {
      fail(e);
      throw e;
    }
    if (cancellation.isCancelled()) {
      throw rethrow(cancellation.cause());
    }
  }

  /** Whether a failure has cancelled this dispatch; handlers check it between reads. */
  public boolean cancelled() {
    return cancellation.isCancelled();
  }

  /** Cancels the dispatch from outside (e.g. the unpacker failed, or the user pressed Ctrl-C). */
  public void cancel(Throwable cause) {
    fail(cause);
  }

  private CompletableFuture<Void> dispatchAll(Handler handler, List<Descriptor> descriptors) {
    List<CompletableFuture<Void>> futures = new ArrayList<>(descriptors.size());
    for (Descriptor d : descriptors) {
      futures.add(seen.computeIfAbsent(d.digest(), k -> dispatchOne(handler, d)));
    }
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
  }

  private CompletableFuture<Void> dispatchOne(Handler handler, Descriptor d) {
    Executor executor = MediaTypes.isLayer(d.mediaType()) ? blobs : metadata;
    return CompletableFuture
        .supplyAsync(() -> {
          if (cancellation.isCancelled()) {
            return List.<Descriptor>of();
          }
          try {
            return handler.handle(d);
          } catch (IOException | RuntimeException | Error e) {
            fail(e);
            throw new CompletionException(e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(e);
            throw new CompletionException(e);
          }
        }, executor)
        .thenCompose(children -> children.isEmpty() || cancellation.isCancelled()
            ? CompletableFuture.completedFuture(null)
            : dispatchAll(handler, children));
  }

  private void fail(Throwable t) {
    cancellation.cancel(t);
  }

  private static IOException rethrow(Throwable t) throws InterruptedException {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof InterruptedException ie) {
      throw ie;
    }
    if (t instanceof InterruptedIOException iie) {
      return iie;
    }
    if (t instanceof IOException io) {
      return io;
    }
    if (t instanceof RuntimeException re) {
      throw re;
    }
    if (t instanceof Error err) {
      throw err;
    }
    return new JpullException(Kind.CANCELLED, "dispatch failed", t);
  }
}
