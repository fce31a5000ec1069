package dev.jpull.pull;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.Ingester;
import dev.jpull.content.Writer;
import dev.jpull.image.Cancellation;
import dev.jpull.image.Image;
import dev.jpull.oci.Digest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The image one pull chose and its unpack, which runs on its own thread while layers still download. A
 * failed unpack cancels the pull's token, which stops the downloads; a cancelled pull wakes the unpacker.
 */
final class Unpacking {
  private final LayerUnpacker unpacker;
  private final Cancellation cancellation;
  private final AtomicReference<Image> chosen = new AtomicReference<>();
  private volatile Path dir;
  private volatile Thread thread;
  private volatile Throwable failure;

  Unpacking(LayerUnpacker unpacker, Cancellation cancellation) {
    this.unpacker = unpacker;
    this.cancellation = cancellation;
  }

  /** The first image offered is the pull's; whether it is this one. */
  boolean choose(Image image) {
    return chosen.compareAndSet(null, image);
  }

  /** The chosen image, or null (an index with no image for the asked platform under --all-platforms). */
  Image image() {
    return chosen.get();
  }

  /** The tree being made, or null when none was started. */
  Path dir() {
    return dir;
  }

  void landed(Digest digest) {
    unpacker.landed(digest);
  }

  /**
   * The store's ingester, telling this unpack of every writer it opens (a resumed one has its kept partial
   * published already), so that a layer can be applied while it downloads.
   */
  Ingester announcing(Ingester store) {
    return d -> {
      Optional<Writer> w = store.writer(d);
      w.ifPresent(writer -> unpacker.ingesting(d.digest(), writer.view()));
      return w;
    };
  }

  /** Starts applying the chosen image's layers into {@code target}. */
  void start(Path target) {
    Image image = chosen.get();
    dir = target;
    Thread t = new Thread(() -> {
      try {
        unpacker.unpack(image.layers(), image.config().diffIds(), target);
      } catch (Throwable e) {
        failure = e;
        cancellation.cancel(e);
      }
    }, "jpull-unpack");
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  /** Waits for the unpack to end; throws its failure. Whether one was started. */
  boolean finish(String subject) throws IOException, InterruptedException {
    Thread t = thread;
    if (t == null) {
      return false;
    }
    t.join();
    Throwable e = failure;
    if (e instanceof IOException io) {
      throw io;
    }
    if (e != null) {
      throw new JpullException(Kind.LOCAL_IO, "unpack " + subject + " failed", e);
    }
    return true;
  }

  /**
   * After a failed pull: waits for the unpacker to stop, which the cancelled token makes prompt (it is
   * checked between reads); bounded so that a stuck filesystem call cannot hold the exit.
   */
  void abandon() {
    Thread t = thread;
    if (t == null) {
      return;
    }
    try {
      t.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
