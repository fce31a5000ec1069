package dev.jpull.pull;

import dev.jpull.content.Provider;
import dev.jpull.dispatch.Handler;
import dev.jpull.image.Image;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Document;
import dev.jpull.oci.ImageConfig;
import dev.jpull.oci.MediaTypes;
import dev.jpull.progress.ProgressEvent;
import dev.jpull.progress.ProgressEvent.BlobStatus;
import dev.jpull.progress.ProgressListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Wraps the walk so that, for each image manifest, the config is fetched and checked before any layer: a
 * malformed image fails before the big downloads start (moby {@code errRootFSMismatch}), and the pull
 * learns the image (and so its diff IDs) before its layers are dispatched. Returns the layers.
 */
final class ConfigFirst implements Handler {
  /** Told of each image whose manifest {@code target} accepts. */
  @FunctionalInterface
  interface OnImage {
    void image(Image image) throws IOException;
  }

  private final Handler walk;
  private final Handler fetch;
  private final Provider store;
  private final Descriptor root;
  private final ProgressListener listener;
  private final Predicate<Descriptor> target;
  private final OnImage onImage;

  ConfigFirst(Handler walk, Handler fetch, Provider store, Descriptor root, ProgressListener listener,
      Predicate<Descriptor> target, OnImage onImage) {
    this.walk = walk;
    this.fetch = fetch;
    this.store = store;
    this.root = root;
    this.listener = listener;
    this.target = target;
    this.onImage = onImage;
  }

  @Override
  public List<Descriptor> handle(Descriptor d) throws IOException, InterruptedException {
    List<Descriptor> kids = walk.handle(d);
    if (!MediaTypes.isManifest(d.mediaType())) {
      return kids;
    }
    Descriptor configDesc = kids.get(0);
    Image.checkConfigDescriptor(configDesc); // sizes before bytes: an oversized config is never requested
    fetch.handle(configDesc);
    ImageConfig config = Image.readConfig(store, configDesc);
    Document doc = store.document(d);
    Image.checkRootfs(config, doc.manifest(), configDesc);
    List<Descriptor> layers = new ArrayList<>(kids.subList(1, kids.size()));
    for (Descriptor l : layers) {
      if (!store.contains(l)) {
        listener.on(new ProgressEvent.Blob(l.digest().toString(), l.mediaType(), BlobStatus.WAITING, 0, l.size(),
            null));
      }
    }
    if (target.test(d)) {
      onImage.image(new Image(root, d, doc.manifest(), configDesc, config));
    }
    return layers;
  }
}
