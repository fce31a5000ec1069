package dev.jpull.registry;

import dev.jpull.registry.auth.Credentials;
import dev.jpull.registry.hosts.RegistryHost;
import okhttp3.HttpUrl;

/**
 * One host being talked to on behalf of one registry, with the credentials that belong to that host (or
 * null for anonymous). Credentials never leave {@link #origin()} except to its validated token realm.
 *
 * @param registry the registry as written in references, for messages and hints
 */
record Endpoint(RegistryHost host, String registry, Credentials credentials) {
  HttpUrl base() {
    HttpUrl u = HttpUrl.get(host.base());
    return u;
  }

  String origin() {
    return Transport.origin(base());
  }

  /** {@code host[:port]} as named in messages. */
  String name() {
    return host.authority();
  }

  boolean hasCredentials() {
    return credentials != null && (!credentials.username().isEmpty() || credentials.hasIdentityToken());
  }
}
