package dev.jpull.unpack;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.fs.Dir;
import dev.jpull.fs.NativeException;
import dev.jpull.fs.Stat;
import dev.jpull.fs.TreeRemover;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tree being unpacked, reached only through open directories from its root. Parents are resolved
 * component by component with {@code openat(O_NOFOLLOW|O_DIRECTORY)}; a symlink met on the way is
 * followed inside the root, chroot-style (absolute targets re-rooted, {@code ..} stopping at the root;
 * CVE-2025-47290), at most {@link #MAX_LINKS} of them. Resolved directories are cached by their name in the
 * layer until anything is removed (the one change that can make a resolution stale). Descriptors dropped
 * from the cache are closed only by {@link #release()}, after the entry that used them.
 */
final class Tree implements AutoCloseable {
  static final int MAX_LINKS = 40;
  private static final int CACHED = 256;

  /** Told about each directory the tree makes for a missing parent (its final mode is 0755). */
  interface Created {
    void directory(Dir dir) throws NativeException;
  }

  /** A directory and its real path below the root (symlinks resolved), the key of {@code thisLayer} sets. */
  record Resolved(Dir dir, String real) {}

  private final Dir root;
  private final Resolved rootResolved;
  private final Created created;
  private final List<Dir> retired = new ArrayList<>();
  private final Map<String, Resolved> cache = new LinkedHashMap<>(CACHED * 2, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Resolved> eldest) {
      if (size() > CACHED) {
        retired.add(eldest.getValue().dir());
        return true;
      }
      return false;
    }
  };

  Tree(Dir root, Created created) {
    this.root = root;
    this.rootResolved = new Resolved(root, "");
    this.created = created;
  }

  Dir root() {
    return root;
  }

  /**
   * The directory named {@code dirs} in the layer. With {@code create}, missing directories are made (0700)
   * and anything else in the way is replaced; without, null when it does not lead to a directory.
   */
  Resolved dir(List<String> dirs, boolean create, String what) throws NativeException, JpullException {
    if (dirs.isEmpty()) {
      return rootResolved;
    }
    String key = String.join("/", dirs);
    Resolved hit = cache.get(key);
    if (hit != null) {
      return hit;
    }
    // Start from the longest cached prefix.
    int start = dirs.size() - 1;
    Resolved base = rootResolved;
    String prefix = key;
    while (start > 0) {
      prefix = prefix.substring(0, prefix.lastIndexOf('/'));
      Resolved r = cache.get(prefix);
      if (r != null) {
        base = r;
        break;
      }
      start--;
    }
    List<String> done = new ArrayList<>();
    if (!base.real().isEmpty()) {
      done.addAll(List.of(base.real().split("/", -1)));
    }
    Dir d = walk(base.dir(), done, dirs.subList(start, dirs.size()), create, what);
    if (d == null) {
      return null;
    }
    Resolved r = new Resolved(d, String.join("/", done));
    cache.put(key, r);
    return r;
  }

  /** Caches a directory an entry of that name just made or kept, below its parent's real path. */
  Resolved remember(List<String> dirs, Resolved parent, String name, Dir d) {
    Resolved r = new Resolved(d, parent.real().isEmpty() ? name : parent.real() + "/" + name);
    Resolved old = cache.put(String.join("/", dirs), r);
    if (old != null && old.dir() != d) {
      retired.add(old.dir());
    }
    return r;
  }

  private Dir walk(Dir base, List<String> done, List<String> names, boolean create, String what)
      throws NativeException, JpullException {
    Deque<String> todo = new ArrayDeque<>(names);
    Dir cur = base;
    boolean temp = false;
    int links = 0;
    try {
      while (!todo.isEmpty()) {
        String c = todo.pollFirst();
        if (c.isEmpty() || c.equals(".")) {
          continue;
        }
        if (c.equals("..")) {
          if (!done.isEmpty()) {
            done.remove(done.size() - 1);
            Resolved r = done.isEmpty() ? rootResolved : dir(new ArrayList<>(done), false, what);
            Dir up = r == null ? null : r.dir();
            if (up == null) {
              throw new JpullException(Kind.VERIFICATION, what + ": a symlink leads to a directory that is gone");
            }
            if (temp) {
              cur.close();
            }
            cur = up;
            temp = false;
          }
          continue;
        }
        byte[] name = RootPath.bytes(c);
        Dir next = null;
        try {
          next = cur.openDir(name);
        } catch (NativeException e) {
          Stat st = cur.statIfExists(name);
          if (st != null && st.isSymlink()) {
            if (++links > MAX_LINKS) {
              throw new JpullException(Kind.VERIFICATION, what + ": too many levels of symbolic links");
            }
            List<String> target = RootPath.split(cur.readlink(name));
            if (!target.isEmpty() && target.get(0).isEmpty()) {
              done.clear();
              if (temp) {
                cur.close();
              }
              cur = root;
              temp = false;
            }
            for (int i = target.size() - 1; i >= 0; i--) {
              todo.addFirst(target.get(i));
            }
            continue;
          }
          if (st != null && st.isDirectory()) {
            throw e;
          }
          if (!create) {
            return null;
          }
          if (st != null) {
            remove(cur, c);
          }
          cur.mkdir(name, 0700);
          next = cur.openDir(name);
          created.directory(next);
        }
        if (temp) {
          cur.close();
        }
        cur = next;
        temp = true;
        done.add(c);
      }
      temp = false;
      return cur;
    } finally {
      if (temp) {
        cur.close();
      }
    }
  }

  /** Removes an entry, whatever it is; every removal comes here, as it can make cached resolutions stale. */
  void remove(Dir parent, String name) throws NativeException {
    invalidate();
    TreeRemover.remove(parent, RootPath.bytes(name));
  }

  /** Forgets every resolution (after a removal the caller made on its own, such as an opaque directory's). */
  void invalidate() {
    for (Resolved r : cache.values()) {
      retired.add(r.dir());
    }
    cache.clear();
  }

  /** Closes the descriptors dropped from the cache; called after each entry, when none is in use. */
  void release() {
    for (Dir d : retired) {
      if (d != root && cache.values().stream().noneMatch(r -> r.dir() == d)) {
        d.close();
      }
    }
    retired.clear();
  }

  @Override
  public void close() {
    invalidate();
    release();
  }
}
