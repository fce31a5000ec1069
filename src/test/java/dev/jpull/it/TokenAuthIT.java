package dev.jpull.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TestImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real distribution registry with Bearer token auth ({@code auth.token}), its tokens issued by a token
 * server in this test: {@code public/} repositories are pullable anonymously, {@code private/} ones only by
 * bob. The images were pushed by a registry without auth over the same storage.
 */
class TokenAuthIT {
  static final String USER = "bob";
  static final String PASSWORD = "bob-Token-Pw-4Kx";
  static final String WRONG_PASSWORD = "not-bobs-Pw-8Rt";

  @TempDir
  static Path shared;

  static TokenServer tokens;
  static RegistryServer registry;
  static TestImage publicImage;
  static TestImage privateImage;
  static TestPki pki;
  static TokenServer tlsTokens;
  static RegistryServer tlsRegistry;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() throws Exception {
    RegistryServer.requireAvailable();
    Path storage = shared.resolve("storage");
    publicImage = Seed.standardImage();
    privateImage = TestImage.of(List.of(new dev.jpull.testing.TarBuilder().dir("etc")
        .file("etc/hostname", "private").build()), false);
    Seed.push(shared, storage, Map.of("public/app:1", publicImage, "private/app:1", privateImage));
    tokens = TokenServer.start(Map.of(USER, PASSWORD),
        (user, repo) -> repo.startsWith("public/") || (user.equals(USER) && repo.startsWith("private/")));
    Path bundle = tokens.writeRootCertBundle(shared.resolve("token-signer.crt"));
    registry = RegistryServer.builder(shared).name("token").storage(storage).yaml(tokens.registryYaml(bundle)).start();
    // The usual production shape: an HTTPS registry whose realm is HTTPS too, both under a private CA.
    pki = TestPki.create(shared.resolve("pki"));
    tlsTokens = TokenServer.startTls(Map.of(USER, PASSWORD), (user, repo) -> user.equals(USER), pki.serverContext());
    Path tlsBundle = tlsTokens.writeRootCertBundle(shared.resolve("tls-token-signer.crt"));
    tlsRegistry = RegistryServer.builder(shared).name("token-tls").storage(storage).tls(pki.serverCert, pki.serverKey)
        .yaml(tlsTokens.registryYaml(tlsBundle)).start();
  }

  @AfterAll
  static void stop() {
    if (tlsRegistry != null) {
      tlsRegistry.close();
    }
    if (tlsTokens != null) {
      tlsTokens.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (tokens != null) {
      tokens.close();
    }
  }

  @BeforeEach
  void forgetRequests() {
    tokens.requests.clear();
  }

  private String ref(String repo) {
    return registry.hostPort() + "/" + repo + ":1";
  }

  private JpullRun withConfig(String password) throws Exception {
    Path d = Files.createDirectories(dir.resolve("docker"));
    String auth = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    Files.writeString(d.resolve("config.json"),
        "{\"auths\":{\"" + registry.hostPort() + "\":{\"auth\":\"" + auth + "\"}}}");
    return JpullRun.in(dir).env("DOCKER_CONFIG", d.toString());
  }

  private String[] allSecrets(String... more) {
    List<String> all = new java.util.ArrayList<>(tokens.issued);
    all.addAll(List.of(more));
    // A JWT's signature alone is enough to forge nothing, but its presence would mean the token leaked.
    tokens.issued.forEach(t -> all.add(t.substring(t.lastIndexOf('.') + 1)));
    return all.toArray(String[]::new);
  }

  @Test
  void anonymousPullOfAPublicRepository() throws Exception {
    Path rootfs = dir.resolve("rootfs");
    JpullRun.Result r = JpullRun.in(dir).run("--debug", "--store", dir.resolve("s").toString(), "pull",
        "--plain-http", "--progress", "plain", "--rootfs", rootfs.toString(), ref("public/app"));
    assertEquals(0, r.exit(), r.toString());
    assertEquals("jpull", Files.readString(rootfs.resolve("etc/hostname")));
    assertFalse(tokens.requests.isEmpty(), "the registry demanded a token");
    assertTrue(tokens.requests.stream().allMatch(q -> q.user().isEmpty()), tokens.requests.toString());
    assertTrue(tokens.requests.stream().anyMatch(q -> q.scopes().contains("repository:public/app:pull")),
        tokens.requests.toString());
    r.assertAuthorizationRedacted("Bearer");
    r.assertNoSecrets(List.of(), allSecrets());
  }

  @Test
  void anonymousPullOfAPrivateRepositoryExits4() throws Exception {
    JpullRun.Result r = JpullRun.in(dir).run("--debug", "--store", dir.resolve("s").toString(), "pull",
        "--plain-http", ref("private/app"));
    assertEquals(4, r.exit(), r.toString());
    String line = r.errorLine();
    assertTrue(line.contains(registry.hostPort()) && line.contains("private/app"), line);
    assertTrue(line.contains("jpull login " + registry.hostPort()), line);
    assertEquals("", r.stdout());
    assertTrue(tokens.requests.stream().anyMatch(q -> q.user().isEmpty()
        && q.scopes().contains("repository:private/app:pull")), "an anonymous token was asked for (and granted "
        + "without the private scope): " + tokens.requests);
    r.assertNoSecrets(List.of(), allSecrets());
  }

  @Test
  void credentialsFromConfigJsonPullAPrivateRepository() throws Exception {
    Path rootfs = dir.resolve("rootfs");
    JpullRun.Result r = withConfig(PASSWORD).run("--debug", "--store", dir.resolve("s").toString(), "pull",
        "--plain-http", "--progress", "plain", "--rootfs", rootfs.toString(), ref("private/app"));
    assertEquals(0, r.exit(), r.toString());
    assertEquals("private", Files.readString(rootfs.resolve("etc/hostname")));
    assertTrue(r.stdout().strip().endsWith(ref("private/app")), r.toString());
    assertTrue(tokens.requests.stream().anyMatch(q -> q.user().equals(USER)
        && q.scopes().contains("repository:private/app:pull")), tokens.requests.toString());
    r.assertAuthorizationRedacted("Bearer");
    r.assertNoSecrets(List.of(USER), allSecrets(PASSWORD));
  }

  @Test
  void wrongPasswordExits4WithOneLine() throws Exception {
    JpullRun.Result r = withConfig(WRONG_PASSWORD).run("--debug", "--store", dir.resolve("s").toString(), "pull",
        "--plain-http", ref("private/app"));
    assertEquals(4, r.exit(), r.toString());
    String line = r.errorLine();
    assertTrue(line.contains(registry.hostPort()), line);
    assertTrue(tokens.requests.stream().anyMatch(q -> q.user().equals(USER)), "the token server refused bob: "
        + tokens.requests);
    r.assertNoSecrets(List.of(USER), allSecrets(WRONG_PASSWORD));
  }

  @Test
  void loginWithTokenAuthThenPull() throws Exception {
    Path d = Files.createDirectories(dir.resolve("docker"));
    JpullRun jpull = JpullRun.in(dir).env("DOCKER_CONFIG", d.toString());
    JpullRun.Result login = jpull.runWithStdin(PASSWORD, "--debug", "login", "--plain-http", "-u", USER,
        "--password-stdin", registry.hostPort());
    assertEquals(0, login.exit(), login.toString());
    login.assertNoSecrets(List.of(USER), allSecrets(PASSWORD));
    JpullRun.Result pull = jpull.run("--debug", "--store", dir.resolve("s").toString(), "pull", "--plain-http", "-q",
        ref("private/app"));
    assertEquals(0, pull.exit(), pull.toString());
    assertEquals(ref("private/app") + "@" + privateImage.manifestDigest, pull.stdout().strip());
    pull.assertNoSecrets(List.of(USER), allSecrets(PASSWORD));
  }

  @Test
  void httpsRegistryWithAnHttpsRealmTrustsTheCaCertForBoth() throws Exception {
    String ref = tlsRegistry.hostPort() + "/private/app:1";
    Path rootfs = dir.resolve("rootfs");
    JpullRun.Result r = JpullRun.in(dir).runWithStdin(PASSWORD, "--debug", "--store", dir.resolve("s").toString(),
        "pull", "--ca-cert", pki.caCert.toString(), "--username", USER, "--password-stdin",
        "--rootfs", rootfs.toString(), ref);
    assertEquals(0, r.exit(), r.toString());
    assertEquals("private", Files.readString(rootfs.resolve("etc/hostname")));
    assertTrue(tlsTokens.requests.stream().anyMatch(q -> q.user().equals(USER)), tlsTokens.requests.toString());
    r.assertAuthorizationRedacted("Bearer");
    List<String> secrets = new java.util.ArrayList<>(List.of(allSecrets(PASSWORD)));
    secrets.addAll(tlsTokens.issued);
    r.assertNoSecrets(List.of(USER), secrets.toArray(String[]::new));
  }
}
