package dev.jpull.unpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.progress.ProgressListener;
import dev.jpull.testing.TarBuilder;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * containerd's {@code TestBreakouts} in jpull's form: each named attack is applied to a root next to a
 * victim directory, which must stay untouched (moby's testBreakout checks), and ends in the expected kind
 * of failure or in a contained, checked result.
 */
class RootfsBreakoutTest {
  @TempDir
  Path t;

  Path root;
  Path victim;
  byte[] hello;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectory(t.resolve("root"));
    victim = Files.createDirectory(t.resolve("victim"));
    hello = new byte[32];
    new Random(42).nextBytes(hello);
    Files.write(victim.resolve("hello"), hello);
    Files.setPosixFilePermissions(victim.resolve("hello"), PosixFilePermissions.fromString("rw-r--r--"));
    Files.createDirectory(t.resolve("root-evil"));
    Files.writeString(t.resolve("root-evil/secret"), "secret");
  }

  /** A case: layers built from the temp dir's path, and a check of the result (null: must fail). */
  record Case(Function<String, List<byte[]>> layers, Check check) {}

  interface Check {
    void verify(Path root) throws Exception;
  }

  static Arguments ok(String name, Function<String, List<byte[]>> layers, Check check) {
    return Arguments.of(name, new Case(layers, check));
  }

  static Arguments refused(String name, Function<String, List<byte[]>> layers) {
    return Arguments.of(name, new Case(layers, null));
  }

  static Arguments contained(String name, Function<String, List<byte[]>> layers) {
    return Arguments.of(name, new Case(layers, r -> { }));
  }

  static List<byte[]> one(TarBuilder b) {
    return List.of(b.build());
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        refused("dotdotName", t -> one(new TarBuilder().file("../victim/dotdot", "pwn"))),
        refused("slashDotdotName", t -> one(new TarBuilder().file("/../victim/slash-dotdot", "pwn"))),
        refused("bareDotdot", t -> one(new TarBuilder().file("..", "pwn"))),
        refused("deepDotdot", t -> one(new TarBuilder().file("../../pwned", "pwn"))),
        refused("dotSlashDotdot", t -> one(new TarBuilder().file("./../victim/x", "pwn"))),
        refused("innerDotdot", t -> one(new TarBuilder().dir("a").file("a/../../victim/x", "pwn"))),
        ok("normalisedNames", t -> one(new TarBuilder().dir("/etc/").file("/etc/os-release", "x").dir("./usr/")
            .dir("./usr/bin/").dir("usr//lib/")), r -> assertEquals("x", Files.readString(r.resolve("etc/os-release")))),
        contained("symlinkRelativeParentWrite", t -> one(new TarBuilder().symlink("loophole", "../victim")
            .file("loophole/file", "pwn"))),
        contained("symlinkAbsoluteHostParentWrite", t -> one(new TarBuilder().symlink("loophole", t + "/victim")
            .file("loophole/file", "pwn"))),
        contained("twoHopSymlinkChain", t -> one(new TarBuilder().dir("inner").symlink("inner/go_up", "..")
            .symlink("inner/go_up/escape", "../victim").file("inner/go_up/escape/newfile", "pwn"))),
        ok("symlinkAbsoluteParentInside", t -> one(new TarBuilder().dir("etc").symlink("localetc", "/etc")
            .file("localetc/unbroken", "unbroken")), r -> assertEquals("unbroken", Files.readString(r.resolve("etc/unbroken")))),
        ok("symlinkUpAndOutClamped", t -> one(new TarBuilder().dir("etc").symlink("localetc", "../../../../../../../etc")
            .file("localetc/unbroken", "unbroken")), r -> assertEquals("unbroken", Files.readString(r.resolve("etc/unbroken")))),
        ok("symlinkMultipleRelative", t -> one(new TarBuilder().dir("etc").dir("dummy").symlink("dummy/etc", "/etc")
            .symlink("localetc", "./dummy/etc").file("localetc/unbroken", "u")),
            r -> assertEquals("u", Files.readString(r.resolve("etc/unbroken")))),
        ok("truncateThroughSymlink", t -> one(new TarBuilder().dir("etc").file("etc/emptied", "notempty")
            .symlink("localetc", "/etc").file("localetc/emptied", "")),
            r -> assertEquals("", Files.readString(r.resolve("etc/emptied")))),
        refused("hardlinkDotdot", t -> one(new TarBuilder().link("dotdot", "../victim/hello"))),
        refused("hardlinkSlashDotdot", t -> one(new TarBuilder().link("slash-dotdot", "/../victim/hello"))),
        refused("hardlinkPrefixSibling", t -> one(new TarBuilder().link("grab", "../root-evil/secret"))),
        refused("hardlinkHostAbsolute", t -> one(new TarBuilder().link("grab", t + "/victim/hello"))),
        refused("hardlinkMissingTargetNotFromCwd", t -> one(new TarBuilder().link("stolen", "sentinel"))),
        ok("hardlinkAbsoluteInside", t -> one(new TarBuilder().dir("usr").dir("usr/bin")
            .file("usr/bin/perlbug", 0755, "hello").link("usr/bin/perlthanks", "/usr/bin/perlbug")),
            r -> assertEquals(Files.getAttribute(r.resolve("usr/bin/perlbug"), "unix:ino"),
                Files.getAttribute(r.resolve("usr/bin/perlthanks"), "unix:ino"))),
        ok("hardlinkThroughSymlinkedDir", t -> one(new TarBuilder().dir("etc", 0770).file("etc/passwd", "inside")
            .dir("breakouts").symlink("breakouts/d1", "../../etc").link("breakouts/mypasswd", "/breakouts/d1/passwd")),
            r -> assertEquals(Files.getAttribute(r.resolve("etc/passwd"), "unix:ino"),
                Files.getAttribute(r.resolve("breakouts/mypasswd"), "unix:ino"))),
        contained("hardlinkToHostSymlinkChmod", t -> one(new TarBuilder()
            .symlink(t.substring(1) + "/also-exists-outside-root", t + "/victim/hello")
            .link("sketchylink", t.substring(1) + "/also-exists-outside-root"))),
        ok("hardlinkToSymlinkBeforeTarget", t -> one(new TarBuilder().dir("etc").symlink("localpasswd", "/etc/passwd")
            .link("localpasswd-dup", "localpasswd").file("etc/passwd", "after")),
            r -> assertTrue(Files.isSymbolicLink(r.resolve("localpasswd-dup")))),
        refused("rootBecomesSymlink", t -> one(new TarBuilder().symlink(".", t + "/victim").file("hello", "pwned"))),
        refused("rootSlashBecomesSymlink", t -> one(new TarBuilder().symlink("/", "/").file("hello", "pwned"))),
        ok("rootDirectoryEntryIsFine", t -> one(new TarBuilder().dir("./").file("a", "a")),
            r -> assertEquals("a", Files.readString(r.resolve("a")))),
        ok("dirReplacedBySymlinkMidLayer", t -> one(new TarBuilder().dir("foo").dir("foo/tmp").file("foo/tmp/b", "012")
            .symlink("foo", "/").file("foo" + t + "/victim/pwned", "345").dir("foo").dir("foo/tmp").file("foo/tmp/b", "678")),
            r -> assertEquals("678", Files.readString(r.resolve("foo/tmp/b")))),
        refused("symlinkLoop", t -> one(new TarBuilder().symlink("a", "b").symlink("b", "a").file("a/x", "x"))),
        refused("selfLoop", t -> one(new TarBuilder().symlink("self", "self").file("self/x", "x"))),
        refused("whiteoutDotdot", t -> List.of(new TarBuilder().dir("etc").file("etc/passwd", "p").build(),
            new TarBuilder().file(".wh..", "").build())),
        refused("whiteoutEmptyName", t -> List.of(new TarBuilder().dir("etc").file("etc/passwd", "p").build(),
            new TarBuilder().file("etc/.wh.", "").build())),
        ok("whiteoutThroughSymlinkedParent", t -> List.of(new TarBuilder().dir("etc").file("etc/passwd", "all users")
            .file("etc/whitedout", "x").symlink("localetc", "/etc").build(),
            new TarBuilder().whiteout("localetc/whitedout").build()),
            r -> {
              assertFalse(Files.exists(r.resolve("etc/whitedout")));
              assertEquals("all users", Files.readString(r.resolve("etc/passwd")));
            }),
        contained("whiteoutThroughHostSymlink", t -> List.of(new TarBuilder().symlink("localetc", t + "/victim").build(),
            new TarBuilder().whiteout("localetc/hello").build())),
        ok("whiteoutOfSymlinkRemovesOnlyTheLink", t -> List.of(new TarBuilder().dir("etc").file("etc/passwd", "p")
            .symlink("localetc", "/etc").build(), new TarBuilder().whiteout("localetc").build()),
            r -> {
              assertFalse(Files.exists(r.resolve("localetc"), LinkOption.NOFOLLOW_LINKS));
              assertEquals("p", Files.readString(r.resolve("etc/passwd")));
            }),
        ok("opaqueMarkerFirst", t -> List.of(new TarBuilder().dir("a").dir("a/b").file("a/b/bar", "bar").build(),
            new TarBuilder().dir("a").opaque("a").dir("a/b").file("a/b/foo", "foo").build()),
            r -> {
              assertTrue(Files.exists(r.resolve("a/b/foo")));
              assertFalse(Files.exists(r.resolve("a/b/bar")));
              assertFalse(Files.exists(r.resolve("a/.wh..wh..opq")));
            }),
        ok("opaqueMarkerLast", t -> List.of(new TarBuilder().dir("a").dir("a/b").file("a/b/bar", "bar").build(),
            new TarBuilder().dir("a").dir("a/b").file("a/b/foo", "foo").opaque("a").build()),
            r -> {
              assertTrue(Files.exists(r.resolve("a/b/foo")));
              assertFalse(Files.exists(r.resolve("a/b/bar")));
            }),
        ok("dirBecomesFile", t -> List.of(new TarBuilder().dir("dir").file("dir/f", "f").build(),
            new TarBuilder().file("dir", "now-file").build()),
            r -> assertEquals("now-file", Files.readString(r.resolve("dir")))),
        ok("fileBecomesParentDir", t -> List.of(new TarBuilder().file("nondir", "x").build(),
            new TarBuilder().file("nondir/foo/bar/baz", "z").build()),
            r -> assertEquals("z", Files.readString(r.resolve("nondir/foo/bar/baz")))),
        ok("hostileModesRootless", t -> one(new TarBuilder().dir("locked", 0).file("locked/file", 0, "x")
            .file("bin-suid", 04755, "s").dir("tmp", 01777).file("wo", 0200, "w")),
            r -> {
              assertEquals(0, (int) Files.getAttribute(r.resolve("locked"), "unix:mode") & 07777);
              assertEquals(04755, (int) Files.getAttribute(r.resolve("bin-suid"), "unix:mode") & 07777);
              assertEquals(01777, (int) Files.getAttribute(r.resolve("tmp"), "unix:mode") & 07777);
            }),
        ok("devicesSkippedRootless", t -> one(new TarBuilder().dir("dev").charDevice("dev/null", 1, 3)
            .blockDevice("dev/sda", 8, 0).fifo("run-ctl")),
            r -> assertFalse(Files.exists(r.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS))));
  }

  @org.junit.jupiter.api.Test
  void truncatedLayerIsRefused() throws Exception {
    byte[] tar = new TarBuilder().file("big", 0644, new byte[1 << 20]).build();
    byte[] cut = java.util.Arrays.copyOf(tar, 100 * 1024);
    Rootfs rootfs = Rootfs.create(root, ProgressListener.NONE, false);
    JpullException e = assertThrows(JpullException.class, () -> rootfs.applyLayer(new ByteArrayInputStream(cut),
        new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(cut), cut.length), Digest.sha256(cut), 0));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void unsupportedLayerMediaType() throws Exception {
    byte[] tar = new TarBuilder().file("a", "a").build();
    Rootfs rootfs = Rootfs.create(root, ProgressListener.NONE, false);
    JpullException e = assertThrows(JpullException.class, () -> rootfs.applyLayer(new ByteArrayInputStream(tar),
        new Descriptor("application/vnd.oci.image.layer.v1.tar+bzip2", Digest.sha256(tar), tar.length),
        Digest.sha256(tar), 0));
    assertEquals(Kind.UNSUPPORTED, e.kind());
  }

  @org.junit.jupiter.api.Test
  void concatenatedGzipMembersAreAllRead() throws Exception {
    byte[] tar = new TarBuilder().file("a", "a").file("b", "b").build();
    int half = 512 * 2;
    byte[] first = TarBuilder.gzip(java.util.Arrays.copyOf(tar, half));
    byte[] second = TarBuilder.gzip(java.util.Arrays.copyOfRange(tar, half, tar.length));
    byte[] blob = new byte[first.length + second.length];
    System.arraycopy(first, 0, blob, 0, first.length);
    System.arraycopy(second, 0, blob, first.length, second.length);
    Rootfs rootfs = Rootfs.create(root, ProgressListener.NONE, false);
    rootfs.applyLayer(new ByteArrayInputStream(blob), new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(blob),
        blob.length), Digest.sha256(tar), 0);
    assertEquals("b", Files.readString(root.resolve("b")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void breakout(String name, Case c) throws Exception {
    Rootfs rootfs = Rootfs.create(root, ProgressListener.NONE, false);
    List<byte[]> layers = c.layers().apply(t.toString());
    Exception failure = null;
    try {
      for (int i = 0; i < layers.size(); i++) {
        byte[] tar = layers.get(i);
        rootfs.applyLayer(new ByteArrayInputStream(tar), new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(tar), tar.length),
            Digest.sha256(tar), i);
      }
      rootfs.finish();
    } catch (JpullException e) {
      failure = e;
    }
    if (c.check() == null) {
      assertTrue(failure instanceof JpullException j && j.kind() == Kind.VERIFICATION,
          name + ": expected a VERIFICATION failure, got " + failure);
    } else {
      if (failure != null) {
        throw failure;
      }
      c.check().verify(root);
    }
    // U2: nothing outside the root changed.
    assertArrayEquals(hello, Files.readAllBytes(victim.resolve("hello")), "victim bytes");
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(victim.resolve("hello"))));
    try (Stream<Path> v = Files.list(victim)) {
      assertEquals(List.of(victim.resolve("hello")), v.toList(), "victim holds only hello");
    }
    assertEquals("secret", Files.readString(t.resolve("root-evil/secret")));
    try (Stream<Path> top = Files.list(t)) {
      assertEquals(3, top.count(), "no new entries next to the root");
    }
    // Every file is read, 0000 ones too: as an ordinary user the test grants itself the owner's bits first
    // (the checks above are done), so the walk cannot skip what a hostile mode hides.
    readAll(root);
  }

  private void readAll(Path dir) throws Exception {
    // (following: the JDK's NOFOLLOW chmod opens the entry, which a 0000 directory refuses; it is no symlink)
    Files.setAttribute(dir, "unix:mode", (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) | 0700);
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = s.toList();
    }
    for (Path p : children) {
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        readAll(p);
      } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        Files.setAttribute(p, "unix:mode", (Integer) Files.getAttribute(p, "unix:mode") | 0400);
        assertFalse(java.util.Arrays.equals(hello, Files.readAllBytes(p)), "a file in the root has the victim's bytes: " + p);
      }
    }
  }
}
