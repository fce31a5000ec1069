package dev.jpull.registry.hosts;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.registry.hosts.RegistryHost.Capability;
import dev.jpull.registry.hosts.RegistryHost.ClientCertificate;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One containerd {@code hosts.toml} (docs/hosts.md): {@code [host."<url>"]} mirrors in file order, then the
 * upstream, which is {@code server} when set and whose settings are the file's top-level keys.
 */
final class HostsFile {
  static final Set<Capability> MIRROR_DEFAULT = Set.of(Capability.PULL, Capability.RESOLVE);
  static final Set<Capability> UPSTREAM_DEFAULT = Set.of(Capability.PULL, Capability.RESOLVE, Capability.PUSH);

  private final Path file;
  private final Path dir;

  private HostsFile(Path file) {
    this.file = file;
    this.dir = file.toAbsolutePath().getParent();
  }

  /** The hosts {@code file} configures, mirrors first; {@code upstream} is used when it has no {@code server}. */
  static List<RegistryHost> read(Path file, RegistryHost upstream) throws JpullException {
    return new HostsFile(file).hosts(TomlReader.read(file), upstream);
  }

  private List<RegistryHost> hosts(Map<String, Object> root, RegistryHost upstream) throws JpullException {
    List<RegistryHost> hosts = new ArrayList<>();
    Object mirrors = root.get("host");
    if (mirrors != null) {
      for (Map.Entry<String, Object> m : table(mirrors, "host").entrySet()) {
        String where = "host " + Quoted.of(m.getKey());
        hosts.add(host(m.getKey(), table(m.getValue(), where), true, MIRROR_DEFAULT, where));
      }
    }
    Object server = root.get("server");
    RegistryHost up = server == null
        ? host(upstream.base() + upstream.path(), root, false, UPSTREAM_DEFAULT, "upstream")
        : host(string(server, "server"), root, false, UPSTREAM_DEFAULT, "server");
    // A [host] entry whose URL is the server's is the usual way to give the registry its CA: it is the
    // registry itself, not a mirror (so login may use it), and it lends its TLS settings to the upstream for
    // every command, login included.
    for (int i = 0; i < hosts.size(); i++) {
      RegistryHost h = hosts.get(i);
      if (h.base().equals(up.base()) && h.path().equals(up.path())) {
        hosts.set(i, new RegistryHost(h.base(), h.path(), h.capabilities(), h.tls(), h.headers(), false));
        up = new RegistryHost(up.base(), up.path(), up.capabilities(), lend(up.tls(), h.tls()), up.headers(), false);
      }
    }
    hosts.add(up);
    return hosts;
  }

  private static RegistryHost.Tls lend(RegistryHost.Tls own, RegistryHost.Tls entry) {
    List<Path> cas = new ArrayList<>(own.caCertificates());
    entry.caCertificates().stream().filter(c -> !cas.contains(c)).forEach(cas::add);
    List<RegistryHost.ClientCertificate> clients = new ArrayList<>(own.clientCertificates());
    entry.clientCertificates().stream().filter(c -> !clients.contains(c)).forEach(clients::add);
    return new RegistryHost.Tls(own.verify() && entry.verify(), cas, clients);
  }

  private RegistryHost host(String url, Map<String, Object> t, boolean mirror, Set<Capability> defaults, String where)
      throws JpullException {
    String u = url.contains("://") ? url : "https://" + url;
    URI uri;
    try {
      uri = new URI(u);
    } catch (URISyntaxException e) {
      throw invalid(where + ": invalid URL " + Quoted.of(url));
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw invalid(where + ": URL " + Quoted.of(url) + " is not http or https");
    }
    if (uri.getRawAuthority() == null || uri.getHost() == null) {
      throw invalid(where + ": URL " + Quoted.of(url) + " has no host");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      // Credentials in a URL end up in logs and error messages (GHSA-gc89-7gcr-jxqc); keep them in config.json.
      throw invalid(where + ": URL must not have user info, a query or a fragment");
    }
    boolean overridePath = bool(t.get("override_path"), where + " override_path", false);
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.isEmpty()) {
      path = "/v2";
    } else if (!overridePath && !path.endsWith("/v2")) {
      path = path + "/v2";
    }
    if (path.contains("/../") || path.endsWith("/..") || path.contains("/./") || path.contains("//")) {
      throw invalid(where + ": URL path " + Quoted.of(path) + " is not clean");
    }
    URI base = URI.create(scheme + "://" + uri.getRawAuthority());
    RegistryHost.Tls tls = new RegistryHost.Tls(!bool(t.get("skip_verify"), where + " skip_verify", false),
        paths(t.get("ca"), where + " ca"), clients(t.get("client"), where + " client"));
    return new RegistryHost(base, path, capabilities(t.get("capabilities"), defaults, where), tls,
        headers(t.get("header"), where), mirror);
  }

  private Set<Capability> capabilities(Object v, Set<Capability> defaults, String where) throws JpullException {
    if (v == null) {
      return defaults;
    }
    Set<Capability> caps = EnumSet.noneOf(Capability.class);
    for (Object c : list(v, where + " capabilities")) {
      String s = string(c, where + " capabilities");
      switch (s) {
        case "pull" -> caps.add(Capability.PULL);
        case "resolve" -> caps.add(Capability.RESOLVE);
        case "push" -> caps.add(Capability.PUSH);
        default -> throw invalid(where + ": unknown capability " + Quoted.of(s));
      }
    }
    return caps;
  }

  /** {@code "path"} or {@code ["p1", "p2"]}, relative to the hosts.toml directory. */
  private List<Path> paths(Object v, String where) throws JpullException {
    List<Path> paths = new ArrayList<>();
    if (v == null) {
      return paths;
    }
    if (v instanceof String s) {
      paths.add(path(s, where));
    } else {
      for (Object o : list(v, where)) {
        paths.add(path(string(o, where), where));
      }
    }
    return paths;
  }

  /**
   * {@code "combined.pem"}, {@code ["cert", "key"]} or {@code [["cert", "key"], ...]}; an empty key or a single
   * path means the key is in the certificate file.
   */
  private List<ClientCertificate> clients(Object v, String where) throws JpullException {
    List<ClientCertificate> clients = new ArrayList<>();
    if (v == null) {
      return clients;
    }
    if (v instanceof String s) {
      clients.add(pair(List.of(s), where));
      return clients;
    }
    List<Object> items = list(v, where);
    if (!items.isEmpty() && items.stream().allMatch(o -> o instanceof String)) {
      clients.add(pair(items, where));
      return clients;
    }
    for (Object o : items) {
      clients.add(pair(o instanceof String s ? List.of(s) : list(o, where), where));
    }
    return clients;
  }

  private ClientCertificate pair(List<?> pair, String where) throws JpullException {
    if (pair.isEmpty() || pair.size() > 2) {
      throw invalid(where + ": expected a certificate path or a [certificate, key] pair");
    }
    Path cert = path(string(pair.get(0), where), where);
    String key = pair.size() == 2 ? string(pair.get(1), where) : "";
    return new ClientCertificate(cert, key.isEmpty() ? cert : path(key, where));
  }

  private Path path(String s, String where) throws JpullException {
    if (s.isEmpty() || s.indexOf('\0') >= 0) {
      throw invalid(where + ": invalid path " + Quoted.of(s));
    }
    try {
      return dir.resolve(s).normalize();
    } catch (InvalidPathException e) {
      throw invalid(where + ": invalid path " + Quoted.of(s));
    }
  }

  private Map<String, List<String>> headers(Object v, String where) throws JpullException {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    if (v == null) {
      return headers;
    }
    for (Map.Entry<String, Object> h : table(v, where + " header").entrySet()) {
      String name = h.getKey();
      if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
        throw invalid(where + ": invalid header name " + Quoted.of(name));
      }
      List<String> values = new ArrayList<>();
      List<?> raw = h.getValue() instanceof String s ? List.of(s) : list(h.getValue(), where + " header " + name);
      for (Object o : raw) {
        String value = string(o, where + " header " + name);
        // A CR or LF would let the config forge further headers or a second request.
        if (value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
          throw invalid(where + ": header " + Quoted.of(name) + " has a control character in its value");
        }
        values.add(value);
      }
      headers.put(name, List.copyOf(values));
    }
    return headers;
  }

  private Map<String, Object> table(Object v, String where) throws JpullException {
    if (!(v instanceof Map<?, ?> m)) {
      throw invalid(where + ": expected a table");
    }
    Map<String, Object> t = new LinkedHashMap<>();
    m.forEach((k, val) -> t.put((String) k, val));
    return t;
  }

  private List<Object> list(Object v, String where) throws JpullException {
    if (!(v instanceof List<?> l)) {
      throw invalid(where + ": expected an array");
    }
    return new ArrayList<>(l);
  }

  private String string(Object v, String where) throws JpullException {
    if (!(v instanceof String s)) {
      throw invalid(where + ": expected a string");
    }
    return s;
  }

  private boolean bool(Object v, String where, boolean dflt) throws JpullException {
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Boolean b)) {
      throw invalid(where + ": expected true or false");
    }
    return b;
  }

  private JpullException invalid(String what) {
    return new JpullException(Kind.INVALID_INPUT, "read " + file + ": " + what);
  }
}
