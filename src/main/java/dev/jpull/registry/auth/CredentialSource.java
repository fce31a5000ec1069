package dev.jpull.registry.auth;

import java.io.IOException;
import java.util.Optional;

/** Finds the credentials a user already has for a registry. */
@FunctionalInterface
public interface CredentialSource {
  CredentialSource ANONYMOUS = registry -> Optional.empty();

  /**
   * Credentials for {@code registry} as written in references ({@code docker.io}, {@code ghcr.io},
   * {@code host:port}); empty for anonymous. A failing credential helper is {@code UNAUTHORIZED}.
   */
  Optional<Credentials> lookup(String registry) throws IOException;
}
