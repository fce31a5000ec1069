package dev.jpull.registry;

import dev.jpull.registry.auth.CredentialSource;
import dev.jpull.registry.auth.Credentials;
import java.util.Map;
import java.util.Optional;

/** Credentials from a map keyed by registry (or mirror authority). */
record MapCredentials(Map<String, Credentials> map) implements CredentialSource {
  @Override
  public Optional<Credentials> lookup(String registry) {
    return Optional.ofNullable(map.get(registry));
  }
}
