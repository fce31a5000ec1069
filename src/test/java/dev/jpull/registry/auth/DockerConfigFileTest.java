package dev.jpull.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DockerConfigFileTest {
  private static final String OTHER_KEYS = "{\"psFormat\":\"table {{.ID}}\",\"proxies\":{\"default\":{\"httpProxy\":\"http://p\"}},"
      + "\"auths\":{\"keep.test\":{\"auth\":\"" + b64("k:v") + "\"}},\"plugins\":[1,2,3]}";

  @TempDir Path tmp;
  private Path home;
  private FakeHelpers fakes;
  private Map<String, String> env;

  @BeforeEach
  void setUp() throws Exception {
    home = Files.createDirectories(tmp.resolve("home"));
    fakes = new FakeHelpers(tmp);
    env = new HashMap<>(fakes.env());
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private DockerConfigFile file() {
    return DockerConfigFile.fromEnvironment(env, home);
  }

  private DockerKeychain keychain() {
    return DockerKeychain.fromEnvironment(env, home, w -> { });
  }

  private Path config(String json) throws Exception {
    Path p = home.resolve(".docker/config.json");
    Files.createDirectories(p.getParent());
    return Files.writeString(p, json);
  }

  private JsonNode tree() throws Exception {
    return Json.MAPPER.readTree(Files.readString(file().path()));
  }

  private void assertOtherKeysKept(JsonNode t) {
    assertEquals("table {{.ID}}", t.get("psFormat").asText());
    assertEquals("http://p", t.at("/proxies/default/httpProxy").asText());
    assertEquals(3, t.get("plugins").size());
    assertEquals(b64("k:v"), t.at("/auths/keep.test/auth").asText());
  }

  @ParameterizedTest(name = "{0} stored under {1}")
  @CsvSource({"registry.test, registry.test", "registry.test:5000, registry.test:5000",
      "docker.io, https://index.docker.io/v1/", "registry-1.docker.io, https://index.docker.io/v1/"})
  void storeWritesAuthsKeepingOtherKeys(String registry, String key) throws Exception {
    config(OTHER_KEYS);
    file().store(registry, Credentials.basic("alice", "pw:1"));
    JsonNode t = tree();
    assertOtherKeysKept(t);
    assertEquals(b64("alice:pw:1"), t.get("auths").get(key).get("auth").asText());
    assertEquals(Credentials.basic("alice", "pw:1"), keychain().lookup(registry).orElseThrow());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file().path())));
    try (Stream<Path> s = Files.list(file().path().getParent())) {
      assertEquals(List.of(file().path()), s.toList(), "temp files left behind");
    }
  }

  @Test
  void storeCreatesPrivateDirectoryAndFile() throws Exception {
    env.put("DOCKER_CONFIG", tmp.resolve("new/dir").toString());
    file().store("registry.test", Credentials.basic("a", "b"));
    Path p = tmp.resolve("new/dir/config.json");
    assertEquals(p, file().path());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p.getParent())));
  }

  @Test
  void storeReplacesModeOfAWorldReadableFile() throws Exception {
    Path p = config(OTHER_KEYS);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    file().store("registry.test", Credentials.basic("a", "b"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
  }

  @Test
  void storeIdentityToken() throws Exception {
    file().store("registry.test", new Credentials("alice", "", "R3FR35H"));
    assertEquals("R3FR35H", tree().at("/auths/registry.test/identitytoken").asText());
    assertEquals(new Credentials("alice", "", "R3FR35H"), keychain().lookup("registry.test").orElseThrow());
  }

  @Test
  void storeThroughCredHelperLeavesNoSecretInTheFile() throws Exception {
    fakes.working("test", "alice");
    config("{\"credHelpers\":{\"registry.test\":\"test\"},\"credsStore\":\"other\",\"psFormat\":\"x\"}");
    file().store("registry.test", Credentials.basic("bob", "S3CR3T"));
    assertEquals("{\"ServerURL\":\"registry.test\",\"Username\":\"bob\",\"Secret\":\"S3CR3T\"}", fakes.stdinOf("test", "store"));
    String text = Files.readString(file().path());
    assertFalse(text.contains("S3CR3T") || text.contains(b64("bob:S3CR3T")), text);
    JsonNode t = tree();
    assertEquals(0, t.at("/auths/registry.test").size(), "docker writes an empty auths entry");
    assertEquals("x", t.get("psFormat").asText());
  }

  @Test
  void storeThroughCredsStoreUsesDockerHubKey() throws Exception {
    fakes.working("desk", "alice");
    config("{\"credsStore\":\"desk\"}");
    file().store("docker.io", Credentials.basic("bob", "S3CR3T"));
    assertTrue(fakes.stdinOf("desk", "store").contains("\"ServerURL\":\"https://index.docker.io/v1/\""));
    assertTrue(tree().at("/auths").has("https://index.docker.io/v1/"));
  }

  /** HOSTILE-INPUTS F2: login with a broken helper fails and writes the secret nowhere (CVE-2021-41092). */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "credsStore | {\"credsStore\":\"nonexistent\"}",
      "credHelpers | {\"credHelpers\":{\"registry.test\":\"nonexistent\"}}",
  })
  void storeWithMissingHelperFailsAndWritesNothing(String name, String json) throws Exception {
    Path p = config(json);
    JpullException e = assertThrows(JpullException.class,
        () -> file().store("registry.test", Credentials.basic("bob", "S3CR3T")));
    assertEquals(Kind.UNAUTHORIZED, e.kind());
    assertTrue(e.getMessage().contains("docker-credential-nonexistent not found"), e.getMessage());
    assertEquals(json, Files.readString(p));
  }

  @Test
  void storeWithFailingHelperFails() throws Exception {
    fakes.helper("broken", "cat >/dev/null; echo S3CR3T >&2; exit 1");
    config("{\"credsStore\":\"broken\"}");
    JpullException e = assertThrows(JpullException.class,
        () -> file().store("registry.test", Credentials.basic("bob", "S3CR3T")));
    assertFalse(e.getMessage().contains("S3CR3T"));
    assertFalse(Files.readString(file().path()).contains("auth\""));
  }

  @Test
  void removeOnlyThatKey() throws Exception {
    config(OTHER_KEYS);
    file().store("registry.test", Credentials.basic("a", "b"));
    assertTrue(file().remove("registry.test"));
    JsonNode t = tree();
    assertOtherKeysKept(t);
    assertFalse(t.get("auths").has("registry.test"));
    assertFalse(file().remove("registry.test"), "second logout removes nothing");
    assertFalse(file().remove("keep.test:5000"));
    assertOtherKeysKept(tree());
  }

  @Test
  void removeAlsoDropsSchemeVariantsButNotOtherHosts() throws Exception {
    config("{\"auths\":{\"https://registry.test\":{},\"http://registry.test\":{},\"registry.test.evil.test\":{}}}");
    assertTrue(file().remove("registry.test"));
    assertEquals(List.of("registry.test.evil.test"), tree().get("auths").properties().stream().map(Map.Entry::getKey).toList());
  }

  @Test
  void removeThroughHelperErases() throws Exception {
    fakes.working("test", "alice");
    config("{\"credHelpers\":{\"registry.test\":\"test\"}}");
    file().store("registry.test", Credentials.basic("bob", "x"));
    assertTrue(file().remove("registry.test"));
    assertEquals("registry.test", fakes.stdinOf("test", "erase"));
    assertFalse(tree().get("auths").has("registry.test"));
    assertEquals(java.util.Optional.empty(), keychain().lookup("registry.test"));
  }

  @Test
  void removeFromMissingFileIsFalseAndCreatesNothing() throws Exception {
    assertFalse(file().remove("registry.test"));
    assertFalse(Files.exists(file().path()));
  }

  @Test
  void symlinkedConfigIsUpdatedWhereItPoints() throws Exception {
    Path real = Files.writeString(tmp.resolve("dotfiles-config.json"), OTHER_KEYS);
    Files.createDirectories(home.resolve(".docker"));
    Files.createSymbolicLink(home.resolve(".docker/config.json"), real);
    file().store("registry.test", Credentials.basic("a", "b"));
    assertTrue(Files.isSymbolicLink(home.resolve(".docker/config.json")));
    assertTrue(Files.readString(real).contains(b64("a:b")));
  }

  @Test
  void malformedFileIsNotOverwritten() throws Exception {
    Path p = config("{\"auths\": {");
    assertThrows(JpullException.class, () -> file().store("registry.test", Credentials.basic("a", "b")));
    assertEquals("{\"auths\": {", Files.readString(p));
  }
}
