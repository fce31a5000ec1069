package dev.jpull.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TestImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The credential conventions CI systems use, against a real htpasswd registry (plain HTTP on loopback, where
 * credentials may go): {@code DOCKER_AUTH_CONFIG} alone, {@code --authfile}, the contract's precedence order
 * (each step proved by a wrong password in the source after it), a malformed and a world-readable credentials
 * file, and {@code jpull login --status}.
 */
class AuthConventionsIT {
  private static final String USER = TlsBasicAuthIT.USER;
  private static final String PASSWORD = TlsBasicAuthIT.PASSWORD;
  private static final String WRONG = TlsBasicAuthIT.WRONG_PASSWORD;
  private static final String REPO = "private/app";

  @TempDir
  static Path shared;

  static RegistryServer registry;
  static TestImage image;

  @TempDir
  Path dir;

  @BeforeAll
  static void startRegistry() throws Exception {
    RegistryServer.requireAvailable();
    Path storage = shared.resolve("storage");
    image = Seed.standardImage();
    Seed.push(shared, storage, Map.of(REPO + ":1", image));
    Path htpasswd = Files.writeString(shared.resolve("htpasswd"), USER + ":" + TlsBasicAuthIT.BCRYPT + "\n");
    registry = RegistryServer.builder(shared).name("auth-conventions").storage(storage)
        .yaml("""
            auth:
              htpasswd:
                realm: jpull-it
                path: %s
            """.formatted(htpasswd)).start();
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  private String ref() {
    return registry.hostPort() + "/" + REPO + ":1";
  }

  private String auths(String password) {
    String auth = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    return "{\"auths\":{\"" + registry.hostPort() + "\":{\"auth\":\"" + auth + "\"}}}";
  }

  /** A private file holding {@code json} (0600, as docker and podman write them). */
  private Path file(String name, String json) throws Exception {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, json);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    return p;
  }

  /** A runner whose docker config directory holds {@code json} as config.json. */
  private JpullRun withDockerConfig(String json) throws Exception {
    Path config = file("docker/config.json", json);
    return JpullRun.in(dir).env("DOCKER_CONFIG", config.getParent().toString());
  }

  private JpullRun.Result pull(JpullRun jpull, String... extra) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("--debug", "--store", dir.resolve("s").toString(),
        "pull", "--no-unpack", "--progress", "plain", "--plain-http"));
    args.addAll(List.of(extra));
    args.add(ref());
    return jpull.run(args.toArray(String[]::new));
  }

  @Test
  void dockerAuthConfigAloneAuthenticates() throws Exception {
    JpullRun.Result r = pull(JpullRun.in(dir).env("DOCKER_AUTH_CONFIG", auths(PASSWORD)));
    assertEquals(0, r.exit(), r.toString());
    r.assertNoSecrets(List.of(USER), PASSWORD);
    assertFalse(r.output().contains(auths(PASSWORD)), "the variable's value was printed:\n" + r);
  }

  @Test
  void anonymousWithoutAnySourceIsRefusedWithTheLoginHint() throws Exception {
    JpullRun.Result r = pull(JpullRun.in(dir));
    assertEquals(4, r.exit(), r.toString());
  }

  @Test
  void dockerAuthConfigComesBeforeTheDockerConfigFile() throws Exception {
    JpullRun.Result r = pull(withDockerConfig(auths(PASSWORD)).env("DOCKER_AUTH_CONFIG", auths(WRONG)));
    assertEquals(4, r.exit(), "the wrong password in DOCKER_AUTH_CONFIG must be the one used:\n" + r);
    JpullRun.Result ok = pull(withDockerConfig(auths(WRONG)).env("DOCKER_AUTH_CONFIG", auths(PASSWORD)));
    assertEquals(0, ok.exit(), ok.toString());
  }

  @Test
  void authFileReplacesTheWholeSearch() throws Exception {
    Path authFile = file("auth.json", auths(PASSWORD));
    JpullRun jpull = withDockerConfig(auths(WRONG)).env("DOCKER_AUTH_CONFIG", auths(WRONG));
    JpullRun.Result r = pull(jpull, "--authfile", authFile.toString());
    assertEquals(0, r.exit(), r.toString());
    JpullRun.Result missing = pull(jpull, "--authfile", dir.resolve("nope.json").toString());
    assertEquals(2, missing.exit(), missing.toString());
    assertTrue(missing.errorLine().contains("--authfile " + dir.resolve("nope.json") + ": no such file"),
        missing.toString());
  }

  @Test
  void commandLineCredentialsComeBeforeTheAuthFile() throws Exception {
    Path authFile = file("auth.json", auths(WRONG));
    JpullRun.Result r = JpullRun.in(dir).runWithStdin(PASSWORD + "\n", "--store", dir.resolve("s").toString(),
        "pull", "--no-unpack", "--progress", "plain", "--plain-http", "--authfile", authFile.toString(),
        "-u", USER, "--password-stdin", ref());
    assertEquals(0, r.exit(), r.toString());
  }

  /** Issue 16: a malformed ~/.docker/config.json made the pull fail with exit 4; now it is one warning. */
  @Test
  void malformedDockerConfigIsOneWarningThenTheNextSource() throws Exception {
    Path authJson = file("containers/auth.json", auths(PASSWORD));
    JpullRun jpull = withDockerConfig("{\"auths\":{\"" + registry.hostPort() + "\":")
        .env("REGISTRY_AUTH_FILE", authJson.toString());
    JpullRun.Result r = pull(jpull);
    assertEquals(0, r.exit(), r.toString());
    Path config = dir.resolve("docker/config.json");
    long warnings = r.stderr().lines().filter(l -> l.contains("read credentials file " + config)).count();
    assertEquals(1, warnings, r.toString());
  }

  /** Issue 16: docker-config credentials readable by others drew no warning. */
  @Test
  void credentialsReadableByOthersAreOneWarning() throws Exception {
    JpullRun jpull = withDockerConfig(auths(PASSWORD));
    Path config = dir.resolve("docker/config.json");
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
    JpullRun.Result r = pull(jpull);
    assertEquals(0, r.exit(), r.toString());
    long warnings = r.stderr().lines().filter(l -> l.contains(config + " is readable by other users")).count();
    assertEquals(1, warnings, r.toString());
    r.assertNoSecrets(List.of(USER), PASSWORD);
  }

  @Test
  void loginStatusNamesTheSourceNeverTheSecret() throws Exception {
    int logBefore = registry.log().length();
    JpullRun.Result fromVariable = JpullRun.in(dir).env("DOCKER_AUTH_CONFIG", auths(PASSWORD))
        .run("login", "--status", registry.hostPort());
    assertEquals(0, fromVariable.exit(), fromVariable.toString());
    assertEquals(registry.hostPort() + ": user \"" + USER + "\" from $DOCKER_AUTH_CONFIG (auths)",
        fromVariable.stdout().strip(), fromVariable.toString());
    JpullRun.Result fromFile = withDockerConfig(auths(PASSWORD)).run("login", "--status", registry.hostPort());
    assertEquals(registry.hostPort() + ": user \"" + USER + "\" from " + dir.resolve("docker/config.json") + " (auths)",
        fromFile.stdout().strip(), fromFile.toString());
    JpullRun.Result none = JpullRun.in(dir).run("login", "--status", registry.hostPort());
    assertEquals(0, none.exit(), none.toString());
    assertTrue(none.stdout().startsWith(registry.hostPort() + ": no credentials (anonymous); searched "),
        none.toString());
    for (JpullRun.Result r : List.of(fromVariable, fromFile, none)) {
      assertFalse(r.output().contains(PASSWORD), r.toString());
    }
    assertFalse(registry.log().substring(logBefore).contains("/v2/"), "login --status must not contact the registry");
  }
}
