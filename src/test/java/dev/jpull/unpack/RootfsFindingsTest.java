package dev.jpull.unpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.progress.ProgressListener;
import dev.jpull.testing.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per finding of issue 12 about unpacking, named after it. Tests that need root skip as an
 * ordinary user and the user-only ones skip as root; CI runs the suite in both modes.
 */
class RootfsFindingsTest {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  @TempDir
  Path t;

  Path root;
  Path outside;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectory(t.resolve("root"));
    outside = Files.createDirectory(t.resolve("outside"));
  }

  private static void apply(Rootfs rootfs, byte[] tar, int index) throws Exception {
    rootfs.applyLayer(new ByteArrayInputStream(tar), new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(tar),
        tar.length), Digest.sha256(tar), index);
  }

  private static int mode(Path p) throws Exception {
    return (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW) & 07777;
  }

  /** What a later entry must never change: a directory outside the target. */
  private record Snapshot(int mode, int uid, int gid, FileTime mtime) {
    static Snapshot of(Path p) throws Exception {
      return new Snapshot(RootfsFindingsTest.mode(p), (Integer) Files.getAttribute(p, "unix:uid", NOFOLLOW),
          (Integer) Files.getAttribute(p, "unix:gid", NOFOLLOW), Files.getLastModifiedTime(p, NOFOLLOW));
    }
  }

  private Path victim() throws Exception {
    Path v = Files.createDirectory(outside.resolve("victim"));
    Files.setPosixFilePermissions(v, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Files.setLastModifiedTime(v, FileTime.fromMillis(1_000_000));
    return v;
  }

  private void assertUntouched(Path v, Snapshot before) throws Exception {
    assertEquals(before, Snapshot.of(v), "the directory outside the target is unchanged");
    assertEquals(List.of(), Arrays.asList(v.toFile().list()), "nothing written outside");
  }

  private Rootfs rootfs() throws Exception {
    return Rootfs.create(root, ProgressListener.NONE);
  }

  @Test
  void layerCannotChmodAHostDirectoryThroughASymlinkedParent() throws Exception {
    Path v = victim();
    Snapshot before = Snapshot.of(v);
    Rootfs r = rootfs();
    apply(r, new TarBuilder().owner(1234, 1234).dir("c").dir("c/victim", 0777).mtime(0)
        .symlink("c", outside.toString()).build(), 0);
    r.finish();
    assertUntouched(v, before);
    assertTrue(Files.isSymbolicLink(root.resolve("c")));
  }

  @Test
  void directoryReplacedBySymlinkAfterEntriesWereWrittenSameLayer() throws Exception {
    Path v = victim();
    Snapshot before = Snapshot.of(v);
    Rootfs r = rootfs();
    apply(r, new TarBuilder().owner(1234, 1234).dir("d").dir("d/victim", 0777).file("d/victim/f", "x")
        .dir("d/victim/sub", 0777).symlink("d", outside.toString()).build(), 0);
    r.finish();
    assertUntouched(v, before);
  }

  @Test
  void directoryReplacedBySymlinkInALaterLayer() throws Exception {
    Path v = victim();
    Snapshot before = Snapshot.of(v);
    Rootfs r = rootfs();
    apply(r, new TarBuilder().owner(1234, 1234).dir("d").dir("d/victim", 0777).file("d/victim/f", "x").build(), 0);
    apply(r, new TarBuilder().symlink("d", outside.toString()).build(), 1);
    r.finish();
    assertUntouched(v, before);
  }

  @Test
  void ancestorTwoLevelsUpReplacedBySymlink() throws Exception {
    Path mid = Files.createDirectory(outside.resolve("b"));
    Path v = Files.createDirectory(mid.resolve("victim"));
    Files.setLastModifiedTime(v, FileTime.fromMillis(1_000_000));
    Files.setLastModifiedTime(mid, FileTime.fromMillis(2_000_000));
    Snapshot before = Snapshot.of(v);
    Snapshot midBefore = Snapshot.of(mid);
    Rootfs r = rootfs();
    apply(r, new TarBuilder().owner(1234, 1234).dir("a").dir("a/b", 0777).dir("a/b/victim", 0777).build(), 0);
    apply(r, new TarBuilder().symlink("a", outside.toString()).build(), 1);
    r.finish();
    assertEquals(before, Snapshot.of(v));
    assertEquals(midBefore, Snapshot.of(mid));
  }

  @Test
  void fifoAndCharacterDeviceAsRootFinishWithoutHanging() throws Exception {
    Assumptions.assumeTrue(Rootfs.runningAsRoot(), "creating device nodes needs root (runs in the root pass)");
    Rootfs r = rootfs();
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      apply(r, new TarBuilder().dir("run").fifo("run/initctl").dir("dev").charDevice("dev/tty", 5, 0).build(), 0);
      r.finish();
    });
    assertEquals(010644, (Integer) Files.getAttribute(root.resolve("run/initctl"), "unix:mode", NOFOLLOW));
    assertEquals(020644, (Integer) Files.getAttribute(root.resolve("dev/tty"), "unix:mode", NOFOLLOW));
  }

  private static TarArchiveEntry device(TarBuilder b, String name, byte type, int typeBits, int mode, int major,
      int minor) {
    TarArchiveEntry e = b.entry(name, type);
    e.setMode(typeBits | mode);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    return e;
  }

  @Test
  void debianDevAsRootHasTheRightMajorAndMinor() throws Exception {
    Assumptions.assumeTrue(Rootfs.runningAsRoot(), "creating device nodes needs root (runs in the root pass)");
    TarBuilder b = new TarBuilder().dir("dev");
    b.entry(device(b, "dev/null", TarConstants.LF_CHR, 020000, 0666, 1, 3), null);
    b.entry(device(b, "dev/ptmx", TarConstants.LF_CHR, 020000, 0666, 5, 2), null);
    b.entry(device(b, "dev/tty", TarConstants.LF_CHR, 020000, 0666, 5, 0), null);
    b.entry(device(b, "dev/console", TarConstants.LF_CHR, 020000, 0600, 5, 1), null);
    b.entry(device(b, "dev/loop0", TarConstants.LF_BLK, 060000, 0660, 7, 0), null);
    Rootfs r = rootfs();
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      apply(r, b.build(), 0);
      r.finish();
    });
    int[][] want = {{1, 3, 0666}, {5, 2, 0666}, {5, 0, 0666}, {5, 1, 0600}, {7, 0, 0660}};
    String[] names = {"null", "ptmx", "tty", "console", "loop0"};
    for (int i = 0; i < names.length; i++) {
      Path p = root.resolve("dev").resolve(names[i]);
      long rdev = (Long) Files.getAttribute(p, "unix:rdev", NOFOLLOW);
      long major = ((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfffL);
      long minor = ((rdev >>> 12) & 0xffffff00L) | (rdev & 0xffL);
      assertEquals(want[i][0], major, names[i]);
      assertEquals(want[i][1], minor, names[i]);
      assertEquals(want[i][2], mode(p), names[i]);
    }
  }

  /** A ustar header with a raw-byte name (commons-compress would encode a String). */
  private static byte[] rawEntry(byte[] name, char type, int mode, byte[] content) {
    byte[] h = new byte[512];
    System.arraycopy(name, 0, h, 0, name.length);
    octal(h, 100, 8, mode);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, content.length);
    octal(h, 136, 12, 1_700_000_000L);
    h[156] = (byte) type;
    System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte x : h) {
      sum += x & 0xff;
    }
    octal(h, 148, 7, sum);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(h);
    out.writeBytes(content);
    out.writeBytes(new byte[(512 - content.length % 512) % 512]);
    return out.toByteArray();
  }

  private static void octal(byte[] h, int off, int len, long v) {
    String s = String.format("%0" + (len - 1) + "o", v);
    System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
  }

  /** Raw names of a directory, read by {@code ls} under LC_ALL=C: no Java decoding in between. */
  private static List<byte[]> rawNames(Path dir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("ls", "-1a", "--", dir.toString()).redirectErrorStream(true);
    pb.environment().put("LC_ALL", "C");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor());
    List<byte[]> names = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < out.length; i++) {
      if (out[i] == '\n') {
        byte[] n = Arrays.copyOfRange(out, start, i);
        if (!Arrays.equals(n, ".".getBytes()) && !Arrays.equals(n, "..".getBytes())) {
          names.add(n);
        }
        start = i + 1;
      }
    }
    return names;
  }

  @Test
  void invalidUtf8NameIsCreatedByteExact() throws Exception {
    byte[] dir = {'b', 'a', 'd', (byte) 0xff, 'n', 'a', 'm', 'e', '/'};
    byte[] file = {'b', 'a', 'd', (byte) 0xff, 'n', 'a', 'm', 'e', '/', (byte) 0xe9, 't', 'e', (byte) 0xc3};
    Rootfs r = rootfs();
    apply(r, new TarBuilder().raw(rawEntry(dir, '5', 0755, new byte[0]))
        .raw(rawEntry(file, '0', 0644, "x".getBytes(StandardCharsets.US_ASCII))).build(), 0);
    r.finish();
    List<byte[]> top = rawNames(root);
    assertEquals(1, top.size());
    assertArrayEquals(Arrays.copyOf(dir, dir.length - 1), top.get(0));
    Process p = new ProcessBuilder("sh", "-c", "ls -1 -- \"$1\"/bad?name", "sh", root.toString()).start();
    byte[] inner = p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor());
    assertArrayEquals(new byte[] {(byte) 0xe9, 't', 'e', (byte) 0xc3, '\n'}, inner);
  }

  private TarBuilder fedora() {
    TarBuilder b = new TarBuilder().dir("etc").file("etc/shadow", 0, "root:!::0:::::\n")
        .dir("usr").dir("usr/bin").file("usr/bin/sudo", 04111, "#!sudo").dir("tmp", 01777)
        .dir("var").dir("var/lib").dir("var/lib/locked", 0).file("var/lib/locked/secret", 0600, "s")
        .dir("var/lib/locked/sub", 0700).file("var/lib/locked/sub/f", 0400, "f")
        .dir("usr/share").dir("usr/share/ro", 0555).file("usr/share/ro/readme", 0444, "r")
        .dir("usr/share/ro/inner", 0555).file("usr/share/ro/inner/x", 0644, "x")
        .file("usr/bin/exec-only", 0111, "e");
    return b.link("usr/bin/sudo-link", "usr/bin/sudo");
  }

  private void assertFedoraModes() throws Exception {
    assertEquals(0, mode(root.resolve("etc/shadow")));
    assertEquals(04111, mode(root.resolve("usr/bin/sudo")));
    assertEquals(0111, mode(root.resolve("usr/bin/exec-only")));
    assertEquals(01777, mode(root.resolve("tmp")));
    assertEquals(0, mode(root.resolve("var/lib/locked")));
    assertEquals(0555, mode(root.resolve("usr/share/ro")));
    assertEquals(0555, mode(root.resolve("usr/share/ro/inner")));
    assertEquals(0755, mode(root), "no ./ entry: the root ends 0755");
  }

  @Test
  void fedoraShapesUnpackAsAnOrdinaryUser() throws Exception {
    Assumptions.assumeFalse(Rootfs.runningAsRoot(), "the permission checks only bite an ordinary user (jp pass)");
    Rootfs r = rootfs();
    apply(r, fedora().build(), 0);
    apply(r, new TarBuilder().file("var/lib/locked/added-later", 0600, "l").file("etc/shadow", 0, "again").build(), 1);
    r.finish();
    assertFedoraModes();
    dev.jpull.fs.TreeRemover.delete(root);
    assertFalse(Files.exists(root, NOFOLLOW));
  }

  @Test
  void fedoraShapesAsRootKeepTheRecordedModesAndOwners() throws Exception {
    Assumptions.assumeTrue(Rootfs.runningAsRoot(), "owners are applied only as root (root pass)");
    Rootfs r = rootfs();
    apply(r, fedora().owner(0, 15).dir("var/lib/grp", 02770).owner(0, 0).build(), 0);
    r.finish();
    assertFedoraModes();
    assertEquals(15, Files.getAttribute(root.resolve("var/lib/grp"), "unix:gid", NOFOLLOW));
    assertEquals(02770, mode(root.resolve("var/lib/grp")));
  }

  @Test
  void rootIs0700WhileFilledAndEndsWithTheImagesDotEntry() throws Exception {
    Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    Rootfs r = rootfs();
    assertEquals(0700, mode(root));
    apply(r, new TarBuilder().mtime(1_600_000_000L).dir("./", 0750).dir("open", 0777).dir("open/deeper", 0775)
        .file("open/deeper/f", "f").build(), 0);
    assertEquals(0700, mode(root), "still being filled");
    assertEquals(0700, mode(root.resolve("open")), "no directory writable by others while layers are applied");
    assertEquals(0700, mode(root.resolve("open/deeper")));
    r.finish();
    assertEquals(0750, mode(root));
    assertEquals(FileTime.fromMillis(1_600_000_000_000L), Files.getLastModifiedTime(root));
    assertEquals(0777, mode(root.resolve("open")));
    assertEquals(0775, mode(root.resolve("open/deeper")));
    assertEquals(FileTime.fromMillis(1_600_000_000_000L), Files.getLastModifiedTime(root.resolve("open")));
  }

  @Test
  void symlinkLoopInAParentIsBadContent() throws Exception {
    Rootfs r = rootfs();
    StringBuilder chain = new StringBuilder();
    TarBuilder b = new TarBuilder();
    for (int i = 0; i < 45; i++) {
      b.symlink("l" + i, "l" + (i + 1));
    }
    b.dir("l45").file("l0/x", "x");
    dev.jpull.JpullException e = org.junit.jupiter.api.Assertions.assertThrows(dev.jpull.JpullException.class,
        () -> apply(r, b.build(), 0));
    assertEquals(dev.jpull.Kind.VERIFICATION, e.kind());
    assertTrue(e.getMessage().contains("too many levels of symbolic links"), e.getMessage() + chain);
  }

  /** xattrs go through fsetxattr on the entry's descriptor (the old code spawned setfattr per entry). */
  @Test
  void xattrsAreSetWithoutAProcessPerEntry() throws Exception {
    TarBuilder b = new TarBuilder();
    TarArchiveEntry d = b.entry("d/", TarConstants.LF_DIR);
    d.setMode(040755);
    d.addPaxHeader("SCHILY.xattr.user.kind", "dir");
    b.entry(d, null);
    TarArchiveEntry f = b.entry("d/f", TarConstants.LF_NORMAL);
    f.setMode(0100644);
    f.setSize(1);
    f.addPaxHeader("SCHILY.xattr.user.kind", "file");
    b.entry(f, new byte[] {'x'});
    Rootfs r = rootfs();
    apply(r, b.build(), 0);
    r.finish();
    for (String[] c : new String[][] {{"d", "dir"}, {"d/f", "file"}}) {
      var view = Files.getFileAttributeView(root.resolve(c[0]),
          java.nio.file.attribute.UserDefinedFileAttributeView.class, NOFOLLOW);
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64);
      view.read("kind", buf);
      assertEquals(c[1], new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
    }
  }
}
