package dev.jpull.pull;

import dev.jpull.image.Platforms;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.dispatch.Dispatcher;
import dev.jpull.dispatch.FetchHandler;
import dev.jpull.dispatch.Handler;
import dev.jpull.dispatch.Handlers;
import dev.jpull.image.Cancellation;
import dev.jpull.image.Fetcher;
import dev.jpull.image.Image;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.progress.ProgressEvent;
import dev.jpull.progress.ProgressListener;
import dev.jpull.reference.Reference;
import dev.jpull.registry.RegistryClient;
import dev.jpull.registry.RegistryFetcher;
import dev.jpull.registry.Resolution;
import dev.jpull.unpack.Rootfs;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Pulls one reference: resolve, walk the tree with the parallel {@link Dispatcher}, record the reference,
 * and unpack layer by layer as blobs land. The composition of containerd's {@code client.Pull}.
 */
public final class Puller {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Puller.class);
  private final Remote remote;
  private final LocalContentStore store;
  private final ProgressListener listener;
  /** The running (or next) pull's token: {@link #cancel} before the pull starts still cancels it. */
  private final AtomicReference<Cancellation> current = new AtomicReference<>(new Cancellation());

  /** Where a pull's images come from: resolves a reference, and fetches for it under a pull's token. */
  interface Remote {
    Resolution resolve(Reference ref) throws IOException;

    Fetcher fetcher(Reference ref, Cancellation cancellation);
  }

  public Puller(RegistryClient client, LocalContentStore store, ProgressListener listener) {
    this(new Remote() {
      @Override
      public Resolution resolve(Reference ref) throws IOException {
        return client.resolve(ref);
      }

      @Override
      public Fetcher fetcher(Reference ref, Cancellation cancellation) {
        return new RegistryFetcher(client, ref, cancellation); // cancelling cancels the client's calls
      }
    }, store, listener);
  }

  Puller(Remote remote, LocalContentStore store, ProgressListener listener) {
    this.remote = remote;
    this.store = store;
    this.listener = listener;
  }

  /** Stops a running pull (Ctrl-C): cancels the walk, the unpack and every HTTP call in flight. Partials are kept. */
  public void cancel() {
    current.get().cancel(new JpullException(Kind.CANCELLED, "interrupted"));
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
      new LayerUnpacker(store, listener, new Cancellation()).unpack(image.layers(), image.config().diffIds(), dir);
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
      Resolution byTag = remote.resolve(ref.withoutDigest());
      if (!byTag.descriptor().digest().equals(ref.digest())) {
        throw new JpullException(Kind.VERIFICATION, "resolve " + ref + " at " + byTag.host() + ": tag " + ref.tag()
            + " points to " + byTag.descriptor().digest() + ", not " + ref.digest(),
            "pull by digest alone, or check which digest the tag should have", null);
      }
      return byTag;
    }
    return remote.resolve(ref);
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
    Cancellation token = current.get();
    Fetcher fetcher = remote.fetcher(ref, token); // from here a cancel reaches the resolve's HTTP call too
    try (Closeable lease = store.lease()) {
      token.check("pull " + ref);
      Resolution resolution = resolved != null ? resolved : resolve(ref);
      Descriptor root = resolution.descriptor();
      listener.on(new ProgressEvent.Resolved(ref.toString(), root.digest().toString(), root.mediaType(), root.size(),
          resolution.host()));
      String name = ref.toString();
      Optional<PullResult> upToDate = upToDate(ref, name, resolution, options);
      if (upToDate.isPresent()) {
        return upToDate.get();
      }
      return fetchAndUnpack(ref, name, resolution, options, token, fetcher);
    } finally {
      current.compareAndSet(token, new Cancellation()); // a later pull by this Puller starts afresh
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

  private PullResult fetchAndUnpack(Reference ref, String name, Resolution resolution, PullOptions options,
      Cancellation token, Fetcher fetcher) throws IOException, InterruptedException {
    Descriptor root = resolution.descriptor();
    ExecutorService blobs = Executors.newFixedThreadPool(options.concurrency(), daemon("jpull-fetch"));
    ExecutorService metadata = Executors.newFixedThreadPool(2, daemon("jpull-meta"));
    Unpacking unpacking = new Unpacking(new LayerUnpacker(store, listener, token), token);
    FetchHandler fetch = new FetchHandler(fetcher, store, unpacking.announcing(store), listener, token);
    Handler landed = Handlers.then(fetch, d -> unpacking.landed(d.digest()));
    Handler children = options.allPlatforms() ? Handlers.children(store)
        : Handlers.platforms(Handlers.children(store), options.platform(), 1, name);
    Handler images = new ConfigFirst(Handlers.nesting(children), landed, store, root, listener,
        d -> isTarget(d, options), image -> chose(image, ref, options, unpacking));
    try {
      new Dispatcher(blobs, metadata, token).dispatch(Handlers.sequence(landed, images), List.of(root));
    } catch (IOException | InterruptedException | RuntimeException e) {
      token.cancel(e);
      unpacking.abandon();
      discardTarget(unpacking.dir(), options);
      throw e;
    } finally {
      blobs.shutdownNow();
      metadata.shutdownNow();
    }
    store.record(name, root.withAnnotations(Map.of()));
    Path rootfs = finishUnpack(unpacking, ref, options);
    Image image = unpacking.image();
    long size = image == null ? root.size() : image.size();
    return new PullResult(ref, root, resolution.host(), image, rootfs, size, fetch.downloaded(), false,
        fetch.sources());
  }

  /** Under --all-platforms every image is fetched and the one matching the unpack platform is unpacked. */
  private static boolean isTarget(Descriptor manifest, PullOptions options) {
    if (!options.allPlatforms()) {
      return true;
    }
    PlatformMatcher unpackFor = options.unpack() ? options.platform() : null;
    return unpackFor != null && Platforms.accepts(unpackFor, manifest.platform());
  }

  /** The walk found the pull's image: warn on a platform mismatch and start unpacking it. */
  private void chose(Image image, Reference ref, PullOptions options, Unpacking unpacking) throws IOException {
    if (!unpacking.choose(image)) {
      return;
    }
    PlatformMatcher m = options.platform();
    if (m != null && !Platforms.accepts(m, image.platform())) {
      listener.warn("the image " + ref + " is for " + image.platform() + ", which does not match the requested "
          + "platform " + m.wanted());
    }
    if (!options.unpack()) {
      return;
    }
    Digest chain = image.chainId();
    if (options.rootfs() != null) {
      createTarget(options.rootfs());
      unpacking.start(options.rootfs());
    } else if (chain == null || store.completeTree(chain).isEmpty()) {
      unpacking.start(store.beginTree(chain != null ? chain : image.configDescriptor().digest()));
    }
  }

  /** Waits for the unpack and commits its tree; or finds the tree already complete in the store. */
  private Path finishUnpack(Unpacking unpacking, Reference ref, PullOptions options)
      throws IOException, InterruptedException {
    Image image = unpacking.image();
    try {
      if (unpacking.finish(ref.toString())) {
        return commitTarget(image, unpacking.dir(), options);
      }
    } catch (IOException | RuntimeException e) {
      discardTarget(unpacking.dir(), options);
      throw e;
    }
    return options.unpack() && image != null && image.chainId() != null
        ? store.completeTree(image.chainId()).orElse(null) : null;
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

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
