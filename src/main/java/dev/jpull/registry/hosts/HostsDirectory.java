package dev.jpull.registry.hosts;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.reference.Reference;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registry host configuration from containerd-style {@code certs.d/<host>/hosts.toml} directories, with
 * docker's {@code certs.d/<host>/} certificate files honoured too, and per-command overrides applied to the
 * upstream. Without any configuration a registry is served by {@code https://<registry>/v2} alone
 * ({@code registry-1.docker.io} for {@code docker.io}); plain HTTP is only ever an explicit choice
 * (CVE-2014-5277: no automatic downgrade).
 */
public final class HostsDirectory implements HostResolver {
  private static final Logger LOG = LoggerFactory.getLogger(HostsDirectory.class);
  static final String DEFAULT_DIR = "_default";

  private final List<Path> hostsDirs;
  private final List<Path> dockerCertsDirs;
  private final HostOverrides overrides;
  private final Map<String, List<RegistryHost>> cache = new ConcurrentHashMap<>();

  /**
   * @param hostsDirs containerd-style directories, searched in order
   * @param dockerCertsDirs docker-style certificate directories ({@code /etc/docker/certs.d})
   */
  public HostsDirectory(List<Path> hostsDirs, List<Path> dockerCertsDirs, HostOverrides overrides) {
    this.hostsDirs = List.copyOf(hostsDirs);
    this.dockerCertsDirs = List.copyOf(dockerCertsDirs);
    this.overrides = Objects.requireNonNull(overrides);
  }

  /**
   * The directories of the contract: {@code hostsDir} ({@code --hosts-dir}, may be null), else
   * {@code $JPULL_HOSTS_DIR}, else {@code home/.config/jpull/certs.d} then {@code /etc/containerd/certs.d};
   * {@code /etc/docker/certs.d} always.
   */
  public static HostsDirectory fromEnvironment(Path hostsDir, Map<String, String> env, Path home,
      HostOverrides overrides) {
    List<Path> dirs;
    String fromEnv = env.get("JPULL_HOSTS_DIR");
    if (hostsDir != null) {
      dirs = List.of(hostsDir);
    } else if (fromEnv != null && !fromEnv.isEmpty()) {
      dirs = List.of(Path.of(fromEnv));
    } else {
      dirs = List.of(home.resolve(".config/jpull/certs.d"), Path.of("/etc/containerd/certs.d"));
    }
    return new HostsDirectory(dirs, List.of(Path.of("/etc/docker/certs.d")), overrides);
  }

  public List<Path> hostsDirs() {
    return hostsDirs;
  }

  @Override
  public List<RegistryHost> hosts(String registry) throws JpullException {
    List<RegistryHost> cached = cache.get(registry);
    if (cached != null) {
      return cached;
    }
    List<RegistryHost> hosts = List.copyOf(resolve(registry));
    cache.put(registry, hosts);
    return hosts;
  }

  private List<RegistryHost> resolve(String registry) throws JpullException {
    checkName(registry);
    RegistryHost upstream = new RegistryHost(URI.create("https://" + apiHost(registry)), "/v2",
        HostsFile.UPSTREAM_DEFAULT, RegistryHost.Tls.SYSTEM, Map.of(), false);
    List<RegistryHost> hosts = new ArrayList<>();
    Optional<Path> dir = hostDirectory(registry);
    if (dir.isEmpty()) {
      hosts.add(upstream);
    } else if (Files.isRegularFile(dir.get().resolve("hosts.toml"))) {
      LOG.debug("hosts for {}: {}", registry, dir.get().resolve("hosts.toml"));
      hosts.addAll(HostsFile.read(dir.get().resolve("hosts.toml"), upstream));
    } else {
      // containerd falls back to docker's certificate file layout when the directory has no hosts.toml.
      LOG.debug("hosts for {}: certificates in {}", registry, dir.get());
      hosts.add(withTls(upstream, CertsDirectory.addTo(dir.get(), upstream.tls())));
    }
    List<RegistryHost> result = new ArrayList<>();
    for (RegistryHost h : hosts) {
      RegistryHost withDocker = h;
      String authority = h.authority();
      if (isSafeName(authority)) {
        for (Path certs : dockerCertsDirs) {
          withDocker = withTls(withDocker, CertsDirectory.addTo(certs.resolve(authority), withDocker.tls()));
        }
      }
      result.add(h.mirror() ? withDocker : override(withDocker));
    }
    return result;
  }

  private static String apiHost(String registry) {
    return registry.equals(Reference.DOCKER_HUB) ? Reference.DOCKER_HUB_API : registry;
  }

  /**
   * The configuration directory for {@code registry}, as containerd names it: {@code host_port_} (a colon
   * is awkward in paths on some systems), then {@code host:port} or {@code host}, in every search directory;
   * then {@code _default}.
   */
  private Optional<Path> hostDirectory(String registry) throws JpullException {
    List<String> names = new ArrayList<>();
    int colon = registry.lastIndexOf(':');
    if (colon > 0 && !registry.endsWith("]")) {
      names.add(registry.substring(0, colon) + "_" + registry.substring(colon + 1) + "_");
    }
    names.add(registry);
    for (String name : names) {
      for (Path root : hostsDirs) {
        Path p = resolveIn(root, name);
        if (Files.isDirectory(p)) {
          return Optional.of(p);
        }
      }
    }
    for (Path root : hostsDirs) {
      Path p = root.resolve(DEFAULT_DIR);
      if (Files.isDirectory(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static Path resolveIn(Path root, String name) throws JpullException {
    try {
      Path p = root.resolve(name);
      if (!p.normalize().getParent().equals(root.normalize())) {
        throw unsafe(name);
      }
      return p;
    } catch (InvalidPathException e) {
      throw unsafe(name);
    }
  }

  private RegistryHost override(RegistryHost h) {
    URI base = overrides.plainHttp() ? URI.create("http://" + h.base().getRawAuthority()) : h.base();
    RegistryHost.Tls tls = h.tls();
    boolean verify = overrides.tlsVerify() == null ? tls.verify() : overrides.tlsVerify();
    List<Path> cas = new ArrayList<>(tls.caCertificates());
    if (overrides.caCert() != null) {
      cas.add(overrides.caCert());
    }
    // --plain-http switches the scheme but is no opt-in for credentials: only the configuration's own http:// is.
    return new RegistryHost(base, h.path(), h.capabilities(), new RegistryHost.Tls(verify, cas,
        tls.clientCertificates()), h.headers(), h.mirror(), h.plainHttpDeclared());
  }

  private static RegistryHost withTls(RegistryHost h, RegistryHost.Tls tls) {
    return new RegistryHost(h.base(), h.path(), h.capabilities(), tls, h.headers(), h.mirror(), h.plainHttpDeclared());
  }

  /** Registry names come from validated references, but they become path components here: check again. */
  private static void checkName(String name) throws JpullException {
    if (!isSafeName(name)) {
      throw unsafe(name);
    }
  }

  private static boolean isSafeName(String name) {
    return name != null && !name.isEmpty() && !name.contains("/") && !name.contains("\\") && !name.contains("..")
        && name.indexOf('\0') < 0 && !name.equals(".") && name.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
  }

  private static JpullException unsafe(String name) {
    return new JpullException(Kind.INVALID_INPUT, "find host configuration: invalid registry name " + Quoted.of(name));
  }
}
