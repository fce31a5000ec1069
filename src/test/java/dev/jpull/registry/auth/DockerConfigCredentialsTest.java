package dev.jpull.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DockerConfigCredentialsTest {
  @TempDir
  Path home;

  private DockerConfigCredentials source(String configJson, String path) throws Exception {
    Files.createDirectories(home.resolve(".docker"));
    Files.writeString(home.resolve(".docker/config.json"), configJson);
    return new DockerConfigCredentials(null, Map.of("PATH", path), home);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "registry.test, true",
      "registry.test.evil.test, false",
      "registry.test:5000, false",
      "evil.test, false",
  })
  void hostMatching(String registry, boolean found) throws Exception {
    DockerConfigCredentials c = source("{\"auths\":{\"https://registry.test/v2/\":{\"auth\":\"" + b64("u:p") + "\"}}}", "");
    assertEquals(found, c.lookup(registry).isPresent());
  }

  @Test
  void dockerHubUsesTheIndexKeyAndSplitsOnTheFirstColon() throws Exception {
    DockerConfigCredentials c = source("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("user:pa:ss")
        + "\"}}}", "");
    Credentials cred = c.lookup("docker.io").orElseThrow();
    assertEquals("user", cred.username());
    assertEquals("pa:ss", cred.password());
    assertFalse(cred.toString().contains("pa:ss"));
  }

  @Test
  void malformedAuthNamesTheFileNotTheValue() throws Exception {
    DockerConfigCredentials c = source("{\"auths\":{\"registry.test\":{\"auth\":\"!!!notbase64\"}}}", "");
    JpullException e = assertThrows(JpullException.class, () -> c.lookup("registry.test"));
    assertEquals(Kind.UNAUTHORIZED, e.kind());
    assertTrue(e.getMessage().contains("config.json") && !e.getMessage().contains("notbase64"), e.getMessage());
  }

  private Path helper(String name, String script) throws Exception {
    Path bin = Files.createDirectories(home.resolve("bin"));
    Path h = bin.resolve("docker-credential-" + name);
    Files.writeString(h, "#!/bin/sh\n" + script);
    Files.setPosixFilePermissions(h, PosixFilePermissions.fromString("rwxr-xr-x"));
    return bin;
  }

  @Test
  void credHelpersWinAndReceiveTheServerUrl() throws Exception {
    Path bin = helper("test", "read url; echo \"{\\\"ServerURL\\\":\\\"$url\\\",\\\"Username\\\":\\\"$url-user\\\","
        + "\\\"Secret\\\":\\\"s3cret\\\"}\"\n");
    DockerConfigCredentials c = source("{\"credHelpers\":{\"registry.test\":\"test\"},\"auths\":{\"registry.test\":"
        + "{\"auth\":\"" + b64("other:x") + "\"}}}", bin.toString());
    Credentials cred = c.lookup("registry.test").orElseThrow();
    assertEquals("registry.test-user", cred.username());
    assertEquals("s3cret", cred.password());
  }

  @Test
  void notFoundMeansAnonymousAndCrashIsAnError() throws Exception {
    Path bin = helper("none", "echo 'credentials not found in native keychain'; exit 1\n");
    assertEquals(Optional.empty(), source("{\"credsStore\":\"none\"}", bin.toString()).lookup("registry.test"));
    Path bin2 = helper("crash", "echo secret-on-stderr >&2; exit 3\n");
    JpullException e = assertThrows(JpullException.class,
        () -> source("{\"credsStore\":\"crash\"}", bin2.toString()).lookup("registry.test"));
    assertEquals(Kind.UNAUTHORIZED, e.kind());
    assertFalse(e.getMessage().contains("secret-on-stderr"));
  }

  @Test
  void helpersAreFoundOnAbsolutePathEntriesOnlyAndNamesAreValidated() throws Exception {
    helper("rel", "echo '{\"Username\":\"u\",\"Secret\":\"s\"}'\n");
    JpullException missing = assertThrows(JpullException.class,
        () -> source("{\"credsStore\":\"rel\"}", "bin").lookup("registry.test"));
    assertTrue(missing.getMessage().contains("not found on PATH"), missing.getMessage());
    Path marker = home.resolve("marker");
    JpullException bad = assertThrows(JpullException.class,
        () -> source("{\"credsStore\":\"../../x\"}", "/usr/bin").lookup("registry.test"));
    assertEquals(Kind.UNAUTHORIZED, bad.kind());
    assertFalse(Files.exists(marker));
  }
}
