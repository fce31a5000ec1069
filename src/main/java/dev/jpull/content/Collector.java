package dev.jpull.content;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Digest;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Mark and sweep for a store. The caller holds the exclusive gc lock, so no pull (which holds a shared
 * lease) is running in any process: every ingest, temp tree and lock file that remains is stale.
 */
final class Collector {
  private final LocalContentStore store;
  private final StorePaths paths;
  private final Trees trees;
  private int blobsRemoved;
  private int ingestsRemoved;
  private int treesRemoved;
  private int strayRemoved;
  private long bytesFreed;

  Collector(LocalContentStore store, StorePaths paths, Trees trees) {
    this.store = store;
    this.paths = paths;
    this.trees = trees;
  }

  GcReport run() throws IOException {
    ReferenceWalk live = new ReferenceWalk(store).walkAll(store.references());
    if (live.unreadableDocument()) {
      // Unknown children must not be swept: a damaged manifest would otherwise cost its layers.
      throw new JpullException(Kind.VERIFICATION, "gc store " + paths.root() + ": cannot read "
          + String.join("; ", live.damaged()), "run jpull fsck --repair, then pull the reference again", null);
    }
    int blobsKept = sweepBlobs(live.blobs());
    for (Path ingest : list(paths.ingestRoot())) {
      bytesFreed += Trees.delete(ingest);
      ingestsRemoved++;
    }
    int treesKept = sweepTrees(live.chains());
    for (Path t : list(paths.tmpDir())) {
      bytesFreed += Trees.delete(t);
      strayRemoved++;
    }
    for (Path lock : list(paths.locksDir())) {
      String n = lock.getFileName().toString();
      // index.lock is also taken without a lease (rm); gc.lock is the one we hold. The others are the
      // per-blob lock files every pull leaves (a kernel lock needs a file): removed, but not stray.
      if (!n.equals(StorePaths.INDEX_LOCK) && !n.equals(StorePaths.GC_LOCK)) {
        Files.deleteIfExists(lock);
      }
    }
    if (Files.deleteIfExists(paths.indexTemp())) {
      strayRemoved++;
    }
    for (Path f : list(paths.root())) {
      String n = f.getFileName().toString();
      // LocalContentStore.writeLayout's temp files, left by a process killed while creating the store.
      if (n.startsWith(StorePaths.OCI_LAYOUT + ".") && n.endsWith(".tmp") && Files.deleteIfExists(f)) {
        strayRemoved++;
      }
    }
    return new GcReport(blobsRemoved, ingestsRemoved, treesRemoved, strayRemoved, bytesFreed, blobsKept, treesKept);
  }

  private int sweepBlobs(Set<Digest> live) throws IOException {
    int kept = 0;
    for (Path algDir : list(paths.blobsRoot())) {
      String alg = algDir.getFileName().toString();
      if (!alg.equals("sha256") && !alg.equals("sha512")) {
        continue; // another tool's business
      }
      for (Path f : list(algDir)) {
        Digest d = parse(alg, f.getFileName().toString());
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (d != null && live.contains(d) && a.isRegularFile()) {
          kept++;
          continue;
        }
        bytesFreed += Trees.delete(f);
        if (d != null) {
          blobsRemoved++;
        } else {
          strayRemoved++;
        }
      }
    }
    return kept;
  }

  private int sweepTrees(Set<Digest> live) throws IOException {
    int kept = 0;
    for (Path f : list(paths.rootfsDir())) {
      String n = f.getFileName().toString();
      boolean marker = n.endsWith(StorePaths.MARKER_SUFFIX);
      Digest chain = treeName(marker ? n.substring(0, n.length() - StorePaths.MARKER_SUFFIX.length()) : n);
      boolean keep = chain != null && live.contains(chain) && trees.complete(chain).isPresent();
      if (keep) {
        kept += marker ? 0 : 1;
        continue;
      }
      if (!marker && chain != null && Files.deleteIfExists(paths.treeMarker(chain))) {
        // The marker goes first (it sorts after its tree): a gc killed inside the tree must not leave a
        // half-deleted tree marked complete, which the next pull would reuse as it is.
        DurableFiles.fsyncDirectory(paths.rootfsDir());
      }
      bytesFreed += Trees.delete(f);
      if (chain == null) {
        strayRemoved++;
      } else if (!marker) {
        treesRemoved++;
      }
    }
    return kept;
  }

  /**
   * The chain ID a tree is named after: its hex alone (StorePaths.tree), so the algorithm comes from the
   * length. A one-layer image's chain ID is its diff ID, which may be sha512.
   */
  static Digest treeName(String hex) {
    return parse(hex.length() == 128 ? "sha512" : "sha256", hex);
  }

  static Digest parse(String alg, String hex) {
    try {
      return new Digest(alg, hex);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static List<Path> list(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return out;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(out::add);
    }
    out.sort(null);
    return out;
  }
}
