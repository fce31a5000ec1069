package dev.jpull.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.progress.ProgressListener;
import dev.jpull.testing.TarBuilder;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parent-directory cache and the skipped no-op chown/chmod must never change the result: a parent
 * replaced by a symlink (same layer or a later one) is resolved afresh, and ownership under a setgid
 * directory is still applied.
 */
class RootfsCacheTest {
  @TempDir
  Path t;

  Path root;
  Path outside;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectory(t.resolve("root"));
    outside = Files.createDirectory(t.resolve("outside"));
  }

  private void apply(Rootfs rootfs, byte[] tar, int index) throws Exception {
    rootfs.applyLayer(new ByteArrayInputStream(tar), new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(tar), tar.length),
        Digest.sha256(tar), index);
  }

  @Test
  void parentReplacedBySymlinkInTheSameLayerIsResolvedAfresh() throws Exception {
    Rootfs rootfs = Rootfs.create(root, ProgressListener.NONE, false);
    apply(rootfs, new TarBuilder().dir("a").file("a/one", "1").dir("b")
        .symlink("a", outside.toString().substring(1).replaceAll("[^/]+", "..") + outside) // climbs, re-rooted
        .file("a/two", "2").build(), 0);
    rootfs.finish();
    assertTrue(Files.isSymbolicLink(root.resolve("a")));
    assertEquals(List.of(), List.of(outside.toFile().list()), "nothing written outside");
    assertTrue(Files.isRegularFile(root.resolve(outside.toString().substring(1)).resolve("two"), LinkOption.NOFOLLOW_LINKS),
        "written inside the root, where the re-rooted link points");
  }

  @Test
  void parentReplacedInALaterLayerIsResolvedAfresh() throws Exception {
    Rootfs rootfs = Rootfs.create(root, ProgressListener.NONE, false);
    apply(rootfs, new TarBuilder().dir("a").file("a/one", "1").dir("b").build(), 0);
    apply(rootfs, new TarBuilder().whiteout("a").symlink("a", "b").file("a/two", "2").build(), 1);
    rootfs.finish();
    assertTrue(Files.isSymbolicLink(root.resolve("a")));
    assertTrue(Files.isRegularFile(root.resolve("b/two"), LinkOption.NOFOLLOW_LINKS));
    assertFalse(Files.exists(root.resolve("b/one")));
  }

  @Test
  void opaqueDirectoryThenRecreatedChildIsUsable() throws Exception {
    Rootfs rootfs = Rootfs.create(root, ProgressListener.NONE, false);
    apply(rootfs, new TarBuilder().dir("d").dir("d/sub").file("d/sub/old", "o").build(), 0);
    apply(rootfs, new TarBuilder().opaque("d").dir("d/sub").file("d/sub/new", "n").build(), 1);
    rootfs.finish();
    assertFalse(Files.exists(root.resolve("d/sub/old")));
    assertEquals("n", Files.readString(root.resolve("d/sub/new")));
  }

  @Test
  void ownersUnderASetgidDirectoryAreStillApplied() throws Exception {
    Assumptions.assumeTrue(Rootfs.runningAsRoot(), "needs root to chown (CI runs as root)");
    Rootfs rootfs = Rootfs.create(root, ProgressListener.NONE, true);
    apply(rootfs, new TarBuilder().owner(0, 5).dir("sg", 02775).owner(0, 0).file("sg/f", 0644, "x")
        .owner(0, 0).file("plain", 0644, "y").build(), 0);
    rootfs.finish();
    assertEquals(0, Files.getAttribute(root.resolve("sg/f"), "unix:gid", LinkOption.NOFOLLOW_LINKS),
        "the recorded group, not the one inherited from the setgid parent");
    assertEquals(5, Files.getAttribute(root.resolve("sg"), "unix:gid", LinkOption.NOFOLLOW_LINKS));
    assertEquals(02775, (Integer) Files.getAttribute(root.resolve("sg"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
    assertEquals(0644, (Integer) Files.getAttribute(root.resolve("plain"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
  }
}
