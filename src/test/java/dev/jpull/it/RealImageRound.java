package dev.jpull.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.it.RunAs.Result;
import dev.jpull.testing.FullTree;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TestImage;
import dev.jpull.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.function.Executable;

/**
 * One round of the real-image check, as one runner: push the image to a real registry, copy it with
 * skopeo into an OCI layout and unpack it with {@code umoci unpack} (root) or {@code umoci unpack
 * --rootless} (ordinary user); pull it with the launcher into the store and into {@code --rootfs}, and
 * materialise it with {@code jpull unpack REF DIR}; compare the three trees with umoci's; then
 * {@code jpull rm} + {@code jpull gc}, after which no tree is left in the store and {@code --rootfs DIR}
 * (the user's, not the store's) is as it was.
 *
 * <p>As an ordinary user, umoci puts an empty 0644 file where a device was; jpull skips devices (contract,
 * "Root and ordinary users"), so those paths are left out of umoci's side and must be absent from jpull's.
 */
final class RealImageRound {
  /** Generous: a pull that blocks on a FIFO or a device must fail the test, not hang the build. */
  private static final Duration HANG_GUARD = Duration.ofSeconds(60);
  private static final Pattern CHAR_WARNING = Pattern.compile("(?i).*warning.*char(acter)?[ -]devices?.*");
  private static final Pattern BLOCK_WARNING = Pattern.compile("(?i).*warning.*block[ -]devices?.*");
  private static final Pattern NODE_WARNING =
      Pattern.compile("(?i).*warning.*(device|fifo|extended attribute|xattr).*");

  /**
   * An image the test builds: its repository name, uncompressed layers, the paths of its device nodes and
   * whether it has character and block devices, and whether a layer has a {@code ./} entry (without one,
   * the root's time is each unpacker's own: umoci leaves it at the epoch; only its mode is compared).
   */
  record Shape(String repository, List<byte[]> layers, Set<String> devices, boolean charDevices,
      boolean blockDevices, boolean rootEntry) {}

  private RealImageRound() {}

  static void run(Path testDir, Shape shape, RunAs as) throws Exception {
    TreeSnapshot.requireTool("/usr/bin/skopeo", "skopeo");
    TreeSnapshot.requireTool("/usr/bin/umoci", "umoci");
    Path work = testDir.resolve("work");
    try (RegistryServer registry = RegistryServer.start(testDir)) {
      new ImagePusher(registry.url()).push(shape.repository(), "1", TestImage.of(shape.layers(), true));
      String ref = registry.hostPort() + "/" + shape.repository() + ":1";
      Path jpull = as.launcher(testDir, Files.createDirectories(work));
      Path store = work.resolve("store");
      Path rootfs = work.resolve("rootfs");
      Path layout = work.resolve("layout");
      Path bundle = work.resolve("bundle");
      try {
        Result copy = as.run(work, HANG_GUARD, "/usr/bin/skopeo", "copy", "--src-tls-verify=false",
            "docker://" + ref, "oci:" + layout + ":1");
        assertEquals(0, copy.exit(), "skopeo copy: " + copy);
        List<String> unpack = new ArrayList<>(List.of("/usr/bin/umoci", "unpack"));
        if (!as.privileged()) {
          unpack.add("--rootless");
        }
        unpack.addAll(List.of("--image", layout + ":1", bundle.toString()));
        Result umoci = as.run(work, HANG_GUARD, unpack.toArray(String[]::new));
        assertEquals(0, umoci.exit(), "umoci unpack: " + umoci);
        Map<String, String> umociTree = tree(shape, bundle.resolve("rootfs"));
        for (String d : shape.devices()) {
          assertTrue(umociTree.containsKey(d), "umoci made something at " + d + ": the shape is what the test says");
        }
        Map<String, String> expected = as.privileged() ? umociTree : FullTree.without(umociTree, shape.devices());

        Result intoStore = as.run(work, HANG_GUARD, jpull.toString(), "--store", store.toString(), "pull",
            "--plain-http", "--progress", "plain", ref);
        Result intoDir = as.run(work, HANG_GUARD, jpull.toString(), "--store", store.toString(), "pull",
            "--plain-http", "--progress", "plain", "--rootfs", rootfs.toString(), ref);
        Path unpacked = work.resolve("unpacked");
        Result offline = as.run(work, HANG_GUARD, jpull.toString(), "--store", store.toString(), "unpack", ref,
            unpacked.toString());
        System.out.printf("%s: skopeo copy %d ms, umoci unpack %d ms, pull into store %d ms, pull --rootfs %d ms, "
            + "jpull unpack %d ms%n", shape.repository(), copy.millis(), umoci.millis(), intoStore.millis(),
            intoDir.millis(), offline.millis());
        List<Map<String, String>> rootfsBefore = new ArrayList<>();
        Executable storeTree = () -> {
          assertEquals(0, intoStore.exit(), "jpull pull into the store: " + intoStore);
          List<Path> trees = treesIn(store.resolve("rootfs"));
          assertEquals(1, trees.size(), "one tree in the store: " + trees);
          assertSameTree(expected, tree(shape, trees.get(0)), "the store's tree", "umoci");
        };
        Executable storeWarnings = () -> warnings(shape, as, intoStore, "pull into the store");
        Executable dirTree = () -> {
          assertEquals(0, intoDir.exit(), "jpull pull --rootfs: " + intoDir);
          Map<String, String> tree = tree(shape, rootfs);
          rootfsBefore.add(tree);
          assertSameTree(expected, tree, "--rootfs " + rootfs, "umoci");
        };
        Executable dirWarnings = () -> warnings(shape, as, intoDir, "pull --rootfs");
        Executable unpackTree = () -> {
          assertEquals(0, offline.exit(), "jpull unpack REF DIR: " + offline);
          assertSameTree(expected, tree(shape, unpacked), "jpull unpack's " + unpacked, "umoci");
        };
        Executable unpackWarnings = () -> warnings(shape, as, offline, "unpack");
        Executable rmAndGc = () -> {
          Result rm = as.run(work, HANG_GUARD, jpull.toString(), "--store", store.toString(), "rm", ref);
          assertEquals(0, rm.exit(), "jpull rm: " + rm);
          Result gc = as.run(work, HANG_GUARD, jpull.toString(), "--store", store.toString(), "gc");
          assertEquals(0, gc.exit(), "jpull gc: " + gc);
          assertEquals(List.of(), names(store.resolve("rootfs")), "gc deleted every tree of the store");
          assertEquals(List.of(), names(store.resolve("tmp")), "gc left nothing being unpacked or deleted");
          if (!rootfsBefore.isEmpty()) {
            assertSameTree(rootfsBefore.get(0), tree(shape, rootfs), "--rootfs DIR after rm + gc", "before");
          }
        };
        assertAll(shape.repository() + (as.privileged() ? " as root" : " as an ordinary user"),
            storeTree, storeWarnings, dirTree, dirWarnings, unpackTree, unpackWarnings, rmAndGc);
      } finally {
        removeAll(work);
      }
    }
  }

  /**
   * Root pass: no warning about nodes or attributes (everything is created). Ordinary user: exactly one
   * warning per kind of device the image has, none about FIFOs (an ordinary user can make them).
   */
  private static void warnings(Shape shape, RunAs as, Result r, String what) {
    assertEquals(0, r.exit(), what + " failed (reported above): its warnings cannot be judged");
    List<String> lines = r.stderr().lines().toList();
    if (as.privileged()) {
      assertEquals(List.of(), lines.stream().filter(l -> NODE_WARNING.matcher(l).matches()).toList(),
          what + " as root: nothing skipped");
      return;
    }
    assertEquals(shape.charDevices() ? 1 : 0, lines.stream().filter(l -> CHAR_WARNING.matcher(l).matches()).count(),
        what + ": one warning for all character devices:\n" + r.stderr());
    assertEquals(shape.blockDevices() ? 1 : 0, lines.stream().filter(l -> BLOCK_WARNING.matcher(l).matches()).count(),
        what + ": one warning for all block devices:\n" + r.stderr());
    assertEquals(List.of(), lines.stream().filter(l -> l.toLowerCase().contains("fifo")).toList(),
        what + ": an ordinary user creates FIFOs, as umoci --rootless does");
  }

  private static Map<String, String> tree(Shape shape, Path root) throws IOException, InterruptedException {
    Map<String, String> tree = FullTree.of(root);
    if (!shape.rootEntry()) {
      tree.put(".", tree.get(".").replaceFirst(" mtime -?[0-9]+", ""));
    }
    return tree;
  }

  /** Equal trees, or a failure that lists only the entries that differ. */
  static void assertSameTree(Map<String, String> expected, Map<String, String> actual, String what, String reference) {
    if (expected.equals(actual)) {
      return;
    }
    StringBuilder diff = new StringBuilder(what + " differs from " + reference + " (" + expected.size() + " vs "
        + actual.size() + " entries):\n");
    Set<String> keys = new TreeSet<>(expected.keySet());
    keys.addAll(actual.keySet());
    for (String k : keys) {
      String e = expected.get(k);
      String a = actual.get(k);
      if (e == null) {
        diff.append("  only jpull:   ").append(k).append(": ").append(a).append('\n');
      } else if (a == null) {
        diff.append("  only " + reference + ": ").append(k).append(": ").append(e).append('\n');
      } else if (!e.equals(a)) {
        diff.append("  ").append(k).append(":\n    ").append(reference).append(' ').append(e)
            .append("\n    jpull ").append(a).append('\n');
      }
    }
    throw new AssertionError(diff.toString());
  }

  /** The unpacked trees (directories) under the store's rootfs/. */
  private static List<Path> treesIn(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
    }
  }

  private static List<String> names(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /**
   * The test's own cleanup of what it made, 0000 and 0555 directories included: each directory is made
   * u+rwx (its owner or root may) before it is listed. Not jpull's remover: the test must not depend on it.
   */
  static void removeAll(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
      List<Path> children = new ArrayList<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(p)) {
        s.forEach(children::add);
      }
      for (Path c : children) {
        removeAll(c);
      }
    }
    Files.delete(p);
  }
}
