package dev.jpull.content;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

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
  private static final String LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}";

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
      prepare(paths);
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

  /**
   * Checks (or creates) the store. {@code oci-layout} is written before any other entry, so a first open
   * killed half-way still leaves a directory that says what it is; a directory that holds neither a
   * layout nor anything jpull writes is someone else's and is refused, as is a root others can write to
   * (they could plant blobs, trees or index entries for this user).
   */
  @SuppressWarnings("try") // the resource is a lock, held for the block
  private static void prepare(StorePaths paths) throws IOException, InterruptedException {
    Path root = paths.root();
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(root)) {
      Files.createDirectories(root.getParent());
      try {
        Files.createDirectory(root, DurableFiles.privateDirAttr());
      } catch (FileAlreadyExistsException raced) {
        // another process created it first
      }
    }
    if (!Files.isDirectory(root)) {
      throw unusable(paths, "it is not a directory");
    }
    checkNotShared(paths);
    if (!Files.isWritable(root)) {
      throw unusable(paths, "permission denied");
    }
    if (Files.exists(paths.ociLayout(), LinkOption.NOFOLLOW_LINKS)) {
      checkLayout(paths);
    } else {
      if (!Files.exists(paths.index(), LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> entries = Files.list(root)) {
          // Refuse to scatter a store into, say, $HOME given by mistake.
          if (entries.anyMatch(p -> !isOwnEntry(p.getFileName().toString()))) {
            throw unusable(paths, "it is not empty and holds no OCI image layout");
          }
        }
      }
      writeLayout(paths);
    }
    DurableFiles.ensureSharedDir(paths.blobsRoot());
    DurableFiles.ensureSharedDir(paths.blobsDir("sha256"));
    for (Path dir : paths.privateDirs()) {
      DurableFiles.ensurePrivateDir(dir);
    }
    // Several processes may create one store at once (HOSTILE-INPUTS E2): index.json is written under the lock.
    try (Closeable lock = LockFile.exclusive(paths.indexLock())) {
      new IndexFile(paths).writeEmptyIfMissing();
    }
  }

  /**
   * Writes {@code oci-layout} through a temp file of this process's own, so processes creating one store
   * at once never share a temp file; they rename identical bytes, so whichever rename wins is the same.
   */
  private static void writeLayout(StorePaths paths) throws IOException {
    Path temp = Files.createTempFile(paths.root(), StorePaths.OCI_LAYOUT + ".", ".tmp");
    try {
      DurableFiles.replace(paths.ociLayout(), temp, LAYOUT.getBytes(StandardCharsets.UTF_8), () -> { });
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Group or others able to write the store root could swap any of its entries: refused, not repaired. */
  private static void checkNotShared(StorePaths paths) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(paths.root());
    if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new JpullException(Kind.LOCAL_IO, "store " + paths.root() + " is unusable: group or others can write to it ("
          + PosixFilePermissions.toString(perms) + ")",
          "make it private with chmod go-w " + paths.root() + ", or choose another with --store DIR", null);
    }
  }

  private static boolean isOwnEntry(String name) {
    return name.startsWith("oci-layout") || name.startsWith(StorePaths.INDEX) || name.equals("blobs")
        || name.equals("ingest") || name.equals("locks") || name.equals("rootfs") || name.equals("tmp");
  }

  private static void checkLayout(StorePaths paths) throws IOException {
    if (Files.size(paths.ociLayout()) > 4096) {
      throw unusable(paths, "oci-layout is not an OCI layout file");
    }
    JsonNode layout;
    try {
      layout = Json.MAPPER.readTree(Files.readAllBytes(paths.ociLayout()));
    } catch (IOException e) {
      throw unusable(paths, "oci-layout is not valid JSON");
    }
    String version = layout == null ? null : layout.path("imageLayoutVersion").asText(null);
    if (!"1.0.0".equals(version)) {
      throw unusable(paths, "oci-layout has imageLayoutVersion " + Quoted.of(version) + ", want \"1.0.0\"");
    }
  }

  private static JpullException unusable(StorePaths paths, String why) {
    return new JpullException(Kind.LOCAL_IO, "store " + paths.root() + " is unusable: " + why,
        "choose another directory with --store DIR", null);
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
      if (a.isRegularFile() && hashOf(blob, expected.digest()).equals(expected.digest())) {
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

  /** Re-hashes a committed blob (a regular file, checked by the caller; never a FIFO or a device). */
  static Digest hashOf(Path blob, Digest want) throws IOException {
    MessageDigest md = want.newDigester();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(blob, LinkOption.NOFOLLOW_LINKS)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return Digest.of(want.algorithm(), md);
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
