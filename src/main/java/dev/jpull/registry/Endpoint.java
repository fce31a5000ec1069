package dev.jpull.registry;

import dev.jpull.registry.auth.Credentials;
import dev.jpull.registry.hosts.RegistryHost;
import okhttp3.HttpUrl;

/**
 * One host being talked to on behalf of one registry, with the credentials that belong to that host (or
 * null for anonymous). Credentials never leave {@link #origin()} except to its validated token realm.
 *
 * @param registry the registry as written in references, for messages and hints
 * @param withheld true when credentials exist for the host but are not sent: plain HTTP to a remote host
 *     without the hosts.toml opt-in
 */
record Endpoint(RegistryHost host, String registry, Credentials credentials, boolean withheld) {
  Endpoint(RegistryHost host, String registry, Credentials credentials) {
    this(host, registry, credentials, false);
  }

  /**
   * Credentials travel over plain HTTP only to this machine ({@code localhost}, 127.0.0.0/8, ::1, by name)
   * or to a host whose hosts.toml declares {@code http://} (the per-host opt-in, like docker's
   * insecure-registries); {@code --plain-http} alone is not an opt-in.
   */
  static Endpoint of(RegistryHost host, String registry, Credentials credentials) {
    if (credentials != null && host.plainHttp() && !host.plainHttpDeclared()
        && !RequestPolicy.isLoopbackName(HttpUrl.get(host.base()).host())) {
      return new Endpoint(host, registry, null, true);
    }
    return new Endpoint(host, registry, credentials, false);
  }

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
