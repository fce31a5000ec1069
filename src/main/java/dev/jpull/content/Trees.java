package dev.jpull.content;

import dev.jpull.oci.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;

/**
 * Unpacked trees, keyed by chain ID so two references with the same layers share one
 * ({@code rootfs/<hex>/}). A tree is unpacked in {@code tmp/}, renamed into place, and only then
 * marked complete by {@code rootfs/<hex>.complete}, written and fsynced last (HOSTILE-INPUTS E5): a
 * tree without its marker is an interrupted unpack and is never reused.
 */
final class Trees {
  private final StorePaths paths;

  Trees(StorePaths paths) {
    this.paths = paths;
  }

  Optional<Path> complete(Digest chainId) {
    Path tree = paths.tree(chainId);
    if (Files.isRegularFile(paths.treeMarker(chainId), LinkOption.NOFOLLOW_LINKS)
        && Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.of(tree);
    }
    return Optional.empty();
  }

  Path begin(Digest chainId) throws IOException {
    return Files.createTempDirectory(paths.tmpDir(), "tree-" + chainId.shortHex() + "-", DurableFiles.privateDirAttr());
  }

  /** The caller holds a lease; the tree lock makes concurrent commits of one chain ID agree on one tree. */
  @SuppressWarnings("try") // the resource is a lock, held for the block
  Path commit(Digest chainId, Path temp) throws IOException, InterruptedException {
    requireInside(temp, paths.tmpDir());
    try (Closeable lock = LockFile.exclusive(paths.treeLock(chainId))) {
      Optional<Path> existing = complete(chainId);
      if (existing.isPresent()) {
        delete(temp);
        return existing.get();
      }
      Path target = paths.tree(chainId);
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        // An unpack killed after its rename but before its marker: move it aside, then delete it.
        Path aside = Files.createTempDirectory(paths.tmpDir(), "stale-");
        Files.move(target, aside.resolve("tree"), StandardCopyOption.ATOMIC_MOVE);
        delete(aside);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      DurableFiles.fsyncDirectory(paths.rootfsDir());
      writeMarker(chainId);
      return target;
    }
  }

  private void writeMarker(Digest chainId) throws IOException {
    Path marker = paths.treeMarker(chainId);
    try (FileChannel ch = FileChannel.open(marker, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS), DurableFiles.privateFileAttr())) {
      ch.write(ByteBuffer.wrap((chainId + "\n").getBytes(StandardCharsets.US_ASCII)));
      ch.force(true);
    }
    DurableFiles.fsyncDirectory(paths.rootfsDir());
  }

  /** Removes a tree under tmp/ or rootfs/; returns the bytes of regular files freed. */
  long discard(Path tree) throws IOException {
    Path p = tree.toAbsolutePath().normalize();
    if (!p.startsWith(paths.tmpDir()) && !p.startsWith(paths.rootfsDir())) {
      throw new IllegalArgumentException("refusing to delete " + tree + ": not a tree of store " + paths.root());
    }
    if (p.equals(paths.tmpDir()) || p.equals(paths.rootfsDir())) {
      throw new IllegalArgumentException("refusing to delete the store's own " + p.getFileName() + " directory");
    }
    return delete(p);
  }

  private static void requireInside(Path p, Path dir) {
    Path n = p.toAbsolutePath().normalize();
    if (!n.startsWith(dir) || n.equals(dir)) {
      throw new IllegalArgumentException(p + " was not made by beginTree in " + dir);
    }
  }

  /**
   * Deletes a tree without following symlinks and without recursion (a hostile layer can nest deeply),
   * relative to open directories (deeper than PATH_MAX too), making 0000 and 0555 directories u+rwx
   * before they are read; devices and FIFOs are unlinked, never opened.
   */
  static long delete(Path root) throws IOException {
    return dev.jpull.fs.TreeRemover.delete(root);
  }
}
