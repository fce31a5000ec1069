package dev.jpull.registry.auth;

import dev.jpull.JpullException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials a user already has, looked up as docker and podman do: explicit CLI credentials, then docker's
 * {@code config.json} ({@code credHelpers[host]}, then {@code credsStore}, then {@code auths}), then
 * containers' {@code auth.json} files. Every lookup is for one registry and returns only what was stored
 * for exactly that host and port (CVE-2021-41092).
 */
public final class DockerKeychain implements CredentialSource {
  private static final Logger LOG = LoggerFactory.getLogger(DockerKeychain.class);

  private final String explicitRegistry;
  private final Credentials explicit;
  private final List<Path> files;
  private final Map<String, String> env;
  private final Duration helperTimeout;
  private final Consumer<String> warnings;

  private DockerKeychain(String explicitRegistry, Credentials explicit, List<Path> files, Map<String, String> env,
      Duration helperTimeout, Consumer<String> warnings) {
    this.explicitRegistry = explicitRegistry;
    this.explicit = explicit;
    this.files = List.copyOf(files);
    this.env = Map.copyOf(env);
    this.helperTimeout = helperTimeout;
    this.warnings = warnings;
  }

  /**
   * The keychain of the user described by {@code env} (e.g. {@code System.getenv()}) and {@code home}
   * ({@code user.home}). {@code warnings} receives non-fatal problems, such as a {@code credsStore} helper that
   * is not installed.
   */
  public static DockerKeychain fromEnvironment(Map<String, String> env, Path home, Consumer<String> warnings) {
    return new DockerKeychain(null, null, configFiles(env, home), env, CredentialHelper.DEFAULT_TIMEOUT,
        Objects.requireNonNull(warnings));
  }

  /** The same keychain with {@code credentials} (from {@code --username}/{@code --password-stdin}) first for {@code registry}. */
  public DockerKeychain withExplicit(String registry, Credentials credentials) {
    return new DockerKeychain(Objects.requireNonNull(registry), Objects.requireNonNull(credentials), files, env,
        helperTimeout, warnings);
  }

  /** The same keychain with another credential-helper timeout (tests use 2 s). */
  public DockerKeychain withHelperTimeout(Duration timeout) {
    return new DockerKeychain(explicitRegistry, explicit, files, env, Objects.requireNonNull(timeout), warnings);
  }

  /** The files consulted, in order: docker's config.json, then containers' auth.json locations. */
  public List<Path> files() {
    return files;
  }

  static List<Path> configFiles(Map<String, String> env, Path home) {
    List<Path> files = new ArrayList<>();
    files.add(DockerConfigFile.configPath(env, home));
    String authFile = env.get("REGISTRY_AUTH_FILE");
    if (authFile != null && !authFile.isEmpty()) {
      files.add(Path.of(authFile));
    }
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isEmpty()) {
      files.add(Path.of(runtime, "containers", "auth.json"));
    }
    files.add(home.resolve(".config/containers/auth.json"));
    return files.stream().distinct().toList();
  }

  @Override
  public Optional<Credentials> lookup(String registry) throws JpullException {
    if (explicit != null && sameRegistry(explicitRegistry, registry)) {
      LOG.debug("credentials for {}: from the command line", registry);
      return Optional.of(explicit);
    }
    for (Path path : files) {
      Optional<AuthFile> file = AuthFile.read(path);
      if (file.isEmpty()) {
        continue;
      }
      Optional<Credentials> found = lookup(file.get(), registry);
      if (found.isPresent()) {
        LOG.debug("credentials for {}: from {}", registry, path);
        return found;
      }
    }
    LOG.debug("credentials for {}: none, anonymous", registry);
    return Optional.empty();
  }

  private Optional<Credentials> lookup(AuthFile file, String registry) throws JpullException {
    String serverUrl = HostKeys.canonicalKey(registry);
    Optional<String> helperName = file.credHelper(registry);
    if (helperName.isPresent()) {
      // A helper configured for this very host that cannot run is an error, not a reason to look elsewhere.
      CredentialHelper helper = CredentialHelper.find(helperName.get(), env, helperTimeout)
          .orElseThrow(() -> CredentialHelper.notFound(helperName.get(), "credHelpers for " + registry + " in "
              + file.path()));
      return helper.get(serverUrl);
    }
    Optional<String> store = file.credsStore();
    if (store.isPresent()) {
      Optional<CredentialHelper> helper = CredentialHelper.find(store.get(), env, helperTimeout);
      if (helper.isEmpty()) {
        // credsStore applies to every registry; a missing one must not break anonymous pulls. Nothing else
        // is tried for this file: its auths entries belong to the store (CVE-2021-41092).
        warnings.accept("credential helper " + CredentialHelper.PREFIX + store.get()
            + " (credsStore in " + file.path() + ") not found in PATH; continuing without its credentials for "
            + registry);
        return Optional.empty();
      }
      Optional<Credentials> found = helper.get().get(serverUrl);
      return found.isPresent() ? found : file.auths(registry);
    }
    return file.auths(registry);
  }

  private static boolean sameRegistry(String a, String b) {
    return HostKeys.canonicalKey(a).equals(HostKeys.canonicalKey(b));
  }
}
