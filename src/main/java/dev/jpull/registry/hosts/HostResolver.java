package dev.jpull.registry.hosts;

import java.io.IOException;
import java.util.List;

/** Finds the endpoints to try for a registry, in order: mirrors first, the upstream last. */
@FunctionalInterface
public interface HostResolver {
  /**
   * @param registry the registry as written in references ({@code docker.io}, {@code 127.0.0.1:5000})
   */
  List<RegistryHost> hosts(String registry) throws IOException;
}
