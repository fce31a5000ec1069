package dev.jpull.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirTest {
  @TempDir
  Path t;

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static boolean root() {
    return LibC.geteuid() == 0;
  }

  @Test
  void nativeCallsLoad() {
    assertTrue(Dir.available(), Dir.unavailableReason());
    assertTrue(Dir.nodesAvailable());
  }

  @Test
  void createsWritesAndSetsMetadataOnTheDescriptor() throws Exception {
    try (Dir d = Dir.open(t)) {
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
      buf.put(b("hello"));
      try (OpenFile f = d.createFile(b("f"), 0600)) {
        f.write(buf, 5);
        f.chmod(04751);
        f.setTimes(1_000_000_000L, 5);
        Stat s = f.stat();
        assertEquals(04751, s.permissions());
        assertEquals(5, s.size());
        assertEquals(1_000_000_000L, s.mtimeSeconds());
        assertEquals(5, s.mtimeNanos());
      }
      assertEquals("hello", Files.readString(t.resolve("f")));
      NativeException e = assertThrows(NativeException.class, () -> d.createFile(b("f"), 0600));
      assertEquals(NativeException.EEXIST, e.errno());
      assertTrue(e.getMessage().contains(t.resolve("f").toString()), e.getMessage());
    }
  }

  @Test
  void neverFollowsAFinalSymlink() throws Exception {
    Path outside = Files.createDirectory(t.resolve("outside"));
    Path in = Files.createDirectory(t.resolve("in"));
    Files.createSymbolicLink(in.resolve("l"), outside);
    Files.setLastModifiedTime(outside, FileTime.fromMillis(1_000));
    try (Dir d = Dir.open(in)) {
      NativeException e = assertThrows(NativeException.class, () -> d.openDir(b("l")));
      assertTrue(e.errno() == NativeException.ELOOP || e.errno() == NativeException.ENOTDIR, e.getMessage());
      assertEquals(NativeException.EEXIST, assertThrows(NativeException.class, () -> d.createFile(b("l"), 0600)).errno());
      assertTrue(d.stat(b("l")).isSymlink());
      assertArrayEquals(b(outside.toString()), d.readlink(b("l")));
      assertFalse(d.chmodNotSymlink(b("l"), 0777));
      d.setTimesNoFollow(b("l"), 2_000, 0);
      d.chownNoFollow(b("l"), -1, -1);
    }
    assertEquals(FileTime.fromMillis(1_000), Files.getLastModifiedTime(outside));
    assertEquals(FileTime.fromMillis(2_000_000), Files.getLastModifiedTime(in.resolve("l"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void namesAreRawBytes() throws Exception {
    byte[] bad = {'b', 'a', 'd', (byte) 0xff, 'n', 'a', 'm', 'e'};
    try (Dir d = Dir.open(t)) {
      d.mkdir(bad, 0700);
      assertNull(d.statIfExists(b("bad\ufffdname")));
      List<byte[]> names = new ArrayList<>();
      try (Listing l = d.list()) {
        while (l.next()) {
          names.add(l.name());
          assertEquals(Listing.DIRECTORY, l.type());
        }
      }
      assertEquals(1, names.size());
      assertArrayEquals(bad, names.get(0));
      assertThrows(IllegalArgumentException.class, () -> d.mkdir(new byte[] {'a', 0, 'b'}, 0700));
    }
  }

  @Test
  void fifoIsMadeAndChangedWithoutBeingOpened() throws Exception {
    try (Dir d = Dir.open(t)) {
      assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
        d.mknod(b("p"), Dir.FIFO, 0600, 0, 0);
        assertTrue(d.chmodNotSymlink(b("p"), 0640));
        d.setTimesNoFollow(b("p"), 3_000, 0);
        Stat s = d.stat(b("p"));
        assertEquals(Dir.FIFO, s.type());
        assertEquals(0640, s.permissions());
        assertEquals(3_000, s.mtimeSeconds());
      });
    }
  }

  @Test
  void characterDeviceHasItsMajorAndMinorAsRoot() throws Exception {
    Assumptions.assumeTrue(root(), "creating device nodes needs root");
    try (Dir d = Dir.open(t)) {
      d.mknod(b("ptmx"), Dir.CHAR, 0666, 5, 2);
      d.mknod(b("big"), Dir.BLOCK, 0660, 259, 70000);
      Stat s = d.stat(b("ptmx"));
      assertEquals(Dir.CHAR, s.type());
      assertEquals(5, s.rdevMajor());
      assertEquals(2, s.rdevMinor());
      Stat big = d.stat(b("big"));
      assertEquals(259, big.rdevMajor());
      assertEquals(70000, big.rdevMinor());
    }
  }

  @Test
  void errnoIsReportedWithTheName() throws Exception {
    try (Dir d = Dir.open(t)) {
      NativeException e = assertThrows(NativeException.class, () -> d.openDir(b("missing")));
      assertEquals(NativeException.ENOENT, e.errno());
      assertEquals(t.resolve("missing").toString(), e.getFile());
      assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }
    assertEquals(NativeException.ENOENT, assertThrows(NativeException.class, () -> Dir.open(t.resolve("x"))).errno());
  }
}
