package dev.jpull.content;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.image.VerifyingInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;

/**
 * A content store in a directory that is also a valid OCI image layout ({@code oci-layout},
 * {@code index.json}, {@code blobs/}), so skopeo and umoci read it directly; jpull's own areas
 * ({@code ingest/}, {@code locks/}, {@code rootfs/}, {@code tmp/}) are ignored by other tools and kept
 * 0700. Safe for concurrent use by threads and by processes, and after a SIGKILL at any instant.
 *
 * <p>A pull holds a {@link #lease()} while it runs; {@link #gc()} takes the same lock exclusively, so it
 * never removes what a running pull holds. Writers, {@link #record} and {@link #commitTree} take a lease
 * of their own. A thread that holds a lease must not call {@link #gc()} (it would wait for itself).
 */
public final class LocalContentStore implements Provider, Ingester, Closeable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LocalContentStore.class);

  private final StorePaths paths;
  private final IndexFile index;
  private final Trees trees;

  private LocalContentStore(StorePaths paths) {
    this.paths = paths;
    this.index = new IndexFile(paths);
    this.trees = new Trees(paths);
  }

  /** Opens the store at {@code root}, creating the layout if it is missing. */
  public static LocalContentStore open(Path root) throws IOException {
    StorePaths paths = new StorePaths(root);
    try {
      StoreLayout.prepare(paths);
    } catch (JpullException e) {
      throw e;
    } catch (IOException e) {
      throw new JpullException(Kind.LOCAL_IO, "store " + paths.root() + " is unusable: " + StoreFailure.describe(e),
          "check the directory's ownership and permissions, or choose another with --store DIR", e);
    } catch (InterruptedException e) {
      throw StoreFailure.interrupted("open store " + paths.root(), e);
    }
    return new LocalContentStore(paths);
  }

  /** The store directory. */
  public Path root() {
    return paths.root();
  }

  /** Where a committed blob lives, for direct reads (it may be absent). */
  public Path blobPath(Digest d) {
    return paths.blob(d);
  }

  @Override
  public InputStream openUnverified(Digest d) throws IOException {
    try {
      return Files.newInputStream(paths.blob(d), LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new JpullException(Kind.NOT_FOUND, "open blob " + d + ": not in store " + paths.root(), e);
    } catch (IOException e) {
      throw StoreFailure.of("open blob " + d + " in store " + paths.root(), e);
    }
  }

  @Override
  public boolean contains(Digest d) {
    return Files.isRegularFile(paths.blob(d), LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public boolean contains(Descriptor d) {
    try {
      BasicFileAttributes a = Files.readAttributes(paths.blob(d.digest()), BasicFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
      return a.isRegularFile() && a.size() == d.size();
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public Optional<Writer> writer(Descriptor expected) throws IOException, InterruptedException {
    Digest d = expected.digest();
    if (contains(expected)) {
      return Optional.empty();
    }
    Closeable lease = lease();
    Closeable blobLock;
    try {
      blobLock = LockFile.exclusive(paths.blobLock(d));
    } catch (IOException e) {
      throw StoreFailure.closeAfter(lease, StoreFailure.of("lock blob " + d + " in store " + paths.root(), e));
    } catch (InterruptedException e) {
      throw StoreFailure.closeAfter(lease, e);
    } catch (RuntimeException e) {
      throw StoreFailure.closeAfter(lease, e);
    }
    Closeable locks = () -> {
      try {
        blobLock.close();
      } finally {
        lease.close();
      }
    };
    try {
      if (contains(expected)) {
        locks.close(); // committed by the writer we waited for
        return Optional.empty();
      }
      dropMisfit(expected);
    } catch (IOException e) {
      throw StoreFailure.closeAfter(locks, e);
    } catch (RuntimeException e) {
      throw StoreFailure.closeAfter(locks, e);
    }
    return Optional.of(IngestWriter.open(paths, expected, locks));
  }

  /**
   * Under the blob's lock: a committed file of another size than {@code expected} is damaged and goes,
   * so the blob is fetched again; unless its bytes hash to the digest, in which case the descriptor's
   * size is what is wrong, and a good blob another image uses must not be lost to a lying manifest.
   */
  private void dropMisfit(Descriptor expected) throws IOException {
    Path blob = paths.blob(expected.digest());
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(blob, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    }
    String action = "fetch blob " + expected.digest() + " into store " + paths.root();
    try {
      if (a.isRegularFile() && intact(blob, expected.digest(), a.size())) {
        throw new JpullException(Kind.VERIFICATION, action + ": the descriptor says " + expected.size()
            + " bytes, the blob has " + a.size(), "the manifest's size is wrong: ask the image's publisher", null);
      }
      LOG.debug("blob {} in the store has {} bytes, want {}: fetching it again", expected.digest(), a.size(),
          expected.size());
      Trees.delete(blob);
    } catch (JpullException e) {
      throw e;
    } catch (IOException e) {
      throw StoreFailure.of(action, e);
    }
  }

  /**
   * Whether a committed blob (a regular file, checked by the caller; never a FIFO or a device) holds exactly
   * {@code size} bytes of digest {@code d}: read through the verifying stream, as every read is.
   */
  static boolean intact(Path blob, Digest d, long size) throws IOException {
    try (VerifyingInputStream in = VerifyingInputStream.of(Files.newInputStream(blob, LinkOption.NOFOLLOW_LINKS),
        new Descriptor("", d, size))) {
      in.verifyAtEnd();
      return true;
    } catch (JpullException e) {
      if (e.kind() != Kind.VERIFICATION) {
        throw e;
      }
      return false;
    }
  }

  /** Points {@code name} (a canonical reference) at {@code target}, replacing what it pointed at. */
  @SuppressWarnings("try") // the resource is a lock, held for the block
  public void record(String name, Descriptor target) throws IOException {
    IndexFile.checkName(name);
    String action = "record " + name + " in store " + paths.root();
    try (Closeable lease = lease()) {
      index.record(name, target);
    } catch (InterruptedException e) {
      throw StoreFailure.interrupted(action, e);
    } catch (IOException e) {
      throw StoreFailure.of(action, e);
    }
  }

  public Optional<Descriptor> lookup(String name) throws IOException {
    try {
      return index.lookup(name);
    } catch (IOException e) {
      throw StoreFailure.of("look up " + name + " in store " + paths.root(), e);
    }
  }

  /** Every descriptor in index.json that jpull can read, named or not. */
  public List<Descriptor> references() throws IOException {
    try {
      return index.references();
    } catch (IOException e) {
      throw StoreFailure.of("list references of store " + paths.root(), e);
    }
  }

  /** Removes {@code name} from index.json; false when it was not there. Blobs stay until {@link #gc()}. */
  public boolean remove(String name) throws IOException {
    String action = "remove " + name + " from store " + paths.root();
    try {
      return index.remove(name);
    } catch (InterruptedException e) {
      throw StoreFailure.interrupted(action, e);
    } catch (IOException e) {
      throw StoreFailure.of(action, e);
    }
  }

  /** The unpacked tree of {@code chainId} if it is complete. */
  public Optional<Path> completeTree(Digest chainId) {
    return trees.complete(chainId);
  }

  /** A fresh private directory under the store to unpack into; the caller holds a lease until commit. */
  public Path beginTree(Digest chainId) throws IOException {
    try {
      return trees.begin(chainId);
    } catch (IOException e) {
      throw StoreFailure.of("create a tree for " + chainId + " in store " + paths.root(), e);
    }
  }

  /**
   * Moves {@code temp} into place as the tree of {@code chainId} and marks it complete; when another
   * process completed it first, {@code temp} is discarded and the existing tree returned.
   */
  @SuppressWarnings("try") // the resource is a lock, held for the block
  public Path commitTree(Digest chainId, Path temp) throws IOException {
    String action = "commit tree " + chainId + " in store " + paths.root();
    try (Closeable lease = lease()) {
      return trees.commit(chainId, temp);
    } catch (InterruptedException e) {
      throw StoreFailure.interrupted(action, e);
    } catch (IOException e) {
      throw StoreFailure.of(action, e);
    }
  }

  /** Removes a temp or incomplete tree, including its 0000 and 0555 directories. */
  public void discardTree(Path temp) throws IOException {
    try {
      trees.discard(temp);
    } catch (IOException e) {
      throw StoreFailure.of("delete tree " + temp, e);
    }
  }

  /** A shared hold on the store for the duration of a pull; {@link #gc()} waits until all are closed. */
  public Closeable lease() throws IOException {
    String action = "lease store " + paths.root();
    try {
      return LockFile.shared(paths.gcLock());
    } catch (InterruptedException e) {
      throw StoreFailure.interrupted(action, e);
    } catch (IOException e) {
      throw StoreFailure.of(action, e);
    }
  }

  /**
   * Removes what no reference needs: unreferenced blobs, all ingests, incomplete or unreferenced trees
   * and stray temp files. Waits until no process holds a lease.
   */
  @SuppressWarnings("try") // the resource is a lock, held for the block
  public GcReport gc() throws IOException {
    String action = "gc store " + paths.root();
    try (Closeable exclusive = LockFile.exclusive(paths.gcLock())) {
      return new Collector(this, paths, trees).run();
    } catch (InterruptedException e) {
      throw StoreFailure.interrupted(action, e);
    } catch (IOException e) {
      throw StoreFailure.of(action, e);
    }
  }

  /** Re-hashes every blob and checks every reference; with {@code repair}, deletes corrupt blobs. */
  @SuppressWarnings("try") // the resource is a lock, held for the block
  public FsckReport fsck(boolean repair) throws IOException {
    String action = "check store " + paths.root();
    try (Closeable lease = lease()) {
      return new Checker(this, paths).run(repair);
    } catch (IOException e) {
      throw StoreFailure.of(action, e);
    }
  }

  /** Nothing to release: locks are held by writers and leases, not by the store. */
  @Override
  public void close() {}
}
