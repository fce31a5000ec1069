package dev.jpull.unpack;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves image paths inside a root with chroot semantics (containerd {@code RootPath}, securejoin):
 * symlinks met in parent components are followed inside the root, absolute targets are re-rooted and
 * {@code ..} stops at the root. Every call re-reads the current tree; the only cache is Rootfs's map of
 * resolved parents, emptied by every removal, the one change that could make it stale (CVE-2025-47290).
 */
final class RootPath {
  static final int MAX_HOPS = 255;

  private RootPath() {}

  /**
   * Cleans an entry name: strips leading {@code /} and {@code ./}, folds {@code .} and empty components,
   * and refuses names that climb out of the root (moby/go-archive: reject non-local names).
   *
   * @return the components, empty for the root itself
   */
  static List<String> clean(String name, String what) throws JpullException {
    List<String> out = new ArrayList<>();
    for (String part : name.split("/", -1)) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (out.isEmpty()) {
          throw new JpullException(Kind.VERIFICATION, what + ": path escapes the root");
        }
        out.remove(out.size() - 1);
        continue;
      }
      if (part.indexOf('\0') >= 0) {
        throw new JpullException(Kind.VERIFICATION, what + ": name contains a NUL byte");
      }
      out.add(part);
    }
    return out;
  }

  /**
   * The host path of the parent directory of {@code components}, following symlinks in the parents inside
   * the root; the last component is never followed.
   */
  static Path parent(Path root, List<String> components, String what) throws IOException {
    return resolve(root, components.subList(0, components.size() - 1), what);
  }

  /** Resolves every component, following symlinks (all of them, the last too) inside the root. */
  static Path resolve(Path root, List<String> components, String what) throws IOException {
    Deque<String> todo = new ArrayDeque<>(components);
    List<String> done = new ArrayList<>();
    int hops = 0;
    while (!todo.isEmpty()) {
      String part = todo.pollFirst();
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!done.isEmpty()) {
          done.remove(done.size() - 1);
        }
        continue;
      }
      Path candidate = join(root, done).resolve(part);
      if (Files.isSymbolicLink(candidate)) {
        if (++hops > MAX_HOPS) {
          throw new JpullException(Kind.VERIFICATION, what + ": too many levels of symbolic links");
        }
        String target = Files.readSymbolicLink(candidate).toString();
        if (target.startsWith("/")) {
          done.clear();
        }
        String[] parts = target.split("/", -1);
        for (int i = parts.length - 1; i >= 0; i--) {
          todo.addFirst(parts[i]);
        }
        continue;
      }
      done.add(part);
    }
    return join(root, done);
  }

  private static Path join(Path root, List<String> parts) {
    Path p = root;
    for (String s : parts) {
      p = p.resolve(s);
    }
    return p;
  }

  static boolean isDirectory(Path p) {
    return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
  }
}
