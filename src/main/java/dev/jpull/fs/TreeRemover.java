package dev.jpull.fs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way jpull deletes a tree: relative to open directories (so depth and PATH_MAX do not matter),
 * without recursion (a layer can nest 5,000 deep), never following a symlink and never opening anything
 * but directories, so device nodes and FIFOs are only unlinked. Directories the caller owns get u+rwx
 * before they are read, as image trees hold 0000 and 0555 directories with entries, which {@code rm -rf}
 * cannot delete as an ordinary user.
 */
public final class TreeRemover {
  /**
   * Directories kept open at once (two descriptors each); deeper ancestors are closed and re-opened
   * through {@code ..}, checked to be the same inode, when the walk climbs back to them.
   */
  private static final int OPEN_FRAMES = 64;
  private static final int RETRIES = 3;

  private final int euid;
  private final boolean countBytes;
  private long freed;

  private TreeRemover(boolean countBytes) {
    this.euid = LibC.geteuid();
    this.countBytes = countBytes;
  }

  /** Deletes {@code path} (a tree, file or symlink) if it exists; returns the bytes of regular files freed. */
  public static long delete(Path path) throws NativeException {
    Path abs = path.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    if (parent == null) {
      throw new IllegalArgumentException("refusing to delete " + abs);
    }
    Dir p;
    try {
      p = Dir.open(parent);
    } catch (NativeException e) {
      if (e.errno() == NativeException.ENOENT) {
        return 0;
      }
      throw e;
    }
    try (p) {
      TreeRemover r = new TreeRemover(true);
      r.removeEntry(p, abs.getFileName().toString().getBytes(StandardCharsets.UTF_8));
      return r.freed;
    }
  }

  /** Deletes the entry {@code name} of {@code dir}, whatever it is; nothing if it does not exist. */
  public static void remove(Dir dir, byte[] name) throws NativeException {
    new TreeRemover(false).removeEntry(dir, name);
  }

  /** Empties a directory, keeping it; a missing directory is empty. */
  public static void clear(Path dir) throws NativeException {
    Dir d;
    try {
      d = Dir.open(dir);
    } catch (NativeException e) {
      if (e.errno() == NativeException.ENOENT) {
        return;
      }
      throw e;
    }
    try (d) {
      TreeRemover r = new TreeRemover(false);
      boolean any = true;
      while (any) {
        any = false;
        try (Listing l = d.list()) {
          while (l.next()) {
            any = true;
            r.removeEntry(d, l.name());
          }
        }
      }
    }
  }

  private void removeEntry(Dir dir, byte[] name) throws NativeException {
    Stat st = dir.statIfExists(name);
    if (st == null) {
      return;
    }
    if (!st.isDirectory()) {
      freed += countBytes && st.isRegularFile() ? st.size() : 0;
      dir.unlink(name);
      return;
    }
    List<Frame> stack = new ArrayList<>();
    try {
      stack.add(enter(dir, name, st));
      int retries = 0;
      while (!stack.isEmpty()) {
        Frame f = stack.get(stack.size() - 1);
        if (f.listing.next()) {
          byte[] n = f.listing.name();
          int type = f.listing.type();
          if (type == Listing.DIRECTORY || type == Listing.UNKNOWN || (countBytes && type == Listing.REGULAR)) {
            Stat cs = f.dir.statIfExists(n);
            if (cs == null) {
              continue;
            }
            if (cs.isDirectory()) {
              stack.add(enter(f.dir, n, cs));
              int suspend = stack.size() - 1 - OPEN_FRAMES;
              if (suspend >= 0) {
                stack.get(suspend).suspend();
              }
              continue;
            }
            freed += countBytes && cs.isRegularFile() ? cs.size() : 0;
          }
          f.dir.unlink(n);
          continue;
        }
        stack.remove(stack.size() - 1);
        Frame up = stack.isEmpty() ? null : stack.get(stack.size() - 1);
        Dir parent = up == null ? dir : up.resume(f.dir);
        f.close();
        try {
          parent.rmdir(f.name);
          retries = 0;
        } catch (NativeException e) {
          // a filesystem whose readdir skipped entries removed while it was read: list it again
          if (e.errno() != NativeException.ENOTEMPTY || ++retries > RETRIES) {
            throw e;
          }
          stack.add(enter(parent, f.name, parent.stat(f.name)));
        }
      }
    } finally {
      for (Frame f : stack) {
        f.close();
      }
    }
  }

  /** Opens a directory to empty it, granting the owner's bits first when it is ours and lacks them. */
  private Frame enter(Dir parent, byte[] name, Stat st) throws NativeException {
    if (euid != 0 && st.uid() == euid && (st.mode() & 0700) != 0700) {
      parent.chmodNotSymlink(name, st.permissions() | 0700);
    }
    Dir d = parent.openDir(name);
    try {
      Stat now = d.stat();
      if (!now.sameFile(st)) {
        throw new NativeException("open directory (replaced while being deleted)", d.where(), NativeException.EINVAL);
      }
      return new Frame(name, now, d, d.list());
    } catch (NativeException | RuntimeException e) {
      d.close();
      throw e;
    }
  }

  /** One directory being emptied; closed (but remembered by inode) while deeper ones are open. */
  private static final class Frame {
    final byte[] name;
    final Stat stat;
    Dir dir;
    Listing listing;

    Frame(byte[] name, Stat stat, Dir dir, Listing listing) {
      this.name = name;
      this.stat = stat;
      this.dir = dir;
      this.listing = listing;
    }

    void suspend() {
      close();
    }

    /**
     * This frame's directory, re-opened through its child's {@code ..} if it was suspended; its listing
     * starts again, which only finds what is still there.
     */
    Dir resume(Dir child) throws NativeException {
      if (dir == null) {
        Dir d = child.openParent();
        try {
          if (!d.stat().sameFile(stat)) {
            throw new NativeException("open directory (moved while being deleted)", d.where(), NativeException.EINVAL);
          }
          listing = d.list();
        } catch (NativeException | RuntimeException e) {
          d.close();
          throw e;
        }
        dir = d;
      }
      return dir;
    }

    void close() {
      if (listing != null) {
        listing.close();
        listing = null;
      }
      if (dir != null) {
        dir.close();
        dir = null;
      }
    }
  }
}
