package dev.jpull.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Json;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real distribution registry with htpasswd (bcrypt) Basic auth over TLS, its certificate issued by a CA
 * this test makes: trust through {@code --ca-cert} or a certs.d directory, credentials through config.json,
 * {@code --password-stdin}, {@code jpull login}/{@code logout} and a credential helper on PATH.
 */
class TlsBasicAuthIT {
  static final String USER = "alice";
  static final String PASSWORD = "alice-Htpasswd-7Qz";
  /**
   * bcrypt (cost 5) of {@link #PASSWORD}, computed once with
   * {@code python3 -c 'import crypt; print(crypt.crypt("alice-Htpasswd-7Qz", "$2b$05$abcdefghijklmnopqrstuu"))'}
   * (glibc/libxcrypt bcrypt); no htpasswd binary is needed. The registry accepts only bcrypt entries.
   */
  static final String BCRYPT = "$2b$05$abcdefghijklmnopqrstuuYvRFD4kQvAMYMsux2KCKfGV3nFxtILC";
  static final String WRONG_PASSWORD = "not-alices-Pw-3Mv";
  static final String REPO = "private/app";

  @TempDir
  static Path shared;

  static TestPki pki;
  static RegistryServer registry;
  static TestImage image;

  @TempDir
  Path dir;

  @BeforeAll
  static void startRegistry() throws Exception {
    RegistryServer.requireAvailable();
    pki = TestPki.create(shared.resolve("pki"));
    Path storage = shared.resolve("storage");
    image = Seed.standardImage();
    Seed.push(shared, storage, Map.of(REPO + ":1", image));
    Path htpasswd = Files.writeString(shared.resolve("htpasswd"), USER + ":" + BCRYPT + "\n");
    registry = RegistryServer.builder(shared).name("tls-basic").storage(storage).tls(pki.serverCert, pki.serverKey)
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

  /** A docker config directory whose config.json holds {@code json}. */
  private Path dockerConfig(String json) throws Exception {
    Path d = Files.createDirectories(dir.resolve("docker"));
    Files.writeString(d.resolve("config.json"), json);
    return d;
  }

  private static String auth(String user, String password) {
    return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private String authsJson(String password) {
    return "{\"auths\":{\"" + registry.hostPort() + "\":{\"auth\":\"" + auth(USER, password) + "\"}}}";
  }

  private void assertPulled(JpullRun.Result r, Path rootfs) throws Exception {
    assertEquals(0, r.exit(), r.toString());
    List<String> out = r.stdout().lines().toList();
    assertEquals(ref(), out.get(out.size() - 1), r.toString());
    assertEquals("jpull", Files.readString(rootfs.resolve("etc/hostname")));
    assertTrue(r.stderr().contains(image.manifestDigest.toString()), r.toString());
  }

  @Test
  void caCertFlagAndConfigJsonCredentials() throws Exception {
    JpullRun jpull = JpullRun.in(dir).env("DOCKER_CONFIG", dockerConfig(authsJson(PASSWORD)).toString());
    Path rootfs = dir.resolve("rootfs");
    JpullRun.Result r = jpull.run("--debug", "--store", dir.resolve("s").toString(), "pull", "--progress", "plain",
        "--ca-cert", pki.caCert.toString(), "--rootfs", rootfs.toString(), ref());
    assertPulled(r, rootfs);
    r.assertAuthorizationRedacted("Basic");
    r.assertNoSecrets(List.of(USER), PASSWORD);
  }

  @Test
  void certsDirectoryLayoutAndPasswordStdin() throws Exception {
    Path hosts = Files.createDirectories(dir.resolve("certs.d").resolve(registry.hostPort()));
    Files.copy(pki.caCert, hosts.resolve("ca.crt"));
    Path rootfs = dir.resolve("rootfs");
    JpullRun.Result r = JpullRun.in(dir).runWithStdin(PASSWORD + "\n", "--debug",
        "--store", dir.resolve("s").toString(), "--hosts-dir", dir.resolve("certs.d").toString(),
        "pull", "--progress", "plain", "--username", USER, "--password-stdin", "--rootfs", rootfs.toString(), ref());
    assertPulled(r, rootfs);
    r.assertNoSecrets(List.of(USER), PASSWORD);
  }

  @Test
  void untrustedCertificateExits6WithARemedy() throws Exception {
    JpullRun.Result r = JpullRun.in(dir).run("--store", dir.resolve("s").toString(), "pull", ref());
    assertEquals(6, r.exit(), r.toString());
    String line = r.errorLine();
    assertTrue(line.contains("TLS") && line.contains("certificate") && line.contains("not trusted"), line);
    assertTrue(line.contains("--ca-cert") && line.contains("certs.d") && line.contains(registry.hostPort() + "/hosts.toml")
        && line.contains(registry.hostPort() + "/ca.crt"), line);
    assertTrue(line.contains(registry.hostPort()), line);
    assertFalse(r.stderr().contains("\tat "), "no stack trace without --debug: " + r);
    assertEquals("", r.stdout());
    assertFalse(Files.exists(dir.resolve("s/blobs/sha256/" + image.layerDigests.get(0).hex())));
  }

  @Test
  void anonymousPullIsRefusedWithExit4() throws Exception {
    JpullRun.Result r = JpullRun.in(dir).run("--store", dir.resolve("s").toString(), "pull",
        "--ca-cert", pki.caCert.toString(), ref());
    assertEquals(4, r.exit(), r.toString());
    String line = r.errorLine();
    assertTrue(line.contains("jpull login " + registry.hostPort()), line);
  }

  @Test
  void loginThenPullThenLogoutKeepsOtherEntries() throws Exception {
    String otherAuth = auth("carol", "carols-other-Pw");
    Path config = dockerConfig("""
        {
          "auths": {"other.example:5000": {"auth": "%s"}},
          "credHelpers": {"helper.example": "none-such"},
          "psFormat": "table {{.ID}}",
          "experimental": "enabled"
        }
        """.formatted(otherAuth));
    JpullRun jpull = JpullRun.in(dir).env("DOCKER_CONFIG", config.toString());
    String store = dir.resolve("s").toString();

    JpullRun.Result login = jpull.runWithStdin(PASSWORD, "--debug", "login", "--ca-cert", pki.caCert.toString(),
        "-u", USER, "--password-stdin", registry.hostPort());
    assertEquals(0, login.exit(), login.toString());
    login.assertNoSecrets(List.of(USER), PASSWORD);
    JsonNode stored = Json.MAPPER.readTree(config.resolve("config.json").toFile());
    assertEquals(auth(USER, PASSWORD), stored.path("auths").path(registry.hostPort()).path("auth").asText(),
        stored.toString());

    Path rootfs = dir.resolve("rootfs");
    JpullRun.Result pull = jpull.run("--debug", "--store", store, "pull", "--progress", "plain",
        "--ca-cert", pki.caCert.toString(), "--rootfs", rootfs.toString(), ref());
    assertPulled(pull, rootfs);
    pull.assertNoSecrets(List.of(USER), PASSWORD);

    JpullRun.Result logout = jpull.run("logout", registry.hostPort());
    assertEquals(0, logout.exit(), logout.toString());
    JsonNode after = Json.MAPPER.readTree(config.resolve("config.json").toFile());
    assertFalse(after.path("auths").has(registry.hostPort()), after.toString());
    assertEquals(otherAuth, after.path("auths").path("other.example:5000").path("auth").asText(), after.toString());
    assertEquals("none-such", after.path("credHelpers").path("helper.example").asText(), after.toString());
    assertEquals("table {{.ID}}", after.path("psFormat").asText(), after.toString());
    assertEquals("enabled", after.path("experimental").asText(), after.toString());

    JpullRun.Result again = jpull.run("--store", dir.resolve("s2").toString(), "pull",
        "--ca-cert", pki.caCert.toString(), ref());
    assertEquals(4, again.exit(), "logged out: the registry refuses again\n" + again);
  }

  @Test
  void wrongPasswordLoginExits4AndStoresNothing() throws Exception {
    Path config = dockerConfig("{\"auths\":{}}");
    JpullRun jpull = JpullRun.in(dir).env("DOCKER_CONFIG", config.toString());
    JpullRun.Result r = jpull.runWithStdin(WRONG_PASSWORD, "--debug", "login", "--ca-cert", pki.caCert.toString(),
        "-u", USER, "--password-stdin", registry.hostPort());
    assertEquals(4, r.exit(), r.toString());
    String line = r.errorLine();
    assertTrue(line.contains(registry.hostPort()), line);
    r.assertNoSecrets(List.of(USER), WRONG_PASSWORD);
    assertEquals("{\"auths\":{}}", Files.readString(config.resolve("config.json")), "nothing stored");
  }

  @Test
  void wrongPasswordInConfigJsonExits4() throws Exception {
    JpullRun jpull = JpullRun.in(dir).env("DOCKER_CONFIG", dockerConfig(authsJson(WRONG_PASSWORD)).toString());
    JpullRun.Result r = jpull.run("--debug", "--store", dir.resolve("s").toString(), "pull",
        "--ca-cert", pki.caCert.toString(), ref());
    assertEquals(4, r.exit(), r.toString());
    r.errorLine();
    r.assertNoSecrets(List.of(USER), WRONG_PASSWORD);
  }

  @Test
  void credentialHelperOnPath() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path helper = bin.resolve("docker-credential-test");
    // Answers "get" for this registry only; anything else is "not found", as docker's helpers do.
    Files.writeString(helper, """
        #!/bin/sh
        [ "$1" = get ] || exit 1
        read -r server
        case "$server" in
          *%s*) printf '{"ServerURL":"%%s","Username":"%s","Secret":"%s"}' "$server" ;;
          *) echo "credentials not found in native keychain"; exit 1 ;;
        esac
        """.formatted(registry.hostPort(), USER, PASSWORD));
    helper.toFile().setExecutable(true);
    Path config = dockerConfig("{\"credsStore\":\"test\"}");
    JpullRun jpull = JpullRun.in(dir).env("DOCKER_CONFIG", config.toString())
        .env("PATH", bin + ":" + System.getenv("PATH"));
    Path rootfs = dir.resolve("rootfs");
    JpullRun.Result r = jpull.run("--debug", "--store", dir.resolve("s").toString(), "pull", "--progress", "plain",
        "--ca-cert", pki.caCert.toString(), "--rootfs", rootfs.toString(), ref());
    assertPulled(r, rootfs);
    r.assertNoSecrets(List.of(USER), PASSWORD);

    // "Not found" from the helper means anonymous: the same registry under another name gets no credentials.
    String otherName = "localhost:" + registry.port();
    JpullRun.Result notFound = jpull.run("--debug", "--store", dir.resolve("s3").toString(), "pull",
        "--ca-cert", pki.caCert.toString(), otherName + "/" + REPO + ":1");
    assertEquals(4, notFound.exit(), notFound.toString());
    assertTrue(notFound.errorLine().contains("jpull login " + otherName), notFound.toString());
    notFound.assertNoSecrets(List.of(USER), PASSWORD);

    // A helper that crashes is an authentication failure (exit 4), not an anonymous pull.
    Files.writeString(helper, "#!/bin/sh\necho 'segfault: " + PASSWORD + "' >&2\nexit 139\n");
    JpullRun.Result crashed = jpull.run("--debug", "--store", dir.resolve("s2").toString(), "pull",
        "--ca-cert", pki.caCert.toString(), ref());
    assertEquals(4, crashed.exit(), crashed.toString());
    assertTrue(crashed.errorLine().contains("docker-credential-test"), crashed.toString());
    // It failed before any request: nothing to redact, but the helper's own stderr must not be echoed.
    assertFalse(crashed.output().contains(PASSWORD), crashed.toString());
  }

  /**
   * Issue 16: with the CA on a [host] entry whose URL equals server (the usual hosts.toml way to give a
   * registry its CA), pull worked but login failed with exit 6 and a hint naming HOST/ca.crt, which is
   * ignored once a hosts.toml exists. Now login, pull and logout all use it.
   */
  @Test
  void loginUsesTheCaOfAHostEntryNamingTheServer() throws Exception {
    Path hostsDir = dir.resolve("certs.d");
    Path hostDir = Files.createDirectories(hostsDir.resolve(registry.hostPort()));
    Files.copy(pki.caCert, hostDir.resolve("registry-ca.pem"));
    Files.writeString(hostDir.resolve("hosts.toml"), """
        server = "https://%1$s"
        [host."https://%1$s"]
          capabilities = ["pull", "resolve"]
          ca = "registry-ca.pem"
        """.formatted(registry.hostPort()));
    Path config = dockerConfig("{\"auths\":{}}");
    JpullRun jpull = JpullRun.in(dir).env("DOCKER_CONFIG", config.toString());
    JpullRun.Result login = jpull.runWithStdin(PASSWORD, "--hosts-dir", hostsDir.toString(), "login",
        "-u", USER, "--password-stdin", registry.hostPort());
    assertEquals(0, login.exit(), login.toString());
    Path rootfs = dir.resolve("rootfs");
    JpullRun.Result pull = jpull.run("--store", dir.resolve("s").toString(), "--hosts-dir", hostsDir.toString(),
        "pull", "--progress", "plain", "--rootfs", rootfs.toString(), ref());
    assertPulled(pull, rootfs);

    Files.writeString(hostDir.resolve("hosts.toml"), """
        server = "https://%1$s"
        [host."https://%1$s"]
          capabilities = ["pull", "resolve"]
        """.formatted(registry.hostPort()));
    Files.copy(pki.caCert, hostDir.resolve("ca.crt"));
    JpullRun.Result untrusted = jpull.runWithStdin(PASSWORD, "--hosts-dir", hostsDir.toString(), "login",
        "-u", USER, "--password-stdin", registry.hostPort());
    assertEquals(6, untrusted.exit(), "a ca.crt beside a hosts.toml is ignored, as in containerd\n" + untrusted);
    assertTrue(untrusted.errorLine().contains("hosts.toml"), untrusted.toString());
  }
}
