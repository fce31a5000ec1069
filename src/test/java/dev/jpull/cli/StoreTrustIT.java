package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.oci.Digest;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.Launcher.Result;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, the store and the CLI: damaged blobs in the store, a store others can write, and
 * {@code jpull unpack} of a layer that fails — each through the real launcher against a real registry.
 */
class StoreTrustIT {
  @TempDir
  static Path shared;

  static RegistryServer registry;
  static TestImage good;
  static TestImage unsafe;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.start(shared);
    good = TestImage.of(List.of(new TarBuilder().dir("etc").file("etc/hostname", "good").build()), true);
    unsafe = TestImage.of(List.of(new TarBuilder().dir("etc").file("etc/a", "a").file("../escaped", "x").build()), true);
    ImagePusher pusher = new ImagePusher(registry.url());
    pusher.push("test/good", "1", good);
    pusher.push("test/unsafe", "1", unsafe);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private static String ref(String repo) {
    return registry.hostPort() + "/test/" + repo + ":1";
  }

  private static Result jpull(Path dir, Path store, String... args) throws Exception {
    String[] all = new String[args.length + 2];
    all[0] = "--store";
    all[1] = store.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return Launcher.run(dir, all);
  }

  private static void assertOneErrorLine(Result r, String... parts) {
    List<String> errors = r.stderr().lines().filter(l -> l.startsWith("jpull: error: ")).toList();
    assertEquals(1, errors.size(), r.stderr());
    for (String p : parts) {
      assertTrue(errors.get(0).contains(p), "'" + p + "' in " + errors.get(0));
    }
  }

  private static Path blob(Path store, Digest d) {
    return store.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
  }

  /** Rewrites a committed (read-only) blob, as a crash or a disk error would. */
  private static void damage(Path blob, byte[] bytes) throws IOException {
    Files.setPosixFilePermissions(blob, PosixFilePermissions.fromString("rw-------"));
    Files.write(blob, bytes);
    Files.setPosixFilePermissions(blob, PosixFilePermissions.fromString("r--r--r--"));
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  @Test
  void unpackOfAFailingLayerExits7WithTheLayersMessageAndLeavesDirAsItWas(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    Result pulled = jpull(dir, store, "pull", "--plain-http", "--no-unpack", "-q", ref("unsafe"));
    assertEquals(0, pulled.exit(), pulled.stderr());
    String layer = unsafe.layerDigests.get(0).toString();

    Path absent = dir.resolve("absent");
    Result r = jpull(dir, store, "unpack", ref("unsafe"), absent.toString());
    assertEquals(7, r.exit(), r.stderr());
    assertOneErrorLine(r, layer, "path escapes the root");
    assertFalse(r.stderr().contains("refusing to delete"), r.stderr());
    assertFalse(Files.exists(absent), "a DIR that jpull made is removed again");
    assertFalse(Files.exists(dir.resolve("escaped")));

    Path empty = Files.createDirectory(dir.resolve("empty"));
    Result again = jpull(dir, store, "unpack", ref("unsafe"), empty.toString());
    assertEquals(7, again.exit(), again.stderr());
    assertOneErrorLine(again, layer);
    assertTrue(Files.isDirectory(empty) && isEmpty(empty), "an empty DIR given is left empty");

    Result ok = jpull(dir, store, "unpack", ref("unsafe").replace("unsafe", "good"), dir.resolve("x").toString());
    assertEquals(3, ok.exit(), "not pulled: " + ok.stderr());
  }

  @Test
  void pullFetchesAgainABlobTruncatedInTheStore(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    Result first = jpull(dir, store, "pull", "--plain-http", "--no-unpack", "-q", ref("good"));
    assertEquals(0, first.exit(), first.stderr());
    Digest layer = good.layerDigests.get(0);
    byte[] bytes = good.blobs.get(layer);
    damage(blob(store, layer), java.util.Arrays.copyOf(bytes, bytes.length / 2));

    Result unpack = jpull(dir, store, "unpack", ref("good"), dir.resolve("offline").toString());
    assertEquals(3, unpack.exit(), "a truncated blob is missing: " + unpack.stderr());
    assertOneErrorLine(unpack, "pull it again");

    Result again = jpull(dir, store, "pull", "--plain-http", "--progress", "plain", "--rootfs",
        dir.resolve("rootfs").toString(), ref("good"));
    assertEquals(0, again.exit(), again.stderr());
    assertArrayEquals(bytes, Files.readAllBytes(blob(store, layer)), "fetched again");
    assertEquals("good", Files.readString(dir.resolve("rootfs/etc/hostname")));
    Result fsck = jpull(dir, store, "fsck");
    assertEquals(0, fsck.exit(), fsck.stdout() + fsck.stderr());
  }

  @Test
  void aStoredBlobOfTheRightSizeButWrongBytesFailsPullAndUnpackWith7NamingIt(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    Result first = jpull(dir, store, "pull", "--plain-http", "--no-unpack", "-q", ref("good"));
    assertEquals(0, first.exit(), first.stderr());
    Digest layer = good.layerDigests.get(0);
    damage(blob(store, layer), new byte[good.blobs.get(layer).length]);

    Result pull = jpull(dir, store, "pull", "--plain-http", "--progress", "plain", ref("good"));
    assertEquals(7, pull.exit(), pull.stderr());
    assertOneErrorLine(pull, layer.toString());
    Result unpack = jpull(dir, store, "unpack", ref("good"), dir.resolve("offline").toString());
    assertEquals(7, unpack.exit(), unpack.stderr());
    assertOneErrorLine(unpack, layer.toString());
    assertFalse(Files.exists(dir.resolve("offline")));

    Result fsck = jpull(dir, store, "fsck");
    assertTrue(fsck.exit() != 0 && (fsck.stdout() + fsck.stderr()).contains(layer.toString()),
        fsck.exit() + "\n" + fsck.stdout() + fsck.stderr());
  }

  @Test
  void aStoreRootThatOthersCanWriteIsRefusedWithExit9(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    Result first = jpull(dir, store, "images");
    assertEquals(0, first.exit(), first.stderr());
    Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxrwxrwx"));
    Result r = jpull(dir, store, "images");
    assertEquals(9, r.exit(), r.stderr());
    assertOneErrorLine(r, "store " + store, "group or others can write to it", "chmod go-w");
  }
}
