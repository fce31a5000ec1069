package dev.jpull.testing;

import dev.jpull.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A directory tree described entry by entry without following links — type, mode bits, owner, size,
 * content hash, link target, hardlink group — to compare jpull's rootfs with a reference unpacker's.
 */
public final class TreeSnapshot {
  private TreeSnapshot() {}

  public static Map<String, String> of(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    Map<Object, String> inodes = new HashMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        if (p.equals(root)) {
          continue;
        }
        String rel = root.relativize(p).toString();
        int mode = (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int uid = (int) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (int) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        StringBuilder d = new StringBuilder();
        if (Files.isSymbolicLink(p)) {
          d.append("symlink -> ").append(Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          d.append("dir ").append(Integer.toOctalString(mode & 07777));
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          Object ino = Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
          int nlink = (int) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
          d.append("file ").append(Integer.toOctalString(mode & 07777)).append(' ').append(Files.size(p)).append(' ')
              .append(Digest.sha256(Files.readAllBytes(p)).shortHex());
          if (nlink > 1) {
            d.append(" link-group ").append(inodes.computeIfAbsent(ino, k -> rel));
          }
        } else {
          d.append("special ").append(Integer.toOctalString(mode));
        }
        d.append(" ").append(uid).append(':').append(gid);
        out.put(rel, d.toString());
      }
    }
    return out;
  }

  /** Fails under CI=true, else skips, when a peer tool is not installed. */
  public static void requireTool(String path, String pkg) {
    if (Files.isExecutable(Path.of(path))) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      org.junit.jupiter.api.Assertions.fail(path + " is missing: apt-get install " + pkg);
    }
    org.junit.jupiter.api.Assumptions.abort(path + " is not installed (apt-get install " + pkg + "): test skipped");
  }
}
