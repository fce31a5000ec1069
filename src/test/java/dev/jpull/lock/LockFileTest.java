package dev.jpull.lock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Digest;
import dev.jpull.reference.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockFileTest {
  @TempDir
  Path dir;

  private static LockFile.Entry entry(String ref, int seed) throws Exception {
    TreeMap<String, LockFile.PlatformLock> platforms = new TreeMap<>();
    platforms.put("linux/arm64/v8", new LockFile.PlatformLock(Digest.sha256(new byte[] {(byte) seed, 1}), 20));
    platforms.put("linux/amd64", new LockFile.PlatformLock(Digest.sha256(new byte[] {(byte) seed, 2}), 10));
    return new LockFile.Entry(Reference.parse(ref), Digest.sha256(new byte[] {(byte) seed}),
        "application/vnd.oci.image.index.v1+json", platforms, 31, "registry-1.docker.io");
  }

  @Test
  void bytesAreSortedStableAndRoundTrip() throws Exception {
    LockFile a = new LockFile(List.of(entry("python:3.12", 1), entry("alpine:3.19", 2)));
    LockFile b = new LockFile(List.of(entry("alpine:3.19", 2), entry("python:3.12", 1)));
    assertArrayEquals(a.bytes(), b.bytes(), "the order given does not matter");
    String text = new String(a.bytes(), StandardCharsets.UTF_8);
    assertTrue(text.indexOf("docker.io/library/alpine:3.19") < text.indexOf("docker.io/library/python:3.12"), text);
    assertTrue(text.indexOf("linux/amd64") < text.indexOf("linux/arm64/v8"), text);
    assertTrue(text.endsWith("}\n") && !text.contains("\r"), text);
    assertTrue(text.startsWith("{\n  \"images\": [\n    {\n      \"digest\": \"sha256:"), text);
    Path file = dir.resolve("jpull.lock");
    assertTrue(a.write(file));
    long mtime = Files.getLastModifiedTime(file).toMillis();
    assertFalse(b.write(file), "an unchanged lock is not rewritten");
    assertEquals(mtime, Files.getLastModifiedTime(file).toMillis());
    LockFile read = LockFile.read(file);
    assertEquals(a, read);
    assertArrayEquals(a.bytes(), read.bytes());
    assertEquals(Digest.sha256(new byte[] {2}), read.find(Reference.parse("alpine:3.19")).orElseThrow().digest());
  }

  @Test
  void missingOrMalformedFilesAreUsageErrorsNamingTheFile() throws Exception {
    JpullException missing = assertThrows(JpullException.class, () -> LockFile.read(dir.resolve("none.lock")));
    assertEquals(Kind.INVALID_INPUT, missing.kind());
    assertTrue(missing.getMessage().contains("none.lock"));
    for (String bad : List.of("[]", "{\"images\":[],\"version\":2}", "{\"images\":{},\"version\":1}",
        "{\"images\":[{\"reference\":\"Alpine\",\"digest\":\"sha256:00\"}],\"version\":1}", "{", "{\"version\":1.5}")) {
      Path f = dir.resolve("bad.lock");
      Files.writeString(f, bad);
      JpullException e = assertThrows(JpullException.class, () -> LockFile.read(f), bad);
      assertEquals(Kind.INVALID_INPUT, e.kind(), bad);
      assertTrue(e.getMessage().contains("bad.lock"), e.getMessage());
    }
  }
}
