package dev.jpull.registry.auth;

import dev.jpull.JpullException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials a user already has, looked up in the contract's order: explicit CLI credentials; then
 * {@code --authfile FILE} alone when given; else {@code DOCKER_AUTH_CONFIG} (a whole docker config in the
 * variable, as GitLab runners pass it), docker's {@code config.json} ({@code credHelpers[host]}, then
 * {@code credsStore}, then {@code auths}), then containers' {@code auth.json} files. Every lookup is for one
 * registry and returns only what was stored for exactly that host and port (CVE-2021-41092). A source that
 * cannot be used as a whole (unreadable, not JSON) is one warning, then the next source; one whose secrets
 * other users can read is one warning.
 */
public final class DockerKeychain implements CredentialSource {
  private static final Logger LOG = LoggerFactory.getLogger(DockerKeychain.class);
  static final String AUTH_CONFIG_VARIABLE = "DOCKER_AUTH_CONFIG";

  /** One place credentials may come from: a file, or a JSON document held in an environment variable. */
  private record Source(String label, Path file, String inline) {
    static Source of(Path file) {
      return new Source(file.toString(), file, null);
    }

    Optional<AuthFile> read() throws JpullException {
      return file != null ? AuthFile.read(file)
          : Optional.of(AuthFile.parse(label, inline.getBytes(StandardCharsets.UTF_8)));
    }
  }

  /** The credentials found and a description of where, for {@code jpull login --status} and {@code --debug}. */
  public record Answer(Credentials credentials, String source) {}

  private final String explicitRegistry;
  private final Credentials explicit;
  private final List<Source> sources;
  /** {@code --authfile}: the one source, whose problems are errors since the user named it. */
  private final boolean chosen;
  private final Map<String, String> env;
  private final Duration helperTimeout;
  private final Consumer<String> warnings;
  /** Sources already warned about, shared by the copies {@code with…} makes: one warning each per process. */
  private final Set<String> warned;

  private DockerKeychain(String explicitRegistry, Credentials explicit, List<Source> sources, boolean chosen,
      Map<String, String> env, Duration helperTimeout, Consumer<String> warnings, Set<String> warned) {
    this.explicitRegistry = explicitRegistry;
    this.explicit = explicit;
    this.sources = List.copyOf(sources);
    this.chosen = chosen;
    this.env = Map.copyOf(env);
    this.helperTimeout = helperTimeout;
    this.warnings = warnings;
    this.warned = warned;
  }

  /**
   * The keychain of the user described by {@code env} (e.g. {@code System.getenv()}) and {@code home}
   * ({@code user.home}). {@code warnings} receives non-fatal problems, such as a {@code credsStore} helper that
   * is not installed.
   */
  public static DockerKeychain fromEnvironment(Map<String, String> env, Path home, Consumer<String> warnings) {
    List<Source> sources = new ArrayList<>();
    String inline = env.get(AUTH_CONFIG_VARIABLE);
    if (inline != null && !inline.isBlank()) {
      sources.add(new Source("$" + AUTH_CONFIG_VARIABLE, null, inline));
    }
    configFiles(env, home).forEach(f -> sources.add(Source.of(f)));
    return new DockerKeychain(null, null, sources, false, env, CredentialHelper.DEFAULT_TIMEOUT,
        Objects.requireNonNull(warnings), ConcurrentHashMap.newKeySet());
  }

  /** The same keychain with {@code credentials} (from {@code --username}/{@code --password-stdin}) first for {@code registry}. */
  public DockerKeychain withExplicit(String registry, Credentials credentials) {
    return new DockerKeychain(Objects.requireNonNull(registry), Objects.requireNonNull(credentials), sources, chosen,
        env, helperTimeout, warnings, warned);
  }

  /** {@code --authfile FILE}: that file replaces the whole search, as in skopeo and podman. */
  public DockerKeychain withAuthFile(Path file) {
    return new DockerKeychain(explicitRegistry, explicit, List.of(Source.of(file)), true, env, helperTimeout,
        warnings, warned);
  }

  /** The same keychain with another credential-helper timeout (tests use 2 s). */
  public DockerKeychain withHelperTimeout(Duration timeout) {
    return new DockerKeychain(explicitRegistry, explicit, sources, chosen, env, Objects.requireNonNull(timeout),
        warnings, warned);
  }

  /** The files consulted, in order: docker's config.json, then containers' auth.json locations. */
  public List<Path> files() {
    return sources.stream().map(Source::file).filter(Objects::nonNull).toList();
  }

  /** Where credentials are searched, in order, for messages: {@code $DOCKER_AUTH_CONFIG} and file paths. */
  public List<String> searched() {
    return sources.stream().map(Source::label).toList();
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
    return answer(registry).map(Answer::credentials);
  }

  /** The credentials for {@code registry} and the source that gave them; empty for anonymous. */
  public Optional<Answer> answer(String registry) throws JpullException {
    if (explicit != null && sameRegistry(explicitRegistry, registry)) {
      LOG.debug("credentials for {}: from the command line", registry);
      return Optional.of(new Answer(explicit, "--username and --password-stdin"));
    }
    for (Source source : sources) {
      Optional<Answer> found;
      try {
        Optional<AuthFile> file = source.read();
        if (file.isEmpty()) {
          continue;
        }
        found = lookup(file.get(), source, registry);
      } catch (AuthFile.Malformed e) {
        if (chosen) {
          throw e;
        }
        warnOnce("malformed " + source.label(), e.getMessage() + "; ignoring it (" + e.hint() + ")");
        continue;
      }
      if (found.isPresent()) {
        LOG.debug("credentials for {}: from {}", registry, found.get().source());
        return found;
      }
    }
    LOG.debug("credentials for {}: none, anonymous", registry);
    return Optional.empty();
  }

  private Optional<Answer> lookup(AuthFile file, Source source, String registry) throws JpullException {
    String serverUrl = HostKeys.canonicalKey(registry);
    Optional<String> helperName = file.credHelper(registry);
    if (helperName.isPresent()) {
      // A helper configured for this very host that cannot run is an error, not a reason to look elsewhere.
      CredentialHelper helper = CredentialHelper.find(helperName.get(), env, helperTimeout)
          .orElseThrow(() -> CredentialHelper.notFound(helperName.get(), "credHelpers for " + registry + " in "
              + file.path()));
      return helper.get(serverUrl).map(c -> new Answer(c, source.label() + " (credHelpers: "
          + CredentialHelper.PREFIX + helperName.get() + ")"));
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
      if (found.isPresent()) {
        return Optional.of(new Answer(found.get(), source.label() + " (credsStore: " + CredentialHelper.PREFIX
            + store.get() + ")"));
      }
    }
    Optional<Credentials> found = file.auths(registry);
    found.ifPresent(c -> warnIfReadableByOthers(source));
    return found.map(c -> new Answer(c, source.label() + " (auths)"));
  }

  /** Secrets in a file others can read are as good as published: say so once, as ssh does for its keys. */
  private void warnIfReadableByOthers(Source source) {
    if (source.file() == null) {
      return;
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(source.file());
      if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
        warnOnce("readable " + source.label(), "credentials file " + source.label() + " is readable by other users ("
            + PosixFilePermissions.toString(perms) + "); restrict it with 'chmod 600 " + source.label() + "'");
      }
    } catch (IOException | UnsupportedOperationException e) {
      LOG.debug("permissions of {}: {}", source.label(), e.toString());
    }
  }

  private void warnOnce(String key, String message) {
    if (warned.add(key)) {
      warnings.accept(message);
    }
  }

  private static boolean sameRegistry(String a, String b) {
    return HostKeys.canonicalKey(a).equals(HostKeys.canonicalKey(b));
  }
}
