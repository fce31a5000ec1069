package dev.jpull.unpack;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.progress.ProgressListener;
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
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

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

  private final Path root;
  private final ProgressListener listener;
  private final boolean privileged;
  private final Map<Path, long[]> directories = new HashMap<>();
  private final Set<String> warned = new HashSet<>();
  private final byte[] buffer = new byte[BUFFER];

  private Rootfs(Path root, ProgressListener listener, boolean privileged) {
    this.root = root;
    this.listener = listener;
    this.privileged = privileged;
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

  static boolean runningAsRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Decompresses, applies and verifies one layer: the uncompressed stream, trailing bytes included
   * (CVE-2017-14992), must hash to {@code expectedDiffId}.
   */
  public void applyLayer(InputStream blob, Descriptor layer, Digest expectedDiffId, int index) throws IOException {
    MessageDigest md = expectedDiffId.newDigester();
    InputStream tar = new java.security.DigestInputStream(Decompression.open(blob, layer), md);
    String what = "layer " + index + " " + layer.digest();
    Set<Path> thisLayer = new HashSet<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(tar, StandardCharsets.UTF_8.name())) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        apply(e, in, what, thisLayer);
      }
      while (tar.read(buffer) >= 0) {
        // drain padding and trailing bytes into the diffID hash
      }
    } catch (JpullException ex) {
      throw ex;
    } catch (OutOfMemoryError ex) {
      // commons-compress 1.28 reads PAX headers and GNU long names whole (COMPRESS-723); the launcher's
      // bounded heap turns a hostile one into this error, which is the layer's fault, not a bug.
      throw new JpullException(Kind.VERIFICATION, what + ": tar header metadata too large (PAX or long name)");
    } catch (java.io.EOFException | IllegalArgumentException ex) {
      throw new JpullException(Kind.VERIFICATION, what + ": unexpected end of layer data or malformed tar: "
          + ex.getMessage(), ex);
    } catch (IOException ex) {
      if (ex instanceof java.nio.file.FileSystemException) {
        throw ex;
      }
      throw new JpullException(Kind.VERIFICATION, what + ": malformed layer data: " + ex.getMessage(), ex);
    }
    Digest got = Digest.of(expectedDiffId.algorithm(), md);
    if (!got.equals(expectedDiffId)) {
      throw new JpullException(Kind.VERIFICATION, "wrong diff id for " + what + ": want " + expectedDiffId
          + ", got " + got);
    }
  }

  private void apply(TarArchiveEntry e, InputStream data, String layer, Set<Path> thisLayer) throws IOException {
    String name = e.getName();
    String what = layer + ": entry " + Quoted.of(name);
    List<String> comps = RootPath.clean(name, what);
    if (e.isGlobalPaxHeader()) {
      return;
    }
    if (comps.isEmpty()) {
      // isDirectory() also answers true for any name ending in '/', so check the type flag first (CVE-2021-29136).
      if (e.isSymbolicLink() || e.isLink() || !e.isDirectory()) {
        throw new JpullException(Kind.VERIFICATION, what + ": refusing to change the type of the root directory");
      }
      directories.put(root, new long[] {e.getMode() & 07777, e.getModTime().getTime()});
      return;
    }
    String base = comps.get(comps.size() - 1);
    if (base.startsWith(WHITEOUT)) {
      whiteout(comps, base, what, thisLayer);
      return;
    }
    Path parent = mkdirs(comps.subList(0, comps.size() - 1), what);
    Path target = parent.resolve(base);
    boolean exists = Files.exists(target, NOFOLLOW);
    boolean isDir = e.isDirectory() && !e.isSymbolicLink() && !e.isLink();
    if (exists && !(isDir && RootPath.isDirectory(target))) {
      delete(target);
    }
    if (e.isDirectory() && !e.isSymbolicLink() && !e.isLink()) {
      if (!RootPath.isDirectory(target)) {
        Files.createDirectory(target);
      }
      owner(target, e);
      setMode(target, (e.getMode() & 07777) | 0700);
      directories.put(target, new long[] {e.getMode() & 07777, e.getModTime().getTime()});
    } else if (e.isSymbolicLink()) {
      Files.createSymbolicLink(target, Path.of(e.getLinkName()));
      owner(target, e);
      times(target, e);
    } else if (e.isLink()) {
      List<String> link = RootPath.clean(e.getLinkName(), what + " hardlink target " + Quoted.of(e.getLinkName()));
      if (link.isEmpty()) {
        throw new JpullException(Kind.VERIFICATION, what + ": hardlink to the root directory");
      }
      Path source = RootPath.parent(root, link, what).resolve(link.get(link.size() - 1));
      if (!source.startsWith(root) || !Files.exists(source, NOFOLLOW) || RootPath.isDirectory(source)) {
        throw new JpullException(Kind.VERIFICATION, what + ": hardlink target " + Quoted.of(e.getLinkName())
            + " not found in rootfs");
      }
      Files.createLink(target, source);
    } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
      node(target, e, what);
    } else if (e.isFile()) {
      writeFile(target, data, e.getSize());
      // chown clears setuid/setgid: owner first, then the mode.
      owner(target, e);
      setMode(target, e.getMode() & 07777);
      times(target, e);
    } else {
      warnOnce("type-" + e.getName(), "skipped " + what + ": unsupported tar entry type");
      return;
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
      hideLower(parent, thisLayer);
      return;
    }
    String victim = base.substring(WHITEOUT.length());
    if (victim.isEmpty() || victim.equals(".") || victim.equals("..") || victim.startsWith(WHITEOUT)) {
      throw new JpullException(Kind.VERIFICATION, what + ": invalid whiteout");
    }
    if (RootPath.isDirectory(parent)) {
      delete(parent.resolve(victim));
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
        delete(p);
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

  private void node(Path target, TarArchiveEntry e, String what) throws IOException {
    String kind = e.isFIFO() ? "fifo" : e.isCharacterDevice() ? "character device" : "block device";
    if (!privileged) {
      warnOnce(kind, "skipped " + kind + "s (first: " + what + "): creating them needs root");
      return;
    }
    Path mknod = Files.isExecutable(Path.of("/usr/bin/mknod")) ? Path.of("/usr/bin/mknod") : Path.of("/bin/mknod");
    List<String> cmd = e.isFIFO() ? List.of(mknod.toString(), target.toString(), "p")
        : List.of(mknod.toString(), target.toString(), e.isCharacterDevice() ? "c" : "b",
            Integer.toString(e.getDevMajor()), Integer.toString(e.getDevMinor()));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readNBytes(4096);
      if (p.waitFor() != 0) {
        warnOnce(kind, "could not create " + kind + " " + what);
        return;
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted creating " + what);
    }
    owner(target, e);
    setMode(target, e.getMode() & 07777);
    times(target, e);
  }

  /** Applies directory modes and times, deepest first, after every layer. */
  public void finish() throws IOException {
    List<Map.Entry<Path, long[]>> dirs = new java.util.ArrayList<>(directories.entrySet());
    dirs.sort((a, b) -> Integer.compare(b.getKey().getNameCount(), a.getKey().getNameCount()));
    for (Map.Entry<Path, long[]> d : dirs) {
      Path p = d.getKey();
      if (!RootPath.isDirectory(p)) {
        continue;
      }
      Files.getFileAttributeView(p, BasicFileAttributeView.class, NOFOLLOW)
          .setTimes(FileTime.fromMillis(d.getValue()[1]), null, null);
      setMode(p, (int) d.getValue()[0]);
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

  private void owner(Path p, TarArchiveEntry e) throws IOException {
    if (!privileged) {
      return;
    }
    Files.setAttribute(p, "unix:gid", (int) e.getLongGroupId(), NOFOLLOW);
    Files.setAttribute(p, "unix:uid", (int) e.getLongUserId(), NOFOLLOW);
  }

  private static void times(Path p, TarArchiveEntry e) throws IOException {
    Files.getFileAttributeView(p, BasicFileAttributeView.class, NOFOLLOW)
        .setTimes(FileTime.fromMillis(e.getModTime().getTime()), null, null);
  }

  private void warnOnce(String key, String message) {
    if (warned.add(key)) {
      listener.warn(message);
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
