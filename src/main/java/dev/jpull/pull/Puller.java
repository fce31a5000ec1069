package dev.jpull.pull;

import dev.jpull.image.Image;

import dev.jpull.image.Graph;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.dispatch.Dispatcher;
import dev.jpull.dispatch.FetchHandler;
import dev.jpull.dispatch.Handler;
import dev.jpull.dispatch.Handlers;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import dev.jpull.oci.ImageConfig;
import dev.jpull.oci.MediaTypes;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.progress.ProgressEvent;
import dev.jpull.progress.ProgressEvent.BlobStatus;
import dev.jpull.progress.ProgressListener;
import dev.jpull.reference.Reference;
import dev.jpull.unpack.Rootfs;
import dev.jpull.registry.RegistryClient;
import dev.jpull.registry.Resolution;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Pulls one reference: resolve, walk the tree with the parallel {@link Dispatcher}, record the reference,
 * and unpack layer by layer as blobs land. The composition of containerd's {@code client.Pull}.
 */
public final class Puller {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Puller.class);
  private final RegistryClient client;
  private final LocalContentStore store;
  private final ProgressListener listener;
  private final AtomicReference<Dispatcher> running = new AtomicReference<>();

  public Puller(RegistryClient client, LocalContentStore store, ProgressListener listener) {
    this.client = client;
    this.store = store;
    this.listener = listener;
  }

  /** Stops a running pull (Ctrl-C): cancels the walk and every HTTP call in flight. Partials are kept. */
  public void cancel() {
    Dispatcher d = running.get();
    if (d != null) {
      d.cancel(new JpullException(Kind.CANCELLED, "interrupted"));
    }
    client.cancelAll();
  }

  /**
   * Materialises a stored image into {@code dir} offline (every layer must be in the store), with the same
   * verification and safety as a pull. {@code dir} is absent or empty; a failed unpack leaves it so (or
   * removes it when this call made it), and the layer's error is what is thrown: a cleanup failure is
   * only attached to it.
   */
  public static void unpackStored(LocalContentStore store, Image image, Path dir, ProgressListener listener)
      throws IOException, InterruptedException {
    boolean created = createTarget(dir);
    try {
      new LayerUnpacker(store, listener).unpack(image.layers(), image.config().diffIds(), dir);
    } catch (IOException | InterruptedException | RuntimeException e) {
      try {
        Rootfs.clear(dir);
        if (created) {
          java.nio.file.Files.deleteIfExists(dir);
        }
      } catch (IOException | RuntimeException cleanup) {
        LOG.debug("could not remove the incomplete tree {}", dir, cleanup);
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * Creates a --rootfs or {@code jpull unpack} target 0700, as the store's trees are, so nobody sees a
   * half-applied tree; Rootfs gives the root its final mode at the end. An existing (empty) directory is
   * left as it is. Whether this call created it.
   */
  private static boolean createTarget(Path dir) throws IOException {
    java.nio.file.Files.createDirectories(dir.toAbsolutePath().getParent());
    try {
      java.nio.file.Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      return true;
    } catch (java.nio.file.FileAlreadyExistsException exists) {
      return false; // Targets checked it is an empty directory, not a symlink
    }
  }

  /** Resolves a reference, checking a {@code name:tag@digest} tag against its digest. */
  public Resolution resolve(Reference ref) throws IOException {
    if (ref.tag() != null && ref.digest() != null) {
      Resolution byTag = client.resolve(ref.withoutDigest());
      if (!byTag.descriptor().digest().equals(ref.digest())) {
        throw new JpullException(Kind.VERIFICATION, "resolve " + ref + " at " + byTag.host() + ": tag " + ref.tag()
            + " points to " + byTag.descriptor().digest() + ", not " + ref.digest(),
            "pull by digest alone, or check which digest the tag should have", null);
      }
      return byTag;
    }
    return client.resolve(ref);
  }

  public PullResult pull(Reference ref, PullOptions options) throws IOException, InterruptedException {
    return pull(ref, null, options);
  }

  /**
   * Pulls {@code ref} as {@code resolution} says it resolved (a lock file's check already made that
   * request), or resolving it first when null.
   */
  public PullResult pull(Reference ref, Resolution resolved, PullOptions options)
      throws IOException, InterruptedException {
    try (Closeable lease = store.lease()) {
      Resolution resolution = resolved != null ? resolved : resolve(ref);
      Descriptor root = resolution.descriptor();
      listener.on(new ProgressEvent.Resolved(ref.toString(), root.digest().toString(), root.mediaType(), root.size(),
          resolution.host()));
      String name = ref.toString();
      Optional<PullResult> upToDate = upToDate(ref, name, resolution, options);
      if (upToDate.isPresent()) {
        return upToDate.get();
      }
      return fetchAndUnpack(ref, name, resolution, options);
    }
  }

  /** The reference already resolves to what the store holds, whole (and unpacked when asked): no fetch. */
  private Optional<PullResult> upToDate(Reference ref, String name, Resolution resolution, PullOptions options)
      throws IOException {
    Descriptor root = resolution.descriptor();
    Optional<Descriptor> recorded = store.lookup(name);
    if (recorded.isEmpty() || !recorded.get().digest().equals(root.digest()) || options.allPlatforms()
        || options.rootfs() != null) {
      return Optional.empty();
    }
    Optional<Image> image;
    try {
      image = Image.find(store, recorded.get(), options.platform(), ref.toString());
    } catch (JpullException e) {
      // Another platform than the one stored: the walk below reports it with the image's platforms.
      return Optional.empty();
    }
    if (image.isEmpty() || !image.get().layersPresent(store)) {
      return Optional.empty();
    }
    Path tree = null;
    if (options.unpack()) {
      Digest chain = image.get().chainId();
      Optional<Path> complete = chain == null ? Optional.empty() : store.completeTree(chain);
      if (complete.isEmpty()) {
        return Optional.empty();
      }
      tree = complete.get();
    }
    return Optional.of(new PullResult(ref, recorded.get(), resolution.host(), image.get(), tree,
        image.get().size(), 0, true, Map.of()));
  }

  private PullResult fetchAndUnpack(Reference ref, String name, Resolution resolution, PullOptions options)
      throws IOException, InterruptedException {
    Descriptor root = resolution.descriptor();
    ExecutorService blobs = Executors.newFixedThreadPool(options.concurrency(), daemon("jpull-fetch"));
    ExecutorService metadata = Executors.newFixedThreadPool(2, daemon("jpull-meta"));
    LayerUnpacker unpacker = new LayerUnpacker(store, listener);
    Dispatcher dispatcher = new Dispatcher(blobs, metadata, () -> {
      client.cancelAll();
      unpacker.abort(new JpullException(Kind.CANCELLED, "pull failed"));
    });
    running.set(dispatcher);
    FetchHandler fetch = new FetchHandler(client, ref, store, store, listener, dispatcher::cancelled);
    Map<Digest, Integer> depth = new ConcurrentHashMap<>();
    AtomicReference<Image> chosen = new AtomicReference<>();
    AtomicReference<Thread> unpackThread = new AtomicReference<>();
    AtomicReference<Throwable> unpackFailure = new AtomicReference<>();
    AtomicReference<Path> unpackTarget = new AtomicReference<>();
    PlatformMatcher unpackFor = options.unpack() ? options.platform() : null;

    Handler landed = d -> {
      List<Descriptor> kids = fetch.handle(d);
      unpacker.landed(d.digest());
      return kids;
    };
    Handler children = Handlers.children(store);
    if (!options.allPlatforms()) {
      children = Handlers.platforms(children, options.platform(), 1, ref.toString());
    }
    Handler walk = children;
    Handler configFirst = d -> {
      List<Descriptor> kids = walk.handle(d);
      if (MediaTypes.isIndex(d.mediaType())) {
        int level = depth.getOrDefault(d.digest(), 0) + 1;
        if (level > Graph.MAX_INDEX_DEPTH) {
          throw new JpullException(Kind.VERIFICATION, ref + ": index nesting too deep (more than "
              + Graph.MAX_INDEX_DEPTH + " levels)");
        }
        kids.forEach(k -> depth.put(k.digest(), level));
        return kids;
      }
      if (!MediaTypes.isManifest(d.mediaType())) {
        return kids;
      }
      // The config is fetched and checked before any layer, so a malformed image fails before the big
      // downloads start (moby errRootFSMismatch), and the unpacker knows the diff IDs early.
      Descriptor configDesc = kids.get(0);
      Image.checkConfigDescriptor(configDesc); // sizes before bytes: an oversized config is never requested
      landed.handle(configDesc);
      ImageConfig config = Image.readConfig(store, configDesc);
      Document doc = store.document(d);
      Image.checkRootfs(config, doc.manifest(), configDesc);
      Image image = new Image(root, d, doc.manifest(), configDesc, config);
      List<Descriptor> layers = kids.subList(1, kids.size());
      for (Descriptor l : layers) {
        if (!store.contains(l)) {
          listener.on(new ProgressEvent.Blob(l.digest().toString(), l.mediaType(), BlobStatus.WAITING, 0, l.size(), null));
        }
      }
      boolean isTarget = options.allPlatforms()
          ? unpackFor != null && d.platform() != null && unpackFor.matches(d.platform())
          : true;
      if (isTarget) {
        if (!chosen.compareAndSet(null, image)) {
          return layers;
        }
        checkPlatform(image, options, ref);
        if (options.unpack()) {
          startUnpack(image, options, unpacker, unpackThread, unpackFailure, unpackTarget, dispatcher);
        }
      }
      return new ArrayList<>(layers);
    };
    Handler pull = Handlers.sequence(landed, configFirst);
    try {
      dispatcher.dispatch(pull, List.of(root));
    } catch (IOException | InterruptedException | RuntimeException e) {
      unpacker.abort(e);
      joinQuietly(unpackThread.get());
      discardTarget(unpackTarget.get(), options);
      throw e;
    } finally {
      running.set(null);
      blobs.shutdownNow();
      metadata.shutdownNow();
    }
    store.record(name, root.withAnnotations(Map.of()));
    Thread t = unpackThread.get();
    Path rootfs = null;
    if (t != null) {
      t.join();
      Throwable failure = unpackFailure.get();
      if (failure != null) {
        discardTarget(unpackTarget.get(), options);
        if (failure instanceof IOException io) {
          throw io;
        }
        throw new JpullException(Kind.LOCAL_IO, "unpack " + ref + " failed", failure);
      }
      rootfs = commitTarget(chosen.get(), unpackTarget.get(), options);
    } else if (options.unpack() && chosen.get() != null && chosen.get().chainId() != null) {
      rootfs = store.completeTree(chosen.get().chainId()).orElse(null);
    }
    Image image = chosen.get();
    long size = image == null ? root.size() : image.size();
    return new PullResult(ref, root, resolution.host(), image, rootfs, size, fetch.downloaded(), false,
        fetch.sources());
  }

  private void checkPlatform(Image image, PullOptions options, Reference ref) {
    PlatformMatcher m = options.platform();
    if (m != null && !m.matches(image.platform())) {
      listener.warn("the image " + ref + " is for " + image.platform() + ", which does not match the requested "
          + "platform " + m.wanted());
    }
  }

  private void startUnpack(Image image, PullOptions options, LayerUnpacker unpacker,
      AtomicReference<Thread> thread, AtomicReference<Throwable> failure, AtomicReference<Path> target,
      Dispatcher dispatcher) throws IOException {
    Digest chain = image.chainId();
    Path dir;
    if (options.rootfs() != null) {
      dir = options.rootfs();
      createTarget(dir);
    } else if (chain != null && store.completeTree(chain).isPresent()) {
      return;
    } else {
      dir = store.beginTree(chain != null ? chain : image.configDescriptor().digest());
    }
    target.set(dir);
    Thread t = new Thread(() -> {
      try {
        unpacker.unpack(image.layers(), image.config().diffIds(), dir);
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
        dispatcher.cancel(e);
      }
    }, "jpull-unpack");
    t.setDaemon(true);
    thread.set(t);
    t.start();
  }

  private Path commitTarget(Image image, Path dir, PullOptions options) throws IOException {
    if (dir == null) {
      return null;
    }
    if (options.rootfs() != null) {
      return dir;
    }
    Digest chain = image.chainId();
    return store.commitTree(chain != null ? chain : image.configDescriptor().digest(), dir);
  }

  /** A failed unpack leaves no half-made tree: the store's temp tree, or --rootfs (absent or empty before). */
  private void discardTarget(Path dir, PullOptions options) {
    if (dir == null) {
      return;
    }
    try {
      if (options.rootfs() != null) {
        Rootfs.clear(dir);
      } else {
        store.discardTree(dir);
      }
    } catch (IOException | RuntimeException e) {
      listener.warn("could not remove the incomplete tree " + dir + ": " + e.getMessage());
    }
  }

  private static void joinQuietly(Thread t) {
    if (t == null) {
      return;
    }
    try {
      t.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
