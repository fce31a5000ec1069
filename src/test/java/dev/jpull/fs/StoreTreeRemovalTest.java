package dev.jpull.fs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.content.LocalContentStore;
import dev.jpull.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store deletes trees through {@link TreeRemover}: issue 12's gc findings, end to end. */
class StoreTreeRemovalTest {
  @TempDir
  Path t;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** "jpull gc exits 9 File name too long": entries of 4,000 bytes under a store path of 200. */
  @Test
  void gcDeletesATreeLongerThanPathMaxUnderTheStorePath() throws Exception {
    Path storePath = t;
    while (storePath.toString().length() < 200) {
      storePath = storePath.resolve("p".repeat(Math.min(60, 200 - storePath.toString().length())));
    }
    LocalContentStore store = LocalContentStore.open(storePath);
    Digest chain = Digest.sha256(new byte[] {1, 2, 3});
    Path temp = store.beginTree(chain);
    byte[] component = b("c".repeat(249));
    try (Dir top = Dir.open(temp)) {
      for (int branch = 0; branch < 3; branch++) {
        byte[] start = b("b" + branch);
        top.mkdir(start, 0700);
        Dir d = top.openDir(start);
        for (int i = 0; i < 16; i++) { // 16 x 250 bytes: a 4,000-byte entry path
          d.mkdir(component, 0700);
          Dir next = d.openDir(component);
          if (i == 8) {
            d.chmod(0500); // a read-only directory with entries, like an image's
          }
          d.close();
          d = next;
        }
        d.close();
      }
    }
    assertTrue(temp.toString().length() + 16 * 250 > 4096, "absolute paths beyond PATH_MAX");
    Path tree = store.commitTree(chain, temp);
    assertTrue(Files.isDirectory(tree));
    store.gc();
    assertFalse(Files.exists(tree, LinkOption.NOFOLLOW_LINKS), "gc deleted the unreferenced tree");
  }

  @Test
  void discardingATreeWithAFifoAndACharacterDeviceOpensNeither() throws Exception {
    Assumptions.assumeTrue(LibC.geteuid() == 0, "device nodes need root (runs in the root pass)");
    LocalContentStore store = LocalContentStore.open(t.resolve("store"));
    Path temp = store.beginTree(Digest.sha256(new byte[] {9}));
    Files.createDirectories(temp.resolve("dev"));
    try (Dir dev = Dir.open(temp.resolve("dev"))) {
      dev.mknod(b("initctl"), Dir.FIFO, 0600, 0, 0);
      dev.mknod(b("tty"), Dir.CHAR, 0666, 5, 0);
    }
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> store.discardTree(temp));
    assertFalse(Files.exists(temp, LinkOption.NOFOLLOW_LINKS));
  }
}
