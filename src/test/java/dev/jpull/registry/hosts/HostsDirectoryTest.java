package dev.jpull.registry.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.registry.hosts.RegistryHost.Capability;
import dev.jpull.registry.hosts.RegistryHost.ClientCertificate;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostsDirectoryTest {
  private static final Set<Capability> PULL_RESOLVE = Set.of(Capability.PULL, Capability.RESOLVE);
  private static final Set<Capability> ALL = Set.of(Capability.PULL, Capability.RESOLVE, Capability.PUSH);

  @TempDir Path tmp;
  private Path user;
  private Path system;
  private Path docker;

  @BeforeEach
  void setUp() throws Exception {
    user = Files.createDirectories(tmp.resolve("user/certs.d"));
    system = Files.createDirectories(tmp.resolve("etc/containerd/certs.d"));
    docker = Files.createDirectories(tmp.resolve("etc/docker/certs.d"));
  }

  private HostsDirectory resolver(HostOverrides overrides) {
    return new HostsDirectory(List.of(user, system), List.of(docker), overrides);
  }

  private List<RegistryHost> hosts(String registry) throws Exception {
    return resolver(HostOverrides.NONE).hosts(registry);
  }

  private Path hostsToml(Path root, String dir, String toml) throws Exception {
    Path d = Files.createDirectories(root.resolve(dir));
    return Files.writeString(d.resolve("hosts.toml"), toml);
  }

  private static RegistryHost upstream(String base) {
    return new RegistryHost(URI.create(base), "/v2", ALL, RegistryHost.Tls.SYSTEM, Map.of(), false);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"docker.io, https://registry-1.docker.io", "ghcr.io, https://ghcr.io",
      "127.0.0.1:5000, https://127.0.0.1:5000", "[::1]:5000, https://[::1]:5000", "localhost, https://localhost"})
  void withoutConfigurationOnlyTheHttpsUpstream(String registry, String base) throws Exception {
    assertEquals(List.of(upstream(base)), hosts(registry));
  }

  static Stream<Arguments> files() {
    Path d = Path.of("DIR");
    return Stream.of(
        Arguments.of("mirrors in file order, then the upstream",
            "[host.\"https://b.example\"]\n[host.\"http://a.example:5000\"]\n",
            List.of(mirror("https://b.example", "/v2", PULL_RESOLVE), mirror("http://a.example:5000", "/v2", PULL_RESOLVE),
                upstream("https://registry.test"))),
        Arguments.of("server overrides the upstream",
            "server = \"https://upstream.example:8443\"\n",
            List.of(upstream("https://upstream.example:8443"))),
        Arguments.of("server without a scheme is https", "server = \"upstream.example\"",
            List.of(upstream("https://upstream.example"))),
        Arguments.of("capabilities",
            "[host.\"https://m.example\"]\ncapabilities = [\"pull\"]\n",
            List.of(mirror("https://m.example", "/v2", Set.of(Capability.PULL)), upstream("https://registry.test"))),
        Arguments.of("path gets /v2 unless override_path",
            "[host.\"https://m.example/proxy/\"]\n[host.\"https://n.example/api/v2\"]\n"
                + "[host.\"https://o.example/custom\"]\noverride_path = true\n",
            List.of(mirror("https://m.example", "/proxy/v2", PULL_RESOLVE), mirror("https://n.example", "/api/v2", PULL_RESOLVE),
                mirror("https://o.example", "/custom", PULL_RESOLVE), upstream("https://registry.test"))),
        Arguments.of("ca string and array, relative to the file's directory",
            "ca = \"/abs/ca.pem\"\n[host.\"https://m.example\"]\nca = [\"a.pem\", \"sub/b.pem\"]\n",
            List.of(withTls(mirror("https://m.example", "/v2", PULL_RESOLVE),
                    new RegistryHost.Tls(true, List.of(d.resolve("a.pem"), d.resolve("sub/b.pem")), List.of())),
                withTls(upstream("https://registry.test"), new RegistryHost.Tls(true, List.of(Path.of("/abs/ca.pem")), List.of())))),
        Arguments.of("client forms",
            "client = \"both.pem\"\n[host.\"https://m.example\"]\nclient = [\"c.cert\", \"c.key\"]\n"
                + "[host.\"https://n.example\"]\nclient = [[\"1.cert\", \"1.key\"], [\"2.pem\", \"\"], [\"3.pem\"]]\n",
            List.of(withTls(mirror("https://m.example", "/v2", PULL_RESOLVE), new RegistryHost.Tls(true, List.of(),
                    List.of(new ClientCertificate(d.resolve("c.cert"), d.resolve("c.key"))))),
                withTls(mirror("https://n.example", "/v2", PULL_RESOLVE), new RegistryHost.Tls(true, List.of(), List.of(
                    new ClientCertificate(d.resolve("1.cert"), d.resolve("1.key")),
                    new ClientCertificate(d.resolve("2.pem"), d.resolve("2.pem")),
                    new ClientCertificate(d.resolve("3.pem"), d.resolve("3.pem"))))),
                withTls(upstream("https://registry.test"), new RegistryHost.Tls(true, List.of(),
                    List.of(new ClientCertificate(d.resolve("both.pem"), d.resolve("both.pem"))))))),
        Arguments.of("skip_verify per host",
            "skip_verify = false\n[host.\"https://m.example\"]\nskip_verify = true\n",
            List.of(withTls(mirror("https://m.example", "/v2", PULL_RESOLVE), new RegistryHost.Tls(false, List.of(), List.of())),
                upstream("https://registry.test"))),
        Arguments.of("headers, string or array, top-level for the server",
            "[header]\nx-top = \"t\"\n[host.\"https://m.example\"]\n[host.\"https://m.example\".header]\n"
                + "x-one = \"1\"\nx-many = [\"a\", \"b\"]\n",
            List.of(withHeaders(mirror("https://m.example", "/v2", PULL_RESOLVE), Map.of("x-one", List.of("1"), "x-many", List.of("a", "b"))),
                withHeaders(upstream("https://registry.test"), Map.of("x-top", List.of("t"))))),
        Arguments.of("comments everywhere, containerd's docs example shape",
            "# mirror config\nserver = \"https://registry.test\" # upstream\n\n[host.\"https://mirror.example\"] # first\n"
                + "  capabilities = [\"pull\", \"resolve\"] # no push\n",
            List.of(mirror("https://mirror.example", "/v2", PULL_RESOLVE), upstream("https://registry.test"))));
  }

  private static RegistryHost mirror(String base, String path, Set<Capability> caps) {
    return new RegistryHost(URI.create(base), path, caps, RegistryHost.Tls.SYSTEM, Map.of(), true);
  }

  private static RegistryHost withTls(RegistryHost h, RegistryHost.Tls tls) {
    return new RegistryHost(h.base(), h.path(), h.capabilities(), tls, h.headers(), h.mirror());
  }

  private static RegistryHost withHeaders(RegistryHost h, Map<String, List<String>> headers) {
    return new RegistryHost(h.base(), h.path(), h.capabilities(), h.tls(), headers, h.mirror());
  }

  /** Paths in expectations are written relative to "DIR", the hosts.toml directory. */
  private static RegistryHost relocate(RegistryHost h, Path dir) {
    java.util.function.UnaryOperator<Path> r = p -> p.startsWith("DIR") ? dir.resolve(Path.of("DIR").relativize(p)) : p;
    RegistryHost.Tls t = h.tls();
    return withTls(h, new RegistryHost.Tls(t.verify(), t.caCertificates().stream().map(r).toList(),
        t.clientCertificates().stream().map(c -> new ClientCertificate(r.apply(c.certificate()), r.apply(c.key()))).toList()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void hostsToml(String name, String toml, List<RegistryHost> expected) throws Exception {
    Path file = hostsToml(system, "registry.test", toml);
    assertEquals(expected.stream().map(h -> relocate(h, file.getParent())).toList(), hosts("registry.test"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "syntax error with line | a = 1\\n[host.\"https://m\"\\n | line 2",
      "unknown capability | [host.\"https://m\"]\\ncapabilities = [\"fly\"] | unknown capability",
      "ftp scheme | [host.\"ftp://m.example\"] | not http or https",
      "credentials in URL | [host.\"https://u:p@m.example\"] | user info",
      "bad header name | [header]\\n\"x y\" = \"1\" | invalid header name",
      "skip_verify not boolean | skip_verify = \"yes\" | expected true or false",
      "ca not a string | ca = 1 | expected an array",
      "client triple | client = [[\"a\", \"b\", \"c\"]] | pair",
      "host not a table | host = 1 | expected a table",
      "server without host | server = \"https://\" | invalid URL",
      "unclean path | [host.\"https://m.example/a/../b\"] | not clean",
  })
  void invalidFilesNameTheFile(String name, String toml, String what) throws Exception {
    Path file = hostsToml(system, "registry.test", toml.replace("\\n", "\n"));
    JpullException e = assertThrows(JpullException.class, () -> hosts("registry.test"));
    assertEquals(Kind.INVALID_INPUT, e.kind());
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(what), e.getMessage());
  }

  @Test
  void headerValueWithNewlineIsRefused() throws Exception {
    hostsToml(system, "registry.test", "[host.\"https://m\".header]\nx = \"a\\r\\nInjected: 1\"\n");
    JpullException e = assertThrows(JpullException.class, () -> hosts("registry.test"));
    assertTrue(e.getMessage().contains("control character"), e.getMessage());
  }

  @ParameterizedTest(name = "{0} found as {1}")
  @CsvSource({"registry.test:5000, registry.test_5000_", "registry.test:5000, registry.test:5000",
      "registry.test, registry.test", "docker.io, docker.io", "other.test, _default", "[::1]:5000, [::1]_5000_"})
  void directoryNames(String registry, String dir) throws Exception {
    hostsToml(system, dir, "[host.\"https://found.example\"]\n");
    assertEquals(URI.create("https://found.example"), hosts(registry).get(0).base());
  }

  @Test
  void portIsPartOfTheName() throws Exception {
    hostsToml(system, "registry.test", "[host.\"https://found.example\"]\n");
    assertEquals(List.of(upstream("https://registry.test:5000")), hosts("registry.test:5000"));
  }

  @Test
  void exactNameInAnyDirectoryBeatsDefault() throws Exception {
    hostsToml(user, "_default", "[host.\"https://default.example\"]\n");
    hostsToml(system, "registry.test", "[host.\"https://exact.example\"]\n");
    hostsToml(system, "other.test", "[host.\"https://system.example\"]\n");
    hostsToml(user, "other.test", "[host.\"https://user.example\"]\n");
    assertEquals(URI.create("https://exact.example"), hosts("registry.test").get(0).base());
    assertEquals(URI.create("https://user.example"), hosts("other.test").get(0).base());
    assertEquals(URI.create("https://default.example"), hosts("third.test").get(0).base());
  }

  @Test
  void certsDirectoryWithoutHostsToml() throws Exception {
    Path d = Files.createDirectories(system.resolve("registry.test"));
    for (String f : List.of("ca.crt", "extra.crt", "client.cert", "client.key", "README")) {
      Files.writeString(d.resolve(f), "x");
    }
    RegistryHost h = hosts("registry.test").get(0);
    assertEquals(List.of(d.resolve("ca.crt"), d.resolve("extra.crt")), h.tls().caCertificates());
    assertEquals(List.of(new ClientCertificate(d.resolve("client.cert"), d.resolve("client.key"))), h.tls().clientCertificates());
    assertTrue(h.tls().verify());
    assertFalse(h.mirror());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"lonely.cert", "lonely.key"})
  void halfClientPairIsAnError(String file) throws Exception {
    Path d = Files.createDirectories(system.resolve("registry.test"));
    Files.writeString(d.resolve(file), "x");
    JpullException e = assertThrows(JpullException.class, () -> hosts("registry.test"));
    assertTrue(e.getMessage().contains("lonely"), e.getMessage());
  }

  @Test
  void dockerCertsDirectoryIsHonouredForEachHost() throws Exception {
    hostsToml(system, "registry.test", "[host.\"https://m.example\"]\n");
    Path m = Files.createDirectories(docker.resolve("m.example"));
    Files.writeString(m.resolve("ca.crt"), "x");
    Path r = Files.createDirectories(docker.resolve("registry.test"));
    Files.writeString(r.resolve("ca.crt"), "x");
    List<RegistryHost> hosts = hosts("registry.test");
    assertEquals(List.of(m.resolve("ca.crt")), hosts.get(0).tls().caCertificates());
    assertEquals(List.of(r.resolve("ca.crt")), hosts.get(1).tls().caCertificates());
  }

  @Test
  void overridesApplyToTheUpstreamOnly() throws Exception {
    hostsToml(system, "registry.test", "[host.\"https://m.example\"]\nca = \"m.pem\"\n");
    Path ca = tmp.resolve("cli-ca.pem");
    List<RegistryHost> hosts = resolver(new HostOverrides(true, false, ca)).hosts("registry.test");
    assertEquals(URI.create("https://m.example"), hosts.get(0).base());
    assertTrue(hosts.get(0).tls().verify());
    assertEquals(1, hosts.get(0).tls().caCertificates().size());
    RegistryHost up = hosts.get(1);
    assertEquals(URI.create("http://registry.test"), up.base());
    assertTrue(up.plainHttp());
    assertFalse(up.tls().verify());
    assertEquals(List.of(ca), up.tls().caCertificates());
  }

  /**
   * Issue 16: with the CA given on a [host] entry whose URL is the server's, pull worked but login (which
   * talks to the upstream only) failed with exit 6: the entry is the registry itself and lends its TLS.
   */
  @Test
  void hostEntryWithTheServersUrlLendsItsTlsToTheUpstream() throws Exception {
    Path file = hostsToml(system, "registry.test:5000", """
        server = "https://registry.test:5000"
        [host."https://registry.test:5000"]
          capabilities = ["pull", "resolve"]
          ca = "ca.pem"
        [host."https://mirror.test"]
          ca = "mirror.pem"
        """);
    List<RegistryHost> hosts = hosts("registry.test:5000");
    assertEquals(3, hosts.size(), hosts.toString());
    assertFalse(hosts.get(0).mirror(), "an entry naming the server itself is not a mirror");
    assertTrue(hosts.get(1).mirror());
    RegistryHost up = hosts.get(2);
    assertFalse(up.mirror());
    assertEquals(URI.create("https://registry.test:5000"), up.base());
    assertEquals(List.of(file.getParent().resolve("ca.pem")), up.tls().caCertificates());
  }

  @Test
  void hostEntryWithAnotherUrlLendsNothing() throws Exception {
    hostsToml(system, "registry.test", "[host.\"https://mirror.test\"]\nca = \"m.pem\"\nskip_verify = true\n");
    RegistryHost up = hosts("registry.test").get(1);
    assertTrue(up.tls().verify());
    assertEquals(List.of(), up.tls().caCertificates());
  }

  @Test
  void tlsVerifyTrueOverridesSkipVerify() throws Exception {
    hostsToml(system, "registry.test", "skip_verify = true\n");
    assertFalse(hosts("registry.test").get(0).tls().verify());
    assertTrue(resolver(new HostOverrides(false, true, null)).hosts("registry.test").get(0).tls().verify());
  }

  @Test
  void plainHttpWithoutConfiguration() throws Exception {
    assertEquals(URI.create("http://registry-1.docker.io"),
        resolver(new HostOverrides(true, null, null)).hosts("docker.io").get(0).base());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"..", "a/b", "../etc", "a..b", "x\0y", "", ".", "a\\b", "a\nb"})
  void unsafeRegistryNamesAreRefusedBeforeAnyPath(String registry) {
    JpullException e = assertThrows(JpullException.class, () -> hosts(registry));
    assertEquals(Kind.INVALID_INPUT, e.kind());
  }

  @Test
  void fromEnvironmentSearchOrder() {
    Path home = Path.of("/home/u");
    assertEquals(List.of(Path.of("/flag")),
        HostsDirectory.fromEnvironment(Path.of("/flag"), Map.of("JPULL_HOSTS_DIR", "/env"), home, HostOverrides.NONE).hostsDirs());
    assertEquals(List.of(Path.of("/env")),
        HostsDirectory.fromEnvironment(null, Map.of("JPULL_HOSTS_DIR", "/env"), home, HostOverrides.NONE).hostsDirs());
    assertEquals(List.of(home.resolve(".config/jpull/certs.d"), Path.of("/etc/containerd/certs.d")),
        HostsDirectory.fromEnvironment(null, Map.of(), home, HostOverrides.NONE).hostsDirs());
  }
}
