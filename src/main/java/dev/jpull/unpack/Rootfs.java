package dev.jpull.unpack;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.fs.Dir;
import dev.jpull.fs.NativeException;
import dev.jpull.fs.OpenFile;
import dev.jpull.fs.Stat;
import dev.jpull.fs.TreeRemover;
import dev.jpull.fs.TreeWalk;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.progress.ProgressListener;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.List;

/**
 * A root filesystem being built from layers, bottom first, with OCI layer semantics (image-spec
 * {@code layer.md}): whiteouts, opaque directories, replacement of what lower layers left. Everything is
 * done relative to open directories of the tree ({@link Tree}), names byte-exact; metadata is set on the
 * entry itself ({@link Metadata}). Directories are 0700 while layers are applied and get their recorded
 * modes and times in {@link #finish()}, on the directory found there only if it is one jpull made.
 */
public final class Rootfs implements AutoCloseable {
  private static final int BUFFER = 1 << 20;
  /** Inflating on a second thread; {@code -Djpull.unpack.readAhead=false} turns it off to measure the gain. */
  private static final boolean READ_AHEAD = !"false".equals(System.getProperty("jpull.unpack.readAhead"));

  private final Path path;
  private final Tree tree;
  private final Metadata meta;
  private final DirRecords records;
  /** The image's {@code ./} entry: the root's final mode and mtime (0755 and untouched without one). */
  private int rootMode = 0755;
  private java.nio.file.attribute.FileTime rootTime;
  private final byte[] buffer = new byte[BUFFER];
  private final ByteBuffer direct = ByteBuffer.allocateDirect(BUFFER);

  private Rootfs(Path path, Dir root, boolean privileged, ProgressListener listener) throws NativeException {
    this.path = path;
    Stat st = root.stat();
    this.meta = new Metadata(privileged, listener, st);
    this.records = new DirRecords(st.dev());
    this.tree = new Tree(root, d -> records.put(d.stat(), 0755, DirRecords.NO_TIME, 0));
    root.chmod(0700);
  }

  /** {@code root} is an existing empty directory. Owners and devices are applied only when running as root. */
  public static Rootfs create(Path root, ProgressListener listener) throws IOException {
    return create(root, listener, runningAsRoot());
  }

  public static Rootfs create(Path root, ProgressListener listener, boolean privileged) throws IOException {
    Path abs = root.toAbsolutePath().normalize();
    if (!Files.isDirectory(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new JpullException(Kind.LOCAL_IO, "unpack target " + abs + " is not a directory");
    }
    if (!Dir.available()) {
      throw new JpullException(Kind.LOCAL_IO, "cannot unpack into " + abs + ": jpull's native file calls did not load ("
          + Dir.unavailableReason() + ")");
    }
    Dir d;
    try {
      d = Dir.open(abs);
    } catch (NativeException e) {
      if (e.errno() == NativeException.ENOTDIR || e.errno() == NativeException.ENOENT
          || e.errno() == NativeException.ELOOP) {
        throw new JpullException(Kind.LOCAL_IO, "unpack target " + abs + " is not a directory");
      }
      throw e;
    }
    try {
      return new Rootfs(abs, d, privileged, listener);
    } catch (NativeException | RuntimeException e) {
      d.close();
      throw e;
    }
  }

  static boolean runningAsRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Decompresses, applies and verifies one layer: the uncompressed stream, trailing bytes included
   * (CVE-2017-14992), must hash to {@code expectedDiffId}. Does not close {@code blob}. After a failure
   * the Rootfs is closed and unusable.
   */
  public void applyLayer(InputStream blob, Descriptor layer, Digest expectedDiffId, int index) throws IOException {
    boolean ok = false;
    try {
      apply(blob, layer, expectedDiffId, index);
      ok = true;
    } finally {
      if (!ok) {
        close();
      }
    }
  }

  private void apply(InputStream blob, Descriptor layer, Digest expectedDiffId, int index) throws IOException {
    MessageDigest md = expectedDiffId.newDigester();
    String what = "layer " + index + " " + layer.digest();
    InputStream tar = Decompression.open(new FilterInputStream(blob) {
      @Override
      public void close() {
        // the caller owns the blob; closing here only frees the decompressor (zstd's native context)
      }
    }, layer);
    // The inflate thread reads, verifies and inflates the blob; the diffID is hashed here, on the thread
    // that parses and writes: the two then carry about the same work (docs/performance.md).
    InputStream source = new DigestInputStream(READ_AHEAD ? new ReadAhead(tar, BUFFER, 4, "jpull-inflate-" + index)
        : tar, md);
    LayerNames thisLayer = new LayerNames();
    try {
      TarReader in = new TarReader(source);
      TarEntry e;
      while ((e = in.next()) != null) {
        try {
          apply(e, in.content(), what, thisLayer);
        } catch (NativeException ex) {
          if (ex.errno() == NativeException.ENAMETOOLONG) {
            // a layer's name (or a symlink it follows) longer than the filesystem takes: bad content
            throw new JpullException(Kind.VERIFICATION, what + ": entry " + Quoted.of(e.name())
                + ": name too long for the filesystem", ex);
          }
          throw ex;
        } finally {
          tree.release();
        }
      }
      while (source.read(buffer) >= 0) {
        // drain the end-of-archive blocks and any trailing bytes into the diffID hash
      }
    } catch (JpullException ex) {
      throw ex;
    } catch (OutOfMemoryError ex) {
      throw new JpullException(Kind.VERIFICATION, what + ": layer needs more memory than allowed to decompress");
    } catch (TarFormatException ex) {
      throw new JpullException(Kind.VERIFICATION, what + ": malformed tar: " + ex.getMessage(), ex);
    } catch (java.io.EOFException ex) {
      throw new JpullException(Kind.VERIFICATION, what + ": unexpected end of layer data: " + ex.getMessage(), ex);
    } catch (IOException ex) {
      if (ex instanceof java.nio.file.FileSystemException || ex instanceof java.io.InterruptedIOException) {
        throw ex;
      }
      throw new JpullException(Kind.VERIFICATION, what + ": malformed layer data: " + ex.getMessage(), ex);
    } finally {
      source.close();
    }
    Digest got = Digest.of(expectedDiffId.algorithm(), md);
    if (!got.equals(expectedDiffId)) {
      throw new JpullException(Kind.VERIFICATION, "wrong diff id for " + what + ": want " + expectedDiffId
          + ", got " + got);
    }
  }

  private void apply(TarEntry e, InputStream data, String layer, LayerNames thisLayer) throws IOException {
    String what = layer + ": entry " + Quoted.of(e.name());
    List<String> comps = RootPath.clean(e.path(), what);
    TarEntry.Type type = e.type();
    if (comps.isEmpty()) {
      if (type != TarEntry.Type.DIRECTORY) {
        throw new JpullException(Kind.VERIFICATION, what + ": refusing to change the type of the root directory");
      }
      rootMode = e.mode() & 07777;
      rootTime = e.mtime();
      return;
    }
    String base = comps.get(comps.size() - 1);
    if (base.startsWith(Whiteouts.PREFIX)) {
      Whiteouts.apply(tree, comps, base, what, thisLayer);
      return;
    }
    Tree.Resolved parent = tree.dir(comps.subList(0, comps.size() - 1), true, what);
    Dir dir = parent.dir();
    byte[] name = RootPath.bytes(base);
    switch (type) {
      case DIRECTORY -> directory(comps, parent, base, e, what);
      case FILE -> file(dir, base, e, data);
      case SYMLINK -> {
        create(dir, base, () -> dir.symlink(e.link(), name));
        meta.symlink(dir, name, e);
      }
      case HARDLINK -> hardlink(dir, base, e, what);
      case CHAR_DEVICE, BLOCK_DEVICE, FIFO -> {
        if (!node(dir, base, e, what)) {
          return;
        }
      }
      default -> {
        meta.warnOnce("type", "skipped " + what + " and any other entries of unsupported tar types");
        return;
      }
    }
    thisLayer.add(parent.real().isEmpty() ? base : parent.real() + "/" + base);
  }

  private interface Creation {
    void run() throws NativeException;
  }

  /** Makes an entry; whatever a lower layer left under that name is removed first (and only then). */
  private void create(Dir dir, String base, Creation c) throws NativeException {
    try {
      c.run();
    } catch (NativeException ex) {
      if (ex.errno() != NativeException.EEXIST) {
        throw ex;
      }
      tree.remove(dir, base);
      c.run();
    }
  }

  private void directory(List<String> comps, Tree.Resolved parent, String base, TarEntry e, String what)
      throws NativeException {
    Dir dir = parent.dir();
    byte[] name = RootPath.bytes(base);
    try {
      dir.mkdir(name, 0700);
    } catch (NativeException ex) {
      if (ex.errno() != NativeException.EEXIST) {
        throw ex;
      }
      if (!dir.stat(name).isDirectory()) {
        tree.remove(dir, base);
        dir.mkdir(name, 0700);
      }
    }
    Dir d = dir.openDir(name);
    Tree.Resolved self = tree.remember(comps, parent, base, d);
    Stat st = d.stat();
    meta.directory(d, st, e, what);
    records.put(st, e.mode(), Metadata.seconds(e.mtime()), Metadata.nanos(e.mtime()));
    assert self.dir() == d;
  }

  private void file(Dir dir, String base, TarEntry e, InputStream data) throws IOException {
    byte[] name = RootPath.bytes(base);
    // Owner bits the user needs to write it (a 0000 file); the recorded mode is set on the descriptor after.
    int mode = (e.mode() & 0777) | 0600;
    OpenFile[] f = new OpenFile[1];
    create(dir, base, () -> f[0] = dir.createFile(name, mode));
    try (OpenFile out = f[0]) {
      long left = e.size();
      while (left > 0) {
        int n = data.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new java.io.EOFException("unexpected end of layer data in " + Quoted.of(e.name()));
        }
        direct.clear();
        direct.put(buffer, 0, n);
        out.write(direct, n);
        left -= n;
      }
      meta.file(out, e, meta.created(mode), e.name());
    }
  }

  private void hardlink(Dir dir, String base, TarEntry e, String what) throws IOException {
    List<String> link = RootPath.clean(e.link(), what + " hardlink target " + Quoted.of(e.linkName()));
    if (link.isEmpty()) {
      throw new JpullException(Kind.VERIFICATION, what + ": hardlink to the root directory");
    }
    byte[] name = RootPath.bytes(base);
    if (dir.statIfExists(name) != null) {
      tree.remove(dir, base);
    }
    Tree.Resolved from = tree.dir(link.subList(0, link.size() - 1), false, what);
    byte[] fromName = RootPath.bytes(link.get(link.size() - 1));
    Stat source = from == null ? null : from.dir().statIfExists(fromName);
    if (source == null || source.isDirectory()) {
      throw new JpullException(Kind.VERIFICATION, what + ": hardlink target " + Quoted.of(e.linkName())
          + " not found in rootfs");
    }
    dir.link(from.dir(), fromName, name);
  }

  /** Makes a device node or FIFO without opening it; false (after one warning per kind) when it cannot. */
  private boolean node(Dir dir, String base, TarEntry e, String what) throws NativeException {
    String kind = switch (e.type()) {
      case FIFO -> "fifo";
      case CHAR_DEVICE -> "character device";
      default -> "block device";
    };
    if (!meta.privileged() && e.type() != TarEntry.Type.FIFO) {
      meta.warnOnce(kind, "skipped " + kind + "s (first: " + what + "): creating them needs root");
      return false;
    }
    if (!Dir.nodesAvailable()) {
      meta.warnOnce(kind, "skipped " + kind + "s (first: " + what + "): mknodat is not available");
      return false;
    }
    int nodeType = switch (e.type()) {
      case FIFO -> Dir.FIFO;
      case CHAR_DEVICE -> Dir.CHAR;
      default -> Dir.BLOCK;
    };
    byte[] name = RootPath.bytes(base);
    int mode = e.mode() & 0777;
    create(dir, base, () -> dir.mknod(name, nodeType, mode, e.devMajor(), e.devMinor()));
    meta.node(dir, name, e, meta.created(mode));
    return true;
  }

  /**
   * Applies directory modes and times after every layer, each directory after its subdirectories, on the
   * directory found by walking the finished tree without following symlinks and only if it is one jpull
   * made (same inode); the root gets the image's {@code ./} entry's mode and times, else 0755.
   */
  public void finish() throws IOException {
    try {
      Dir root = tree.root();
      Stat rootStat = root.stat();
      TreeWalk.postOrder(root, (d, st) -> {
        if (st.sameFile(rootStat)) {
          d.chmod(rootMode);
          if (rootTime != null) {
            d.setTimes(Metadata.seconds(rootTime), Metadata.nanos(rootTime));
          }
          return;
        }
        int i = records.find(st);
        if (i < 0) {
          return;
        }
        d.chmod(records.mode(i));
        if (records.seconds(i) != DirRecords.NO_TIME) {
          d.setTimes(records.seconds(i), records.nanos(i));
        }
      });
    } finally {
      close();
    }
  }

  /** Frees the tree's open directories; done by {@link #finish()} and after a failed layer, harmless twice. */
  @Override
  public void close() {
    tree.close();
    tree.root().close();
  }

  /**
   * Empties a directory jpull was unpacking into, without following links and whatever modes the layers
   * left, so that a failed pull into {@code --rootfs} leaves nothing that looks usable.
   */
  public static void clear(Path dir) throws IOException {
    TreeRemover.clear(dir);
  }

  @Override
  public String toString() {
    return "Rootfs[" + path + "]";
  }
}
