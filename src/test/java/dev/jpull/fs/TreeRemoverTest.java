package dev.jpull.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeRemoverTest {
  @TempDir
  Path t;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void deletesReadOnlyAndUnreadableDirectoriesWithEntries() throws Exception {
    Path tree = Files.createDirectories(t.resolve("tree"));
    Path ro = Files.createDirectories(tree.resolve("ro/sub"));
    Files.writeString(ro.resolve("f"), "x");
    Path locked = Files.createDirectories(tree.resolve("locked/deeper"));
    Files.writeString(locked.resolve("g"), "yy");
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
    Files.setPosixFilePermissions(tree.resolve("ro"), PosixFilePermissions.fromString("r-xr-xr-x"));
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    Files.setPosixFilePermissions(tree.resolve("locked"), PosixFilePermissions.fromString("---------"));
    assertEquals(3, TreeRemover.delete(tree));
    assertFalse(Files.exists(tree, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void neverFollowsSymlinks() throws Exception {
    Path outside = Files.createDirectories(t.resolve("outside"));
    Files.writeString(outside.resolve("keep"), "k");
    Path tree = Files.createDirectories(t.resolve("tree/d"));
    Files.createSymbolicLink(tree.resolve("to-dir"), outside);
    Files.createSymbolicLink(tree.resolve("to-file"), outside.resolve("keep"));
    TreeRemover.delete(t.resolve("tree"));
    assertFalse(Files.exists(t.resolve("tree"), LinkOption.NOFOLLOW_LINKS));
    assertEquals("k", Files.readString(outside.resolve("keep")));
    // a symlink given as the tree itself is unlinked, not followed
    Path link = Files.createSymbolicLink(t.resolve("link"), outside);
    TreeRemover.delete(link);
    assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
    assertTrue(Files.exists(outside.resolve("keep")));
  }

  /** Entries of 4,000 bytes under a store path of 200: absolute paths far beyond PATH_MAX. */
  @Test
  void deletesATreeDeeperThanPathMax() throws Exception {
    Path store = t;
    while (store.toString().length() < 200) {
      store = store.resolve("s".repeat(Math.min(50, 200 - store.toString().length())));
    }
    Files.createDirectories(store);
    byte[] component = b("c".repeat(250));
    try (Dir base = Dir.open(store)) {
      base.mkdir(b("tree"), 0700);
      Dir d = base.openDir(b("tree"));
      for (int i = 0; i < 16 * 5; i++) { // 80 x 251 bytes: ~20,000 bytes below the tree
        d.mkdir(component, 0700);
        Dir next = d.openDir(component);
        if (i % 16 == 15) {
          try (OpenFile f = next.createFile(b("file"), 0600)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(4);
            f.write(buf, 4);
          }
          next.mknod(b("fifo"), Dir.FIFO, 0600, 0, 0);
        }
        d.close();
        d = next;
      }
      d.close();
    }
    Path tree = store.resolve("tree");
    long freed = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> TreeRemover.delete(tree));
    assertEquals(5 * 4, freed);
    assertFalse(Files.exists(store.resolve("tree"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void deletesA5000DeepTreeWithoutRecursion() throws Exception {
    try (Dir base = Dir.open(t)) {
      base.mkdir(b("deep"), 0700);
      Dir d = base.openDir(b("deep"));
      for (int i = 0; i < 5000; i++) {
        d.mkdir(b("d"), 0700);
        Dir next = d.openDir(b("d"));
        if (i % 100 == 0) {
          d.chmod(i % 200 == 0 ? 0555 : 0); // locked once filled, as image trees are
        }
        d.close();
        d = next;
      }
      d.close();
    }
    TreeRemover.delete(t.resolve("deep"));
    assertFalse(Files.exists(t.resolve("deep"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void fifoAndCharacterDeviceAreUnlinkedNotOpened() throws Exception {
    Assumptions.assumeTrue(LibC.geteuid() == 0, "creating a character device needs root");
    Path tree = Files.createDirectories(t.resolve("tree/dev"));
    try (Dir d = Dir.open(tree)) {
      d.mknod(b("fifo"), Dir.FIFO, 0666, 0, 0);
      d.mknod(b("tty"), Dir.CHAR, 0666, 5, 0);
      d.mknod(b("sda"), Dir.BLOCK, 0660, 8, 0);
    }
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> TreeRemover.delete(t.resolve("tree")));
    assertFalse(Files.exists(t.resolve("tree"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void clearEmptiesButKeepsTheDirectory() throws Exception {
    Path dir = Files.createDirectories(t.resolve("dir"));
    Files.createDirectories(dir.resolve("a/b"));
    Files.writeString(dir.resolve("f"), "x");
    Files.setPosixFilePermissions(dir.resolve("a"), PosixFilePermissions.fromString("---------"));
    TreeRemover.clear(dir);
    assertTrue(Files.isDirectory(dir));
    assertEquals(0, Arrays.asList(dir.toFile().list()).size());
    TreeRemover.clear(t.resolve("missing"));
  }

  @Test
  void removeTakesAnyEntryOfAnOpenDirectory() throws Exception {
    Files.createDirectories(t.resolve("x/y"));
    Files.writeString(t.resolve("file"), "x");
    try (Dir d = Dir.open(t)) {
      TreeRemover.remove(d, b("x"));
      TreeRemover.remove(d, b("file"));
      TreeRemover.remove(d, b("absent"));
    }
    assertFalse(Files.exists(t.resolve("x")));
    assertFalse(Files.exists(t.resolve("file")));
  }
}
