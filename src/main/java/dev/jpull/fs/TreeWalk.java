package dev.jpull.fs;

import java.util.ArrayList;
import java.util.List;

/**
 * Visits every directory of a tree after its subdirectories (post-order), relative to open directories and
 * without recursion, never following a symlink: only what is reachable by name from the root, as it is now.
 * The tree must not change while it is walked (its listings are resumed by position).
 */
public final class TreeWalk {
  /** Directories open at once; deeper ancestors are re-opened through {@code ..} and checked by inode. */
  private static final int OPEN_FRAMES = 64;

  /** Called with each directory, open, and its stat; the root last. */
  public interface Visitor {
    void directory(Dir dir, Stat stat) throws NativeException;
  }

  private TreeWalk() {}

  public static void postOrder(Dir root, Visitor visitor) throws NativeException {
    List<Frame> stack = new ArrayList<>();
    try {
      stack.add(new Frame(null, root.stat(), root, root.list(), false));
      while (!stack.isEmpty()) {
        Frame f = stack.get(stack.size() - 1);
        if (f.listing.next()) {
          f.consumed++;
          int type = f.listing.type();
          if (type != Listing.DIRECTORY && type != Listing.UNKNOWN) {
            continue;
          }
          byte[] n = f.listing.name();
          Stat st = f.dir.statIfExists(n);
          if (st == null || !st.isDirectory()) {
            continue;
          }
          Dir d = f.dir.openDir(n);
          try {
            Stat now = d.stat();
            if (!now.sameFile(st)) {
              throw new NativeException("open directory (replaced while walked)", d.where(), NativeException.EINVAL);
            }
            stack.add(new Frame(n, now, d, d.list(), true));
          } catch (NativeException | RuntimeException e) {
            d.close();
            throw e;
          }
          int suspend = stack.size() - 1 - OPEN_FRAMES;
          if (suspend > 0) {
            stack.get(suspend).suspend();
          }
          continue;
        }
        f.closeListing();
        visitor.directory(f.dir, f.stat);
        stack.remove(stack.size() - 1);
        if (!stack.isEmpty()) {
          stack.get(stack.size() - 1).resume(f.dir);
        }
        f.close();
      }
    } finally {
      for (Frame f : stack) {
        f.close();
      }
    }
  }

  private static final class Frame {
    final Stat stat;
    final boolean owned;
    Dir dir;
    Listing listing;
    long consumed;

    Frame(byte[] name, Stat stat, Dir dir, Listing listing, boolean owned) {
      this.stat = stat;
      this.dir = dir;
      this.listing = listing;
      this.owned = owned;
    }

    void suspend() {
      closeListing();
      if (owned && dir != null) {
        dir.close();
        dir = null;
      }
    }

    /** Re-opens a suspended directory through its child's {@code ..} and skips what was already read. */
    void resume(Dir child) throws NativeException {
      if (dir == null) {
        Dir d = child.openParent();
        if (!d.stat().sameFile(stat)) {
          d.close();
          throw new NativeException("open directory (moved while walked)", d.where(), NativeException.EINVAL);
        }
        dir = d;
      }
      if (listing == null) {
        listing = dir.list();
        for (long i = 0; i < consumed && listing.next(); i++) {
          // already visited
        }
      }
    }

    void closeListing() {
      if (listing != null) {
        listing.close();
        listing = null;
      }
    }

    void close() {
      closeListing();
      if (owned && dir != null) {
        dir.close();
        dir = null;
      }
    }
  }
}
