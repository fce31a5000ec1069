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
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class DockerKeychainTest {
  private static final String PASS = "Pa55-w0rd-F1";

  @TempDir Path tmp;
  private Path home;
  private FakeHelpers fakes;
  private Map<String, String> env;
  private final List<String> warnings = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    home = Files.createDirectories(tmp.resolve("home"));
    fakes = new FakeHelpers(tmp);
    env = new HashMap<>(fakes.env());
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private Path dockerConfig(String json) throws Exception {
    Path p = home.resolve(".docker/config.json");
    Files.createDirectories(p.getParent());
    // 0600 as docker writes it, so that only the test about it sees the "readable by others" warning.
    Files.writeString(p, json);
    Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return p;
  }

  private DockerKeychain keychain() {
    return DockerKeychain.fromEnvironment(env, home, warnings::add);
  }

  private static String auths(String... keysAndUsers) {
    StringBuilder b = new StringBuilder("{\"auths\":{");
    for (int i = 0; i < keysAndUsers.length; i += 2) {
      b.append(i == 0 ? "" : ",").append('"').append(keysAndUsers[i]).append("\":{\"auth\":\"")
          .append(b64(keysAndUsers[i + 1] + ":" + PASS)).append("\"}");
    }
    return b.append("}}").toString();
  }

  /** HOSTILE-INPUTS F1: keys match host and port exactly; docker.io uses docker's index key. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(nullValues = "ANONYMOUS", value = {
      "registry.test, plain",
      "registry.test.evil.test, ANONYMOUS",
      "evil.test, ANONYMOUS",
      "registry.test:5000, ANONYMOUS",
      "registry.tes, ANONYMOUS",
      "test, ANONYMOUS",
      "docker.io, hub",
      "index.docker.io, hub",
      "registry-1.docker.io, hub",
      "other.test:443, urlport",
      "other.test, ANONYMOUS",
      "REGISTRY.TEST, plain",
  })
  void hostMatching(String registry, String expectedUser) throws Exception {
    dockerConfig(auths("registry.test", "plain", "https://registry.test/v2/", "v2url",
        "https://index.docker.io/v1/", "hub", "https://other.test:443/v2/", "urlport"));
    Optional<Credentials> c = keychain().lookup(registry);
    assertEquals(Optional.ofNullable(expectedUser), c.map(Credentials::username));
  }

  @ParameterizedTest(name = "key {0}")
  @CsvSource({"https://registry.test/v2/", "http://registry.test", "registry.test/some/path", "https://u@registry.test"})
  void urlFormsOfTheKeyMatchTheHost(String key) throws Exception {
    dockerConfig(auths(key, "alice"));
    assertEquals("alice", keychain().lookup("registry.test").orElseThrow().username());
    assertEquals(Optional.empty(), keychain().lookup("registry.test:5000"));
  }

  @ParameterizedTest(name = "docker hub key {0}")
  @CsvSource({"https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"})
  void dockerHubKeys(String key) throws Exception {
    dockerConfig(auths(key, "hubber"));
    assertEquals("hubber", keychain().lookup("docker.io").orElseThrow().username());
  }

  static Stream<Arguments> authFields() {
    return Stream.of(
        Arguments.of("split on the first colon", "\"auth\":\"" + b64("user:pa:ss") + "\"", "user", "pa:ss", null),
        Arguments.of("empty auth is anonymous", "\"auth\":\"\"", null, null, null),
        Arguments.of("missing auth is anonymous", "\"email\":\"a@b.test\"", null, null, null),
        Arguments.of("empty user and password is anonymous", "\"auth\":\"" + b64(":") + "\"", null, null, null),
        Arguments.of("unpadded base64", "\"auth\":\"" + b64("ab:c").replace("=", "") + "\"", "ab", "c", null),
        Arguments.of("NUL padded password", "\"auth\":\"" + b64("u:p\0\0") + "\"", "u", "p", null),
        Arguments.of("username and password fields", "\"username\":\"u\",\"password\":\"p\"", "u", "p", null),
        Arguments.of("identity token", "\"auth\":\"" + b64("u:x") + "\",\"identitytoken\":\"R3FR35H\"", "u", "", "R3FR35H"),
        Arguments.of("identity token alone", "\"identitytoken\":\"R3FR35H\"", "", "", "R3FR35H"));
  }

  /** HOSTILE-INPUTS F3 and F4 (well-formed half). */
  @ParameterizedTest(name = "{0}")
  @MethodSource("authFields")
  void authEntries(String name, String fields, String user, String password, String token) throws Exception {
    dockerConfig("{\"auths\":{\"registry.test\":{" + fields + "}}}");
    Optional<Credentials> c = keychain().lookup("registry.test");
    if (user == null) {
      assertEquals(Optional.empty(), c);
    } else {
      assertEquals(new Credentials(user, password, token), c.orElseThrow());
    }
  }

  static Stream<Arguments> malformedAuth() {
    return Stream.of(
        Arguments.of("not base64", "!!!notbase64", "not valid base64"),
        Arguments.of("no colon", b64("nocolon"), "no colon"),
        Arguments.of("not UTF-8", Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, ':', 'x'}), "UTF-8"));
  }

  /** HOSTILE-INPUTS F3: exit 4 naming the config file and host, never the value. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedAuth")
  void malformedAuthIsUnauthorizedWithoutTheValue(String name, String auth, String why) throws Exception {
    Path config = dockerConfig("{\"auths\":{\"registry.test\":{\"auth\":\"" + auth + "\"}}}");
    JpullException e = assertThrows(JpullException.class, () -> keychain().lookup("registry.test"));
    assertEquals(Kind.UNAUTHORIZED, e.kind());
    String all = e.getMessage() + " " + e.hint() + " " + e.getCause();
    assertTrue(all.contains(config.toString()) && all.contains("registry.test") && all.contains(why), all);
    assertFalse(all.contains(auth) || all.contains("nocolon") || all.contains("notbase64"), all);
  }

  /**
   * Issue 16: a malformed ~/.docker/config.json made a pull from an anonymous registry fail with exit 4. The
   * file as a whole is now one warning naming it (never a value), then the next source, then anonymous.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "truncated JSON | {\"auths\":{\"registry.test\":{\"auth\":\"c2VjcmV0",
      "duplicate keys | {\"auths\":{},\"auths\":{}}",
      "trailing tokens | {} {\"auth\":\"c2VjcmV0\"}",
      "not an object | [\"c2VjcmV0\"]",
      "auths not an object | {\"auths\":\"c2VjcmV0\"}",
  })
  void malformedConfigFileIsOneWarningThenAnonymous(String name, String json) throws Exception {
    Path config = dockerConfig(json);
    DockerKeychain k = keychain();
    assertEquals(Optional.empty(), k.lookup("registry.test"));
    assertEquals(Optional.empty(), k.lookup("other.test"));
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(config.toString()), warnings.get(0));
    assertFalse(warnings.get(0).contains("c2VjcmV0"), warnings.get(0));
  }

  @Test
  void malformedConfigFileFallsThroughToTheNextSource() throws Exception {
    dockerConfig("{\"auths\":");
    Path user = Files.createDirectories(home.resolve(".config/containers")).resolve("auth.json");
    Files.writeString(user, auths("registry.test", "fromauthjson"));
    Files.setPosixFilePermissions(user, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertEquals("fromauthjson", keychain().lookup("registry.test").orElseThrow().username());
    assertEquals(1, warnings.size(), warnings.toString());
  }

  @Test
  void oversizedFileIsOneWarning() throws Exception {
    dockerConfig("{\"x\":\"" + "a".repeat(AuthFile.MAX_BYTES) + "\"}");
    assertEquals(Optional.empty(), keychain().lookup("registry.test"));
    assertTrue(warnings.get(0).contains("larger than"), warnings.toString());
  }

  @Test
  void dockerAuthConfigVariableComesBeforeTheDockerConfigFile() throws Exception {
    dockerConfig(auths("registry.test", "fromfile", "other.test", "fromfile"));
    env.put("DOCKER_AUTH_CONFIG", auths("registry.test", "fromvariable"));
    DockerKeychain k = keychain();
    assertEquals("fromvariable", k.lookup("registry.test").orElseThrow().username());
    assertEquals("$DOCKER_AUTH_CONFIG (auths)", k.answer("registry.test").orElseThrow().source());
    assertEquals("fromfile", k.lookup("other.test").orElseThrow().username());
    assertEquals(List.of(), warnings);
  }

  @Test
  void malformedDockerAuthConfigIsOneWarningWithoutItsText() throws Exception {
    env.put("DOCKER_AUTH_CONFIG", "{\"auths\":{\"registry.test\":{\"auth\":\"c2VjcmV0\"");
    assertEquals(Optional.empty(), keychain().lookup("registry.test"));
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).contains("$DOCKER_AUTH_CONFIG"), warnings.get(0));
    assertFalse(warnings.get(0).contains("c2VjcmV0"), warnings.get(0));
  }

  @Test
  void authFileReplacesTheWholeSearch() throws Exception {
    dockerConfig(auths("registry.test", "fromdocker", "other.test", "fromdocker"));
    env.put("DOCKER_AUTH_CONFIG", auths("registry.test", "fromvariable"));
    Path chosen = Files.writeString(tmp.resolve("chosen.json"), auths("registry.test", "fromauthfile"));
    DockerKeychain k = keychain().withAuthFile(chosen);
    assertEquals("fromauthfile", k.lookup("registry.test").orElseThrow().username());
    assertEquals(Optional.empty(), k.lookup("other.test"));
    assertEquals(List.of(chosen), k.files());
  }

  @Test
  void malformedAuthFileNamedOnTheCommandLineIsAnError() throws Exception {
    Path chosen = Files.writeString(tmp.resolve("chosen.json"), "{\"auths\":");
    JpullException e = assertThrows(JpullException.class,
        () -> keychain().withAuthFile(chosen).lookup("registry.test"));
    assertEquals(Kind.UNAUTHORIZED, e.kind());
    assertTrue(e.getMessage().contains(chosen.toString()), e.getMessage());
  }

  /** Issue 16: docker-config credentials readable by others drew no warning. */
  @Test
  void credentialsReadableByOthersAreOneWarning() throws Exception {
    Path config = dockerConfig(auths("registry.test", "alice", "other.test", "bob"));
    Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    DockerKeychain k = keychain();
    k.lookup("registry.test");
    k.lookup("other.test");
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(config + " is readable by other users") && warnings.get(0).contains("chmod 600"),
        warnings.get(0));
    assertFalse(warnings.get(0).contains(PASS));
  }

  @Test
  void privateCredentialsFileDrawsNoWarning() throws Exception {
    Path config = dockerConfig(auths("registry.test", "alice"));
    Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    keychain().lookup("registry.test");
    assertEquals(List.of(), warnings);
  }

  @Test
  void answerNamesEachSourceInTheContractOrder() throws Exception {
    fakes.working("perhost", "fromhelper");
    dockerConfig("{\"credHelpers\":{\"a.test\":\"perhost\"}," + auths("b.test", "fromauths").substring(1));
    Path config = home.resolve(".docker/config.json");
    DockerKeychain k = keychain();
    assertEquals(config + " (credHelpers: docker-credential-perhost)", k.answer("a.test").orElseThrow().source());
    assertEquals(config + " (auths)", k.answer("b.test").orElseThrow().source());
    assertEquals("--username and --password-stdin",
        k.withExplicit("b.test", Credentials.basic("cli", "x")).answer("b.test").orElseThrow().source());
    assertEquals(Optional.empty(), k.answer("c.test"));
  }

  @Test
  void emptyFileIsAnEmptyConfig() throws Exception {
    dockerConfig("  \n");
    assertEquals(Optional.empty(), keychain().lookup("registry.test"));
  }

  @Test
  void lookupOrderExplicitThenCredHelpersThenCredsStoreThenAuths() throws Exception {
    fakes.working("perhost", "fromhelper");
    fakes.working("store", "fromstore");
    dockerConfig("{\"credHelpers\":{\"a.test\":\"perhost\"},\"credsStore\":\"store\","
        + auths("a.test", "fromauths", "b.test", "fromauths", "c.test", "fromauths").substring(1));
    DockerKeychain k = keychain().withExplicit("a.test", Credentials.basic("cli", "x"));
    assertEquals("cli", k.lookup("a.test").orElseThrow().username());
    assertEquals("fromhelper", keychain().lookup("a.test").orElseThrow().username());
    assertEquals("a.test", fakes.stdinOf("perhost", "get"));
    assertEquals("fromstore", k.lookup("b.test").orElseThrow().username());
    assertEquals("b.test", fakes.stdinOf("store", "get"));
    assertEquals("fromstore", k.lookup("docker.io").orElseThrow().username());
    assertEquals("https://index.docker.io/v1/", fakes.stdinOf("store", "get"));
    fakes.helper("store", "cat >/dev/null; echo 'credentials not found in native keychain'; exit 1");
    assertEquals("fromauths", k.lookup("c.test").orElseThrow().username());
    assertEquals(Optional.empty(), k.lookup("d.test"));
  }

  @Test
  void explicitCredentialsApplyOnlyToTheirRegistry() throws Exception {
    DockerKeychain k = keychain().withExplicit("docker.io", Credentials.basic("cli", "x"));
    assertEquals("cli", k.lookup("registry-1.docker.io").orElseThrow().username());
    assertEquals(Optional.empty(), k.lookup("evil.test"));
  }

  /** HOSTILE-INPUTS F2 / CVE-2021-41092: a helper configured for the host that cannot run is an error. */
  @Test
  void missingPerHostHelperIsAnErrorAndNothingElseIsTried() throws Exception {
    dockerConfig("{\"credHelpers\":{\"registry.test\":\"nonexistent\"}," + auths("registry.test", "leak").substring(1));
    JpullException e = assertThrows(JpullException.class, () -> keychain().lookup("registry.test"));
    assertEquals(Kind.UNAUTHORIZED, e.kind());
    assertTrue(e.getMessage().contains("credential helper docker-credential-nonexistent not found"), e.getMessage());
    assertEquals(Optional.empty(), keychain().lookup("docker.io"));
  }

  @Test
  void missingCredsStoreWarnsAndIsAnonymous() throws Exception {
    dockerConfig("{\"credsStore\":\"nonexistent\"," + auths("registry.test", "leak").substring(1));
    assertEquals(Optional.empty(), keychain().lookup("registry.test"));
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).contains("docker-credential-nonexistent"), warnings.get(0));
  }

  @Test
  void authJsonLocationsInOrderAfterDockerConfig() throws Exception {
    Path regAuth = Files.writeString(tmp.resolve("reg-auth.json"), auths("a.test", "regfile", "b.test", "regfile"));
    Path runtime = Files.createDirectories(tmp.resolve("run/containers")).resolve("auth.json");
    Files.writeString(runtime, auths("b.test", "runtime", "c.test", "runtime", "d.test", "runtime"));
    Path user = Files.createDirectories(home.resolve(".config/containers")).resolve("auth.json");
    Files.writeString(user, auths("c.test", "userfile", "e.test", "userfile"));
    dockerConfig(auths("a.test", "docker", "d.test", "docker"));
    env.put("REGISTRY_AUTH_FILE", regAuth.toString());
    env.put("XDG_RUNTIME_DIR", tmp.resolve("run").toString());
    DockerKeychain k = keychain();
    assertEquals(List.of(home.resolve(".docker/config.json"), regAuth, runtime, user), k.files());
    Map<String, String> expected = Map.of("a.test", "docker", "b.test", "regfile", "c.test", "runtime",
        "d.test", "docker", "e.test", "userfile");
    for (Map.Entry<String, String> e : expected.entrySet()) {
      assertEquals(e.getValue(), k.lookup(e.getKey()).orElseThrow().username(), e.getKey());
    }
  }

  @Test
  void dockerConfigEnvironmentVariable() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("dc"));
    Files.writeString(dir.resolve("config.json"), auths("registry.test", "fromenv"));
    dockerConfig(auths("registry.test", "fromhome"));
    env.put("DOCKER_CONFIG", dir.toString());
    assertEquals("fromenv", keychain().lookup("registry.test").orElseThrow().username());
  }

  @Test
  void credentialsNeverPrintTheirSecret() throws Exception {
    dockerConfig(auths("registry.test", "alice"));
    Credentials c = keychain().lookup("registry.test").orElseThrow();
    assertEquals(PASS, c.password());
    assertFalse(c.toString().contains(PASS));
  }
}
