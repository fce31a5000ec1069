package dev.jpull.registry;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.registry.auth.CredentialSource;
import dev.jpull.registry.auth.Credentials;
import dev.jpull.registry.hosts.HostResolver;
import dev.jpull.registry.hosts.RegistryHost;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The hosts that serve a registry, tried in turn: its capable mirrors in order, then the registry itself,
 * each with the credentials stored for that host alone. Like containerd, a failing mirror is skipped, never
 * the upstream.
 */
final class HostFallback {
  private final HostResolver hosts;
  private final CredentialSource credentials;
  private final Transport transport;
  private final DebugLog log;
  private final Map<String, Optional<Credentials>> credentialCache = new ConcurrentHashMap<>();

  HostFallback(HostResolver hosts, CredentialSource credentials, Transport transport, DebugLog log) {
    this.hosts = hosts;
    this.credentials = credentials;
    this.transport = transport;
    this.log = log;
  }

  @FunctionalInterface
  interface HostCall<T> {
    T apply(Endpoint ep) throws IOException;
  }

  /** Tries each capable mirror in order, then the upstream; a failing mirror falls back to the next host. */
  <T> T onHosts(String registry, RegistryHost.Capability cap, String action, HostCall<T> call)
      throws IOException {
    return onHosts(registry, cap, action, call, () -> true);
  }

  /** As above; {@code mayFallBack} false once the call has output something another host would repeat. */
  <T> T onHosts(String registry, RegistryHost.Capability cap, String action, HostCall<T> call,
      BooleanSupplier mayFallBack) throws IOException {
    List<RegistryHost> candidates = new ArrayList<>();
    for (RegistryHost h : hosts.hosts(registry)) {
      if (!h.mirror() || h.capabilities().contains(cap)) {
        candidates.add(h);
      }
    }
    if (candidates.isEmpty()) {
      throw new JpullException(Kind.INVALID_INPUT, action + ": no host is configured to serve " + registry);
    }
    JpullException last = null;
    for (RegistryHost h : candidates) {
      Endpoint ep = Endpoint.of(h, registry, credentialsFor(registry, h));
      try {
        T result = call.apply(ep);
        log.log(action + ": served by " + (h.mirror() ? "mirror " : "") + ep.name());
        return result;
      } catch (JpullException e) {
        if (!h.mirror() || e.kind() == Kind.CANCELLED || transport.cancelled() || !mayFallBack.getAsBoolean()) {
          throw e;
        }
        log.log(action + ": mirror " + ep.name() + " failed (" + e.getMessage() + "); trying the next host");
        last = e;
      }
    }
    throw last;
  }

  /** Credentials belong to one host: a mirror gets only what is stored for the mirror itself. */
  private Credentials credentialsFor(String registry, RegistryHost h) throws IOException {
    String key = h.mirror() ? h.authority() : registry;
    Optional<Credentials> c = credentialCache.get(key);
    if (c == null) {
      c = credentials.lookup(key);
      credentialCache.put(key, c);
    }
    return c.orElse(null);
  }
}
