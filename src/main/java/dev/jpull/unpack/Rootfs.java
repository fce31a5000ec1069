package dev.jpull.unpack;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.progress.ProgressListener;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A root filesystem being built from layers, bottom first, with OCI layer semantics (image-spec
 * {@code layer.md}): whiteouts, opaque directories, replacement of what lower layers left. Every path is
 * resolved inside the root ({@link RootPath}); the final component is never followed, and modes, owners
 * and times are set with {@code NOFOLLOW_LINKS} (CVE-2021-32760). Directories stay owner-writable while
 * layers are applied and get their recorded modes and times in {@link #finish()}.
 */
public final class Rootfs {
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  private static final int BUFFER = 1 << 20;
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  /** Inflating on a second thread; {@code -Djpull.unpack.readAhead=false} turns it off to measure the gain. */
  private static final Path SETFATTR = Path.of("/usr/bin/setfattr");
  private static final boolean READ_AHEAD = !"false".equals(System.getProperty("jpull.unpack.readAhead"));

  private record DirMeta(int mode, FileTime mtime) {}

  private final Path root;
  private final ProgressListener listener;
  private final boolean privileged;
  private final Map<Path, DirMeta> directories = new HashMap<>();
  /**
   * Parent directories already resolved in this tree, by their name in the layer. Only this Rootfs changes
   * the tree, and every change that could make a cached resolution stale (a deletion, hence a replacement
   * by a symlink) goes through {@link #remove}, which empties the cache: so the safety of a fresh
   * resolution per entry (CVE-2025-47290) is kept without its ~15 stat calls per entry.
   */
  private final Map<String, Path> parents = new HashMap<>();
  /** Directories whose setgid bit makes new entries inherit their group (so chown is never skipped there). */
  private final Set<Path> setgidDirs = new HashSet<>();
  /** What a newly created file and directory get without chmod (umask applied), measured once. */
  private final int defaultFileMode;
  private final int defaultDirMode;
  private final int uid;
  private final int gid;
  private final Set<String> warned = new HashSet<>();
  private final byte[] buffer = new byte[BUFFER];

  private Rootfs(Path root, ProgressListener listener, boolean privileged) throws IOException {
    this.root = root;
    this.listener = listener;
    this.privileged = privileged;
    Path probe = root.resolve(".jpull-probe-" + ProcessHandle.current().pid());
    Files.createDirectory(probe);
    Path file = Files.createFile(probe.resolve("f"));
    this.defaultFileMode = (Integer) Files.getAttribute(file, "unix:mode", NOFOLLOW) & 07777;
    this.defaultDirMode = (Integer) Files.getAttribute(probe, "unix:mode", NOFOLLOW) & 07777;
    int[] ids = fsIds();
    this.uid = ids[0];
    this.gid = ids[1];
    Files.delete(file);
    Files.delete(probe);
  }

  /** {@code root} is an existing empty directory. Owners and devices are applied only when running as root. */
  public static Rootfs create(Path root, ProgressListener listener) throws IOException {
    return create(root, listener, runningAsRoot());
  }

  public static Rootfs create(Path root, ProgressListener listener, boolean privileged) throws IOException {
    Path abs = root.toAbsolutePath().normalize();
    if (!Files.isDirectory(abs, NOFOLLOW)) {
      throw new JpullException(Kind.LOCAL_IO, "unpack target " + abs + " is not a directory");
    }
    return new Rootfs(abs, listener, privileged);
  }

  /**
   * The filesystem uid and gid new entries get (Linux {@code /proc/self/status}); {@code -1} when unknown,
   * which disables skipping chown. Not read from a probe file: a setgid root would lend it its group.
   */
  private static int[] fsIds() {
    int[] ids = {-1, -1};
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        String[] f = line.split("\\s+");
        if (f.length >= 5 && f[0].equals("Uid:")) {
          ids[0] = Integer.parseInt(f[4]);
        } else if (f.length >= 5 && f[0].equals("Gid:")) {
          ids[1] = Integer.parseInt(f[4]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return new int[] {-1, -1};
    }
    return ids;
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
   * (CVE-2017-14992), must hash to {@code expectedDiffId}. Does not close {@code blob}.
   */
  public void applyLayer(InputStream blob, Descriptor layer, Digest expectedDiffId, int index) throws IOException {
    MessageDigest md = expectedDiffId.newDigester();
    String what = "layer " + index + " " + layer.digest();
    InputStream tar = new DigestInputStream(Decompression.open(new FilterInputStream(blob) {
      @Override
      public void close() {
        // the caller owns the blob; closing here only frees the decompressor (zstd's native context)
      }
    }, layer), md);
    InputStream source = READ_AHEAD ? new ReadAhead(tar, BUFFER, 4, "jpull-inflate-" + index) : tar;
    Set<Path> thisLayer = new HashSet<>();
    try {
      TarReader in = new TarReader(source);
      TarEntry e;
      while ((e = in.next()) != null) {
        apply(e, in.content(), what, thisLayer);
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

  private void apply(TarEntry e, InputStream data, String layer, Set<Path> thisLayer) throws IOException {
    String name = e.name();
    String what = layer + ": entry " + Quoted.of(name);
    List<String> comps = RootPath.clean(name, what);
    TarEntry.Type type = e.type();
    if (comps.isEmpty()) {
      if (type != TarEntry.Type.DIRECTORY) {
        throw new JpullException(Kind.VERIFICATION, what + ": refusing to change the type of the root directory");
      }
      directories.put(root, new DirMeta(e.mode(), e.mtime()));
      return;
    }
    String base = comps.get(comps.size() - 1);
    if (base.startsWith(WHITEOUT)) {
      whiteout(comps, base, what, thisLayer);
      return;
    }
    Path parent = parentDir(comps, what);
    Path target = parent.resolve(base);
    BasicFileAttributes existing = attributes(target);
    boolean isDir = type == TarEntry.Type.DIRECTORY;
    boolean existingDir = existing != null && existing.isDirectory();
    if (existing != null && !(isDir && existingDir)) {
      remove(target);
      existingDir = false;
    }
    switch (type) {
      case DIRECTORY -> {
        boolean created = !existingDir;
        if (created) {
          Files.createDirectory(target);
        }
        owner(target, e, parent);
        if (!created || (e.mode() | 0700) != defaultDirMode) {
          setMode(target, e.mode() | 0700);
        }
        if ((e.mode() & 02000) != 0) {
          setgidDirs.add(target);
        } else {
          setgidDirs.remove(target);
        }
        xattrs(target, e, what);
        directories.put(target, new DirMeta(e.mode(), e.mtime()));
      }
      case SYMLINK -> {
        Files.createSymbolicLink(target, Path.of(e.linkName()));
        owner(target, e, parent);
        times(target, e);
      }
      case HARDLINK -> {
        List<String> link = RootPath.clean(e.linkName(), what + " hardlink target " + Quoted.of(e.linkName()));
        if (link.isEmpty()) {
          throw new JpullException(Kind.VERIFICATION, what + ": hardlink to the root directory");
        }
        Path source = RootPath.parent(root, link, what).resolve(link.get(link.size() - 1));
        if (!source.startsWith(root) || !Files.exists(source, NOFOLLOW) || RootPath.isDirectory(source)) {
          throw new JpullException(Kind.VERIFICATION, what + ": hardlink target " + Quoted.of(e.linkName())
              + " not found in rootfs");
        }
        Files.createLink(target, source);
      }
      case CHAR_DEVICE, BLOCK_DEVICE, FIFO -> {
        if (!node(target, e, what)) {
          return;
        }
      }
      case FILE -> {
        writeFile(target, data, e.size());
        // chown clears setuid/setgid: owner first, then the mode.
        owner(target, e, parent);
        if (e.mode() != defaultFileMode) {
          setMode(target, e.mode());
        }
        xattrs(target, e, what);
        times(target, e);
      }
      default -> {
        warnOnce("type", "skipped " + what + " and any other entries of unsupported tar types");
        return;
      }
    }
    thisLayer.add(target);
  }

  private void whiteout(List<String> comps, String base, String what, Set<Path> thisLayer) throws IOException {
    Path parent = RootPath.resolve(root, comps.subList(0, comps.size() - 1), what);
    if (!parent.startsWith(root)) {
      return;
    }
    if (base.equals(OPAQUE)) {
      if (!RootPath.isDirectory(parent)) {
        return;
      }
      parents.clear();
      hideLower(parent, thisLayer);
      return;
    }
    String victim = base.substring(WHITEOUT.length());
    if (victim.isEmpty() || victim.equals(".") || victim.equals("..") || victim.startsWith(WHITEOUT)) {
      throw new JpullException(Kind.VERIFICATION, what + ": invalid whiteout");
    }
    if (RootPath.isDirectory(parent)) {
      remove(parent.resolve(victim));
    }
  }

  /**
   * Removes what lower layers put under {@code dir}, keeping this layer's entries wherever the marker
   * stands in the layer (image-spec: "regardless of the ordering").
   */
  private static void hideLower(Path dir, Set<Path> thisLayer) throws IOException {
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
      for (Path c : children) {
        if (!thisLayer.contains(c)) {
          delete(c);
        } else if (RootPath.isDirectory(c)) {
          hideLower(c, thisLayer);
        }
      }
    }
  }

  /** The resolved parent directory of an entry, created if missing; cached until anything is removed. */
  private Path parentDir(List<String> comps, String what) throws IOException {
    return dir(comps.subList(0, comps.size() - 1), what);
  }

  /**
   * A directory of the tree by its name in the layer, resolved and created component by component on top of
   * its (cached) parent: one stat per new directory. Anything but a plain directory in the way (a symlink to
   * follow inside the root, a file to replace) takes the careful path, {@link #mkdirs}, from the root.
   */
  private Path dir(List<String> dirs, String what) throws IOException {
    if (dirs.isEmpty()) {
      return root;
    }
    String key = String.join("/", dirs);
    Path cached = parents.get(key);
    if (cached != null) {
      return cached;
    }
    Path up = dir(dirs.subList(0, dirs.size() - 1), what);
    Path p = up.resolve(dirs.get(dirs.size() - 1));
    BasicFileAttributes a = attributes(p);
    Path result;
    if (a == null) {
      Files.createDirectory(p);
      if (defaultDirMode != 0755) {
        setMode(p, 0755);
      }
      result = p;
    } else if (a.isDirectory()) {
      result = p;
    } else {
      result = mkdirs(dirs, what);
    }
    parents.put(key, result);
    return result;
  }

  private static BasicFileAttributes attributes(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
  }

  /** Every removal goes through here: it may turn a cached parent into something else. */
  private void remove(Path p) throws IOException {
    parents.clear();
    setgidDirs.removeIf(d -> d.startsWith(p));
    delete(p);
  }

  /** Creates the missing directories of a parent path inside the root; a non-directory in the way is replaced. */
  private Path mkdirs(List<String> comps, String what) throws IOException {
    Path p = root;
    for (int i = 1; i <= comps.size(); i++) {
      p = RootPath.resolve(root, comps.subList(0, i), what);
      if (!Files.exists(p, NOFOLLOW)) {
        // A symlink may have led into directories that do not exist yet (re-rooted absolute targets):
        // create them one by one; resolve() returned a path without symlinks up to the first missing one.
        Path q = root;
        for (Path part : root.relativize(p)) {
          q = q.resolve(part);
          if (!Files.exists(q, NOFOLLOW)) {
            Files.createDirectory(q);
            setMode(q, 0755);
          } else if (!RootPath.isDirectory(q)) {
            throw new JpullException(Kind.VERIFICATION, what + ": parent is not a directory");
          }
        }
      } else if (!RootPath.isDirectory(p)) {
        remove(p);
        Files.createDirectory(p);
        setMode(p, 0755);
      }
    }
    return p;
  }

  private void writeFile(Path target, InputStream data, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(target, EnumSet.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE), new java.nio.file.attribute.FileAttribute<?>[0])) {
      long left = size;
      while (left > 0) {
        int n = data.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new java.io.EOFException("unexpected end of layer data in " + target.getFileName());
        }
        ByteBuffer bb = ByteBuffer.wrap(buffer, 0, n);
        while (bb.hasRemaining()) {
          ch.write(bb);
        }
        left -= n;
      }
    } catch (FileAlreadyExistsException ex) {
      throw new JpullException(Kind.VERIFICATION, "refusing to write through an existing entry " + target, ex);
    }
  }

  /** Creates a device or fifo when running as root; false (after one warning per kind) otherwise. */
  private boolean node(Path target, TarEntry e, String what) throws IOException {
    String kind = switch (e.type()) {
      case FIFO -> "fifo";
      case CHAR_DEVICE -> "character device";
      default -> "block device";
    };
    if (!privileged) {
      warnOnce(kind, "skipped " + kind + "s (first: " + what + "): creating them needs root");
      return false;
    }
    Path mknod = Files.isExecutable(Path.of("/usr/bin/mknod")) ? Path.of("/usr/bin/mknod") : Path.of("/bin/mknod");
    List<String> cmd = e.type() == TarEntry.Type.FIFO ? List.of(mknod.toString(), target.toString(), "p")
        : List.of(mknod.toString(), target.toString(), e.type() == TarEntry.Type.CHAR_DEVICE ? "c" : "b",
            Integer.toString(e.devMajor()), Integer.toString(e.devMinor()));
    if (!run(cmd, what)) {
      warnOnce(kind, "could not create " + kind + " " + what);
      return false;
    }
    owner(target, e, null);
    setMode(target, e.mode());
    times(target, e);
    return true;
  }

  /**
   * {@code user.*} attributes go through the JDK; others ({@code security.capability}, {@code trusted.*})
   * have no JDK API, so as root they are set with {@code setfattr} when it is installed, and otherwise
   * reported once each, as umoci does when the filesystem refuses them.
   */
  private void xattrs(Path target, TarEntry e, String what) throws IOException {
    for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
      String key = x.getKey();
      try {
        if (key.startsWith("user.")) {
          UserDefinedFileAttributeView view =
              Files.getFileAttributeView(target, UserDefinedFileAttributeView.class, NOFOLLOW);
          if (view != null) {
            view.write(key.substring("user.".length()), ByteBuffer.wrap(x.getValue()));
            continue;
          }
        } else if (privileged && Files.isExecutable(SETFATTR)) {
          if (run(List.of(SETFATTR.toString(), "-h", "-n", key, "-v", "0x" + HexFormat.of().formatHex(x.getValue()),
              "--", target.toString()), what)) {
            continue;
          }
        }
      } catch (IOException | UnsupportedOperationException ex) {
        // fall through to the warning: the filesystem does not take extended attributes
      }
      warnOnce("xattr-" + key, "extended attribute " + Quoted.of(key) + " not applied (first: " + what + ")");
    }
  }

  private static boolean run(List<String> cmd, String what) throws IOException {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readNBytes(4096);
      return p.waitFor() == 0;
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while creating " + what);
    }
  }

  /** Applies directory modes and times, deepest first, after every layer. */
  public void finish() throws IOException {
    List<Map.Entry<Path, DirMeta>> dirs = new java.util.ArrayList<>(directories.entrySet());
    dirs.sort((a, b) -> Integer.compare(b.getKey().getNameCount(), a.getKey().getNameCount()));
    for (Map.Entry<Path, DirMeta> d : dirs) {
      Path p = d.getKey();
      if (!RootPath.isDirectory(p)) {
        continue;
      }
      Files.getFileAttributeView(p, BasicFileAttributeView.class, NOFOLLOW).setTimes(d.getValue().mtime(), null, null);
      setMode(p, d.getValue().mode());
    }
  }

  private void setMode(Path p, int mode) throws IOException {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
    for (int i = 0; i < order.length; i++) {
      if ((mode & (1 << i)) != 0) {
        perms.add(order[i]);
      }
    }
    if ((mode & 07000) != 0) {
      // setuid/setgid/sticky are beyond PosixFilePermission; "unix:mode" sets all 12 bits without following.
      Files.setAttribute(p, "unix:mode", mode, NOFOLLOW);
    } else {
      Files.getFileAttributeView(p, PosixFileAttributeView.class, NOFOLLOW).setPermissions(perms);
    }
  }

  /**
   * Sets the recorded owner as root. Skipped when a new entry already has it: created by this process, it
   * is owned by our uid and gid unless its parent's setgid bit gave it the parent's group ({@code parent}
   * null means "unknown": always chown).
   */
  private void owner(Path p, TarEntry e, Path parent) throws IOException {
    if (!privileged) {
      return;
    }
    if (e.uid() == uid && e.gid() == gid && parent != null && !setgidDirs.contains(parent)
        && !parent.equals(root)) {
      return;
    }
    Files.setAttribute(p, "unix:gid", (int) e.gid(), NOFOLLOW);
    Files.setAttribute(p, "unix:uid", (int) e.uid(), NOFOLLOW);
  }

  /** atime is set to mtime (as umoci does without a PAX atime): with a null atime the JDK stats first. */
  private static void times(Path p, TarEntry e) throws IOException {
    Files.getFileAttributeView(p, BasicFileAttributeView.class, NOFOLLOW).setTimes(e.mtime(), e.mtime(), null);
  }

  private void warnOnce(String key, String message) {
    if (warned.add(key)) {
      listener.warn(message);
    }
  }

  /**
   * Empties a directory jpull was unpacking into, without following links and whatever modes the layers
   * left, so that a failed pull into {@code --rootfs} leaves nothing that looks usable.
   */
  public static void clear(Path dir) throws IOException {
    if (!RootPath.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path c : s) {
        delete(c);
      }
    }
  }

  /** Deletes a path without following links, making directories writable first (0000/0555 trees). */
  static void delete(Path p) throws IOException {
    if (RootPath.isDirectory(p)) {
      Files.getFileAttributeView(p, PosixFileAttributeView.class, NOFOLLOW)
          .setPermissions(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE));
      try (DirectoryStream<Path> s = Files.newDirectoryStream(p)) {
        for (Path c : s) {
          delete(c);
        }
      }
    }
    Files.deleteIfExists(p);
  }
}
