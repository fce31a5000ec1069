package dev.jpull.registry.auth;

import java.util.Objects;

/**
 * A username and secret for one registry, or an identity token (an OAuth2 refresh token). Never printed:
 * {@link #toString()} redacts the secret.
 */
public record Credentials(String username, String password, String identityToken) {
  public Credentials {
    username = username == null ? "" : username;
    password = password == null ? "" : password;
    identityToken = identityToken == null ? "" : identityToken;
  }

  public static Credentials basic(String username, String password) {
    return new Credentials(Objects.requireNonNull(username), Objects.requireNonNull(password), null);
  }

  public boolean hasIdentityToken() {
    return !identityToken.isEmpty();
  }

  @Override
  public String toString() {
    return "Credentials[username=" + username + ", secret=REDACTED]";
  }
}
