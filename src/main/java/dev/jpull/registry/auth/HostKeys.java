package dev.jpull.registry.auth;

import dev.jpull.reference.Reference;
import java.util.Locale;
import java.util.Set;

/**
 * How credential-file keys name registries, following docker/cli {@code ConvertToHostname}: a key is a host
 * with an optional port, possibly written as a URL; scheme, userinfo and path are dropped, the port is kept.
 * A key matches a registry only when the host and port are equal, so {@code registry.test} never matches
 * {@code registry.test.evil.test} or {@code registry.test:5000} (CVE-2021-41092: credentials go only to the
 * host they were stored for).
 */
final class HostKeys {
  /** The key docker writes for Docker Hub, kept for compatibility with every docker-produced file. */
  static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";

  private static final Set<String> DOCKER_HUB_HOSTS =
      Set.of(Reference.DOCKER_HUB, "index.docker.io", Reference.DOCKER_HUB_API);

  private HostKeys() {}

  /** {@code host[:port]} of a key such as {@code https://registry.test/v2/} or {@code registry.test}. */
  static String hostname(String key) {
    String s = key.trim();
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int slash = s.indexOf('/');
    if (slash >= 0) {
      s = s.substring(0, slash);
    }
    if (scheme >= 0) {
      int at = s.lastIndexOf('@');
      if (at >= 0) {
        s = s.substring(at + 1);
      }
    }
    return s.toLowerCase(Locale.ROOT);
  }

  static boolean isDockerHub(String registry) {
    return DOCKER_HUB_HOSTS.contains(registry.toLowerCase(Locale.ROOT));
  }

  /** Whether a credential-file key is meant for {@code registry} (a registry as written in references). */
  static boolean matches(String key, String registry) {
    String host = hostname(key);
    if (isDockerHub(registry)) {
      return DOCKER_HUB_HOSTS.contains(host);
    }
    return host.equals(registry.toLowerCase(Locale.ROOT));
  }

  /**
   * The key under which docker stores {@code registry} and the server URL it gives credential helpers:
   * {@code https://index.docker.io/v1/} for Docker Hub, else {@code host[:port]}.
   */
  static String canonicalKey(String registry) {
    return isDockerHub(registry) ? DOCKER_HUB_KEY : registry.toLowerCase(Locale.ROOT);
  }
}
