package dev.jpull.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Credentials the user already has: explicit ones for this command, then the {@code auths} of docker's
 * {@code config.json} ({@code $DOCKER_CONFIG}, {@code ~/.docker}) and of containers' {@code auth.json}.
 * Keys match as docker/cli's {@code ConvertToHostname} does (scheme and path stripped, port kept);
 * Docker Hub's key is {@code https://index.docker.io/v1/}.
 *
 * In docker's config, {@code credHelpers[host]} wins over {@code credsStore}, which wins over {@code auths}.
 * A helper that fails is an error, never a reason to send other credentials (CVE-2021-41092).
 */
public final class DockerConfigCredentials implements CredentialSource {
  private static final int MAX_FILE = 1 << 20;

  private final Credentials explicit;
  private final List<Path> files;
  private final String path;

  public DockerConfigCredentials(Credentials explicit, Map<String, String> env, Path home) {
    this.explicit = explicit;
    this.path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    List<Path> f = new ArrayList<>();
    String dockerConfig = env.get("DOCKER_CONFIG");
    f.add(dockerConfig != null && !dockerConfig.isBlank() ? Path.of(dockerConfig, "config.json")
        : home.resolve(".docker/config.json"));
    if (env.get("REGISTRY_AUTH_FILE") != null) {
      f.add(Path.of(env.get("REGISTRY_AUTH_FILE")));
    }
    if (env.get("XDG_RUNTIME_DIR") != null) {
      f.add(Path.of(env.get("XDG_RUNTIME_DIR"), "containers/auth.json"));
    }
    f.add(home.resolve(".config/containers/auth.json"));
    this.files = List.copyOf(f);
  }

  @Override
  public Optional<Credentials> lookup(String registry) throws IOException {
    if (explicit != null) {
      return Optional.of(explicit);
    }
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        continue;
      }
      JsonNode auths;
      try (InputStream in = Files.newInputStream(file)) {
        auths = Json.MAPPER.readTree(in.readNBytes(MAX_FILE)).path("auths");
      } catch (IOException e) {
        throw new JpullException(Kind.UNAUTHORIZED, "read credentials from " + file + ": " + e.getMessage(), e);
      }
      if (file.equals(files.get(0))) {
        Optional<String> helper = helperFor(file, registry);
        if (helper.isPresent()) {
          String server = registry.equals("docker.io") ? "https://index.docker.io/v1/" : registry;
          return new CredentialHelper(helper.get(), path, 10_000).get(server);
        }
      }
      var names = auths.fieldNames();
      while (names.hasNext()) {
        String key = names.next();
        if (hostOf(key).equals(registry) || (registry.equals("docker.io") && isDockerHub(hostOf(key)))) {
          return decode(auths.get(key), file, registry);
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> helperFor(Path file, String registry) throws IOException {
    JsonNode config;
    try (InputStream in = Files.newInputStream(file)) {
      config = Json.MAPPER.readTree(in.readNBytes(MAX_FILE));
    }
    JsonNode helpers = config.path("credHelpers");
    var names = helpers.fieldNames();
    while (names.hasNext()) {
      String key = names.next();
      if (hostOf(key).equals(registry) || (registry.equals("docker.io") && isDockerHub(hostOf(key)))) {
        return Optional.of(helpers.get(key).asText());
      }
    }
    String store = config.path("credsStore").asText("");
    return store.isEmpty() ? Optional.empty() : Optional.of(store);
  }

  private static Optional<Credentials> decode(JsonNode entry, Path file, String registry) throws JpullException {
    if (entry.hasNonNull("identitytoken") && !entry.get("identitytoken").asText().isEmpty()) {
      return Optional.of(new Credentials(entry.path("username").asText(""), null, entry.get("identitytoken").asText()));
    }
    String auth = entry.path("auth").asText("");
    if (auth.isEmpty()) {
      if (entry.hasNonNull("username")) {
        return Optional.of(Credentials.basic(entry.get("username").asText(), entry.path("password").asText("")));
      }
      return Optional.empty();
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new JpullException(Kind.UNAUTHORIZED, "the \"auth\" entry for " + registry + " in " + file
          + " is not valid base64", "run 'docker login " + registry + "' again", null);
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new JpullException(Kind.UNAUTHORIZED, "the \"auth\" entry for " + registry + " in " + file
          + " is not user:password", "run 'docker login " + registry + "' again", null);
    }
    return Optional.of(Credentials.basic(decoded.substring(0, colon), decoded.substring(colon + 1)));
  }

  /** docker/cli ConvertToHostname: strip the scheme and the path, keep the port. */
  static String hostOf(String key) {
    String k = key;
    int scheme = k.indexOf("://");
    if (scheme >= 0) {
      k = k.substring(scheme + 3);
    }
    int slash = k.indexOf('/');
    return slash >= 0 ? k.substring(0, slash) : k;
  }

  private static boolean isDockerHub(String host) {
    return host.equals("index.docker.io") || host.equals("docker.io") || host.equals("registry-1.docker.io");
  }
}
