package dev.jpull.registry;

import dev.jpull.registry.hosts.HostResolver;
import dev.jpull.registry.hosts.RegistryHost;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A fixed host list per registry: optional mirrors then the upstream, as a hosts.toml would give. */
final class StaticHosts implements HostResolver {
  private final Map<String, List<RegistryHost>> hosts;

  StaticHosts(Map<String, List<RegistryHost>> hosts) {
    this.hosts = Map.copyOf(hosts);
  }

  /** Each registry named {@code host:port} is served by itself over {@code scheme}. */
  static HostResolver direct(String scheme, RegistryHost.Tls tls) {
    return registry -> List.of(upstream(scheme + "://" + registry, tls));
  }

  static RegistryHost upstream(String base, RegistryHost.Tls tls) {
    return new RegistryHost(URI.create(base), "/v2", Set.of(RegistryHost.Capability.PULL,
        RegistryHost.Capability.RESOLVE), tls, Map.of(), false);
  }

  static RegistryHost mirror(String base, RegistryHost.Capability... caps) {
    return new RegistryHost(URI.create(base), "/v2", Set.of(caps), RegistryHost.Tls.SYSTEM, Map.of(), true);
  }

  @Override
  public List<RegistryHost> hosts(String registry) {
    List<RegistryHost> h = hosts.get(registry);
    return h == null ? List.of(upstream("http://" + registry, RegistryHost.Tls.SYSTEM)) : new ArrayList<>(h);
  }
}
