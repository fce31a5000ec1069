package dev.jpull.unpack;

import dev.jpull.Quoted;
import dev.jpull.fs.Dir;
import dev.jpull.fs.Fd;
import dev.jpull.fs.NativeException;
import dev.jpull.fs.OpenFile;
import dev.jpull.fs.Stat;
import dev.jpull.progress.ProgressListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Applies an entry's owner, mode, times and extended attributes to the entry itself: on its open
 * descriptor (files, directories) or with a NOFOLLOW call relative to its open parent (symlinks, device
 * nodes, FIFOs, which are never opened). As root, owners are the recorded ones; as an ordinary user they
 * are not applied (umoci's {@code --rootless}). chown clears setuid/setgid and capabilities, so the order
 * is owner, mode, xattrs, times.
 */
final class Metadata {
  private final boolean privileged;
  private final ProgressListener listener;
  private final Set<String> warned = new HashSet<>();
  /** The filesystem uid and gid new entries get, and the umask their creation modes pass through. */
  private final int uid;
  private final int gid;
  private final int umask;
  /** A setgid root lends its group to what is made in it (and its bit to new directories): always chown. */
  private final boolean inheritGroup;

  Metadata(boolean privileged, ProgressListener listener, Stat root) {
    this.privileged = privileged;
    this.listener = listener;
    int[] ids = procStatus();
    this.uid = ids[0];
    this.gid = ids[1];
    this.umask = ids[2] < 0 ? 022 : ids[2];
    this.inheritGroup = (root.mode() & 02000) != 0 || uid < 0;
  }

  boolean privileged() {
    return privileged;
  }

  /** The mode a file created with {@code mode} has (the umask applied). */
  int created(int mode) {
    return mode & ~umask;
  }

  /** {@code /proc/self/status}: fsuid, fsgid and umask; -1 when unknown (then chown is never skipped). */
  private static int[] procStatus() {
    int[] ids = {-1, -1, -1};
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        String[] f = line.split("\\s+");
        if (f.length >= 5 && f[0].equals("Uid:")) {
          ids[0] = Integer.parseInt(f[4]);
        } else if (f.length >= 5 && f[0].equals("Gid:")) {
          ids[1] = Integer.parseInt(f[4]);
        } else if (f.length >= 2 && f[0].equals("Umask:")) {
          ids[2] = Integer.parseInt(f[1], 8);
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return new int[] {-1, -1, -1};
    }
    return ids;
  }

  private boolean needsChown(TarEntry e, Stat existing) {
    if (!privileged) {
      return false;
    }
    if (existing != null) {
      return existing.uid() != e.uid() || existing.gid() != e.gid();
    }
    return inheritGroup || e.uid() != uid || e.gid() != gid;
  }

  /** A regular file just written through {@code f}, created with {@code createdMode}. */
  void file(OpenFile f, TarEntry e, int createdMode, String what) throws NativeException {
    if (needsChown(e, null)) {
      f.chown((int) e.uid(), (int) e.gid());
    }
    if (e.mode() != createdMode) {
      f.chmod(e.mode());
    }
    xattrs(f, e, what);
    f.setTimes(seconds(e.mtime()), nanos(e.mtime()));
  }

  /** A directory (new or kept); its mode and times wait for the end ({@link DirRecords}). */
  void directory(Dir d, Stat st, TarEntry e, String what) throws NativeException {
    if (needsChown(e, st)) {
      d.chown((int) e.uid(), (int) e.gid());
    }
    xattrs(d, e, what);
  }

  /** A symlink, changed without following it. */
  void symlink(Dir parent, byte[] name, TarEntry e) throws NativeException {
    if (needsChown(e, null)) {
      parent.chownNoFollow(name, (int) e.uid(), (int) e.gid());
    }
    parent.setTimesNoFollow(name, seconds(e.mtime()), nanos(e.mtime()));
  }

  /** A device node or FIFO just made with {@code createdMode}: never opened. */
  void node(Dir parent, byte[] name, TarEntry e, int createdMode) throws NativeException {
    if (needsChown(e, null)) {
      parent.chownNoFollow(name, (int) e.uid(), (int) e.gid());
    }
    if ((e.mode() & 07777) != createdMode || needsChown(e, null)) {
      parent.chmodNotSymlink(name, e.mode() & 07777);
    }
    parent.setTimesNoFollow(name, seconds(e.mtime()), nanos(e.mtime()));
  }

  /** Extended attributes through the descriptor; one warning per name the filesystem or user cannot take. */
  private void xattrs(Fd f, TarEntry e, String what) {
    for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
      try {
        f.setXattr(x.getKey(), x.getValue());
      } catch (NativeException | IllegalArgumentException ex) {
        warnOnce("xattr-" + x.getKey(), "extended attribute " + Quoted.of(x.getKey()) + " not applied (first: "
            + what + ")");
      }
    }
  }

  void warnOnce(String key, String message) {
    if (warned.add(key)) {
      listener.warn(message);
    }
  }

  static long seconds(FileTime t) {
    return t.toInstant().getEpochSecond();
  }

  static int nanos(FileTime t) {
    Instant i = t.toInstant();
    return i.getNano();
  }
}
