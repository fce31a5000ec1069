package dev.jpull.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A tree described entry by entry, without following links or opening anything but regular files, for
 * comparing jpull's rootfs with {@code umoci unpack}'s: the root itself ({@code "."}), type, mode bits,
 * owner, mtime, size and content hash, link target, device major:minor, hardlink group (named by its
 * first path in sorted order, so directory order does not matter) and extended attributes.
 *
 * <p>It lists what the caller can: a directory it may not read is recorded as {@code unlistable}, a file it
 * may not read as {@code unreadable} (an ordinary user looking at 0000 entries), so two trees with the same
 * recorded modes still compare equal entry for entry, as far as the user can see.
 */
public final class FullTree {
  private static final Path GETFATTR = Path.of("/usr/bin/getfattr");
  /**
   * Not the image's: {@code security.selinux} is the host's label (umoci drops a layer's), and
   * {@code user.rootlesscontainers} is umoci's own record of the owners it could not apply as an ordinary
   * user (rootlesscontainers.io); the contract has owners ignored there, so it is no part of the tree.
   */
  private static final Set<String> NOT_THE_IMAGES = Set.of("security.selinux", "user.rootlesscontainers");

  private FullTree() {}

  public static Map<String, String> of(Path root) throws IOException, InterruptedException {
    TreeSnapshot.requireTool(GETFATTR.toString(), "attr");
    Map<String, String> out = new TreeMap<>();
    Map<Object, TreeSet<String>> inodes = new HashMap<>();
    Map<String, Object> inodeOf = new TreeMap<>();
    walk(root, root, out, inodes, inodeOf);
    for (Map.Entry<String, Object> e : inodeOf.entrySet()) {
      TreeSet<String> group = inodes.get(e.getValue());
      if (group.size() > 1) {
        out.put(e.getKey(), out.get(e.getKey()) + " link-group " + group.first());
      }
    }
    for (Map.Entry<String, String> x : xattrs(root, List.copyOf(out.keySet())).entrySet()) {
      out.put(x.getKey(), out.get(x.getKey()) + " xattrs " + x.getValue());
    }
    return out;
  }

  /** The same description, without the entries at {@code paths} (e.g. umoci's stand-ins for devices). */
  public static Map<String, String> without(Map<String, String> tree, Iterable<String> paths) {
    Map<String, String> out = new TreeMap<>(tree);
    for (String p : paths) {
      out.remove(p);
    }
    return out;
  }

  private static void walk(Path root, Path p, Map<String, String> out, Map<Object, TreeSet<String>> inodes,
      Map<String, Object> inodeOf) throws IOException {
    String rel = p.equals(root) ? "." : root.relativize(p).toString();
    int mode = (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    int uid = (int) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    int gid = (int) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    long mtime = ((FileTime) Files.getAttribute(p, "unix:lastModifiedTime", LinkOption.NOFOLLOW_LINKS))
        .to(TimeUnit.SECONDS);
    String perm = Integer.toOctalString(mode & 07777);
    StringBuilder d = new StringBuilder();
    List<Path> children = new ArrayList<>();
    switch (mode & 0170000) {
      case 0040000 -> {
        d.append("dir ").append(perm);
        try (DirectoryStream<Path> s = Files.newDirectoryStream(p)) {
          s.forEach(children::add);
        } catch (AccessDeniedException e) {
          d.append(" unlistable");
        }
      }
      case 0100000 -> {
        d.append("file ").append(perm).append(' ').append(Files.size(p)).append(' ').append(contentHash(p));
        Object ino = Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        inodes.computeIfAbsent(ino, k -> new TreeSet<>()).add(rel);
        inodeOf.put(rel, ino);
      }
      case 0120000 -> d.append("symlink -> ").append(Files.readSymbolicLink(p));
      case 0020000 -> d.append("char ").append(perm).append(' ').append(device(p));
      case 0060000 -> d.append("block ").append(perm).append(' ').append(device(p));
      case 0010000 -> d.append("fifo ").append(perm);
      default -> d.append("other ").append(Integer.toOctalString(mode));
    }
    d.append(' ').append(uid).append(':').append(gid).append(" mtime ").append(mtime);
    out.put(rel, d.toString());
    children.sort(null);
    for (Path c : children) {
      walk(root, c, out, inodes, inodeOf);
    }
  }

  private static String contentHash(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[65536];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (AccessDeniedException e) {
      return "unreadable";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** glibc's gnu_dev_major/gnu_dev_minor of st_rdev. */
  private static String device(Path p) throws IOException {
    long rdev = (long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
    long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    return major + ":" + minor;
  }

  /**
   * Every extended attribute of the listed entries, read by one {@code getfattr -h} (no JDK API reads
   * {@code security.*}; {@code -h} reads a symlink's own, and nothing is opened). Keyed by relative path.
   */
  private static Map<String, String> xattrs(Path root, List<String> paths) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(GETFATTR.toString(), "-h", "-d", "-m", "-", "-e", "hex", "--"));
    cmd.addAll(paths);
    Path out = Files.createTempFile("getfattr", ".txt");
    try {
      Process proc = new ProcessBuilder(cmd).directory(root.toFile()).redirectOutput(out.toFile())
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      if (!proc.waitFor(60, TimeUnit.SECONDS)) {
        proc.destroyForcibly();
        throw new IOException("getfattr timed out in " + root);
      }
      Map<String, TreeMap<String, String>> found = new TreeMap<>();
      String file = null;
      for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
        if (line.startsWith("# file: ")) {
          file = line.substring("# file: ".length());
        } else if (file != null && line.contains("=")) {
          String key = line.substring(0, line.indexOf('='));
          if (!NOT_THE_IMAGES.contains(key)) {
            found.computeIfAbsent(file, k -> new TreeMap<>()).put(key, line.substring(line.indexOf('=') + 1));
          }
        }
      }
      Map<String, String> result = new TreeMap<>();
      found.forEach((k, v) -> result.put(k, v.toString()));
      return result;
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
