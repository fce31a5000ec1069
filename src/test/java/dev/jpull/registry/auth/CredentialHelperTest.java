package dev.jpull.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CredentialHelperTest {
  /** The timeout a test expects to hit; helpers that should answer get the default, so a busy machine can't flake. */
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final Duration GENEROUS = CredentialHelper.DEFAULT_TIMEOUT;

  @TempDir Path tmp;

  private CredentialHelper find(FakeHelpers fakes, String name) throws JpullException {
    return CredentialHelper.find(name, fakes.env(), GENEROUS).orElseThrow();
  }

  @Test
  void getSendsServerUrlOnStdinAndParsesTheAnswer() throws Exception {
    FakeHelpers fakes = new FakeHelpers(tmp);
    fakes.working("test", "alice");
    Optional<Credentials> c = find(fakes, "test").get("registry.test:5000");
    assertEquals(Optional.of(Credentials.basic("alice", FakeHelpers.SECRET + "-alice")), c);
    assertEquals("registry.test:5000", fakes.stdinOf("test", "get"));
  }

  @Test
  void tokenUsernameMeansIdentityToken() throws Exception {
    FakeHelpers fakes = new FakeHelpers(tmp);
    fakes.helper("test", "cat >/dev/null; printf '{\"ServerURL\":\"x\",\"Username\":\"<token>\",\"Secret\":\"R3FR35H\"}'");
    Credentials c = find(fakes, "test").get("registry.test").orElseThrow();
    assertTrue(c.hasIdentityToken());
    assertEquals("R3FR35H", c.identityToken());
    assertEquals("", c.password());
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of("crashes with a secret on stderr",
            "cat >/dev/null; echo '" + FakeHelpers.SECRET + "' >&2; exit 3", "failed: exit code 3"),
        Arguments.of("crashes with a secret on stdout",
            "cat >/dev/null; echo '" + FakeHelpers.SECRET + "'; exit 1", "failed: exit code 1"),
        Arguments.of("prints garbage that quotes a secret",
            "cat >/dev/null; echo '{\"Username\": " + FakeHelpers.SECRET + "'", "malformed output"),
        Arguments.of("sleeps past the timeout", "sleep 30", "timed out after 2 s"),
        Arguments.of("prints 10 MB", "head -c 10000000 /dev/zero | tr '\\0' a", "output larger than 65536 bytes"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void failingHelperIsUnauthorizedAndLeaksNothing(String name, String body, String expected) throws Exception {
    FakeHelpers fakes = new FakeHelpers(tmp);
    fakes.helper("test", body);
    Duration timeout = body.startsWith("sleep") ? TIMEOUT : GENEROUS;
    CredentialHelper helper = CredentialHelper.find("test", fakes.env(), timeout).orElseThrow();
    long start = System.nanoTime();
    JpullException e = assertThrows(JpullException.class, () -> helper.get("registry.test"));
    long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
    assertEquals(Kind.UNAUTHORIZED, e.kind());
    assertTrue(e.getMessage().contains("docker-credential-test") && e.getMessage().contains(expected), e.getMessage());
    assertFalse(e.getMessage().contains(FakeHelpers.SECRET) || String.valueOf(e.hint()).contains(FakeHelpers.SECRET));
    assertTrue(seconds < 8, "took " + seconds + " s");
  }

  @Test
  void notFoundInKeychainIsAnonymous() throws Exception {
    FakeHelpers fakes = new FakeHelpers(tmp);
    fakes.helper("test", "cat >/dev/null; echo 'credentials not found in native keychain'; exit 1");
    assertEquals(Optional.empty(), find(fakes, "test").get("registry.test"));
    assertFalse(find(fakes, "test").erase("registry.test"));
  }

  @Test
  void storeSendsJsonAndEraseSendsServerUrl() throws Exception {
    FakeHelpers fakes = new FakeHelpers(tmp);
    fakes.working("test", "alice");
    CredentialHelper helper = find(fakes, "test");
    helper.store("registry.test", Credentials.basic("bob", "pw"));
    assertEquals("{\"ServerURL\":\"registry.test\",\"Username\":\"bob\",\"Secret\":\"pw\"}", fakes.stdinOf("test", "store"));
    assertTrue(helper.erase("registry.test"));
    assertEquals("registry.test", fakes.stdinOf("test", "erase"));
  }

  /** Each name, were it not refused, would reach an executable that creates the marker. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"../../x", "/bin/sh", "a b", ".hidden", "-rf", "", "x/../../y", "a\nb"})
  void badNamesAreRefusedAndNotExecuted(String name) throws Exception {
    FakeHelpers fakes = new FakeHelpers(tmp);
    Path marker = tmp.resolve("marker");
    String body = "touch '" + marker + "'; exit 0";
    if (!name.isEmpty() && !name.contains("\n")) {
      // Build exactly what the kernel would reach for bin/docker-credential-<name>, so only validation stops it.
      String[] parts = ("docker-credential-" + name).split("/");
      Path p = fakes.bin;
      for (int i = 0; i < parts.length; i++) {
        if (parts[i].equals("..")) {
          p = p.getParent();
        } else if (!parts[i].isEmpty()) {
          p = p.resolve(parts[i]);
          if (i < parts.length - 1) {
            Files.createDirectories(p);
          }
        }
      }
      FakeHelpers.script(p, body);
    }
    JpullException e = assertThrows(JpullException.class, () -> {
      Optional<CredentialHelper> h = CredentialHelper.find(name, fakes.env(), TIMEOUT);
      if (h.isPresent()) {
        h.get().get("registry.test");
      }
    });
    assertEquals(Kind.UNAUTHORIZED, e.kind());
    assertTrue(e.getMessage().contains("is invalid"), e.getMessage());
    assertFalse(Files.exists(marker), "the helper ran");
  }

  @Test
  void workingDirectoryAndRelativePathEntriesAreNeverSearched() throws Exception {
    Path cwd = Path.of("").toAbsolutePath();
    Path inCwd = cwd.resolve("docker-credential-jpullcwdtest");
    Path relDir = Path.of("target", "jpull-cwd-test-bin");
    Path inRel = relDir.resolve("docker-credential-jpullcwdtest");
    Path marker = tmp.resolve("marker");
    try {
      FakeHelpers.script(inCwd, "touch '" + marker + "'");
      FakeHelpers.script(cwd.resolve(inRel), "touch '" + marker + "'");
      Map<String, String> env = Map.of("PATH", ":.:" + relDir + "::/usr/bin");
      assertEquals(Optional.empty(), CredentialHelper.find("jpullcwdtest", env, TIMEOUT));
      assertFalse(Files.exists(marker));
    } finally {
      Files.deleteIfExists(inCwd);
      Files.deleteIfExists(cwd.resolve(inRel));
    }
  }

  @Test
  void onlyExecutableRegularFilesCount() throws Exception {
    FakeHelpers fakes = new FakeHelpers(tmp);
    Files.writeString(fakes.bin.resolve("docker-credential-noexec"), "#!/bin/sh\n");
    Files.createDirectories(fakes.bin.resolve("docker-credential-dir"));
    assertEquals(Optional.empty(), CredentialHelper.find("noexec", fakes.env(), TIMEOUT));
    assertEquals(Optional.empty(), CredentialHelper.find("dir", fakes.env(), TIMEOUT));
  }
}
