package dev.jpull.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Docker's {@code config.json} as {@code jpull login}/{@code logout} change it: credentials go through the
 * configured {@code credHelpers}/{@code credsStore} helper when there is one, else into {@code auths}. Every
 * other key of the file is kept; the file is replaced atomically with mode 0600.
 */
public final class DockerConfigFile {
  private final Path path;
  private final Map<String, String> env;
  private final Duration helperTimeout;

  private DockerConfigFile(Path path, Map<String, String> env, Duration helperTimeout) {
    this.path = path;
    this.env = Map.copyOf(env);
    this.helperTimeout = helperTimeout;
  }

  /** {@code $DOCKER_CONFIG/config.json}, else {@code home/.docker/config.json}; helpers found on env's PATH. */
  public static DockerConfigFile fromEnvironment(Map<String, String> env, Path home) {
    return new DockerConfigFile(configPath(env, home), env, CredentialHelper.DEFAULT_TIMEOUT);
  }

  /** The same file with another credential-helper timeout. */
  public DockerConfigFile withHelperTimeout(Duration timeout) {
    return new DockerConfigFile(path, env, Objects.requireNonNull(timeout));
  }

  static Path configPath(Map<String, String> env, Path home) {
    String dir = env.get("DOCKER_CONFIG");
    return dir != null && !dir.isEmpty() ? Path.of(dir, "config.json") : home.resolve(".docker/config.json");
  }

  public Path path() {
    return path;
  }

  /** Stores {@code credentials} for {@code registry} ({@code docker.io}, {@code host:port}). */
  public void store(String registry, Credentials credentials) throws IOException {
    AuthFile file = read();
    String key = HostKeys.canonicalKey(registry);
    ObjectNode auths = file.root().has("auths") ? (ObjectNode) file.root().get("auths")
        : file.root().putObject("auths");
    Optional<CredentialHelper> helper = helper(file, registry);
    ObjectNode entry = auths.get(key) instanceof ObjectNode o ? o : auths.putObject(key);
    entry.remove(List.of("auth", "identitytoken", "username", "password"));
    if (helper.isPresent()) {
      helper.get().store(key, credentials);
      // As docker does: the secret lives in the helper, config.json only remembers that a login happened.
    } else {
      if (!credentials.username().isEmpty() || !credentials.password().isEmpty()) {
        entry.put("auth", AuthFile.basicAuth(credentials));
      }
      if (credentials.hasIdentityToken()) {
        entry.put("identitytoken", credentials.identityToken());
      }
    }
    write(file.root());
  }

  /** Removes what is stored for {@code registry}; false when nothing was. */
  public boolean remove(String registry) throws IOException {
    AuthFile file = read();
    String key = HostKeys.canonicalKey(registry);
    boolean removed = false;
    Optional<CredentialHelper> helper = helper(file, registry);
    if (helper.isPresent()) {
      removed = helper.get().erase(key);
    }
    JsonNode auths = file.root().get("auths");
    boolean changed = false;
    if (auths instanceof ObjectNode o) {
      // docker logout also removes the entries older docker versions wrote with a scheme.
      List<String> keys = HostKeys.isDockerHub(registry) ? List.of(key) : List.of(key, "http://" + key, "https://" + key);
      for (String k : keys) {
        if (o.remove(k) != null) {
          changed = true;
        }
      }
    }
    if (changed) {
      write(file.root());
    }
    return removed || changed;
  }

  private AuthFile read() throws JpullException {
    AuthFile file = AuthFile.read(path)
        .orElseGet(() -> new AuthFile(path.toString(), dev.jpull.oci.Json.MAPPER.createObjectNode()));
    JsonNode auths = file.root().get("auths");
    if (auths != null && !auths.isObject()) {
      throw new JpullException(Kind.UNAUTHORIZED, "update credentials file " + path + ": \"auths\" is not an object",
          "fix " + path, null);
    }
    return file;
  }

  /** The helper that must hold the secret, if one is configured; a configured helper that is missing is fatal. */
  private Optional<CredentialHelper> helper(AuthFile file, String registry) throws JpullException {
    Optional<String> name = file.credHelper(registry);
    String where = "credHelpers for " + registry + " in " + path;
    if (name.isEmpty()) {
      name = file.credsStore();
      where = "credsStore in " + path;
    }
    if (name.isEmpty()) {
      return Optional.empty();
    }
    // CVE-2021-41092: never fall back to writing the secret elsewhere when the helper cannot run.
    String n = name.get();
    String w = where;
    return Optional.of(CredentialHelper.find(n, env, helperTimeout).orElseThrow(() -> CredentialHelper.notFound(n, w)));
  }

  private void write(ObjectNode root) throws JpullException {
    try {
      Path target = path;
      if (Files.isSymbolicLink(target)) {
        // A config.json managed as a symlink (dotfiles) is updated where it points, as docker does.
        target = target.toRealPath();
      }
      Path dir = target.toAbsolutePath().getParent();
      boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
      if (!Files.isDirectory(dir)) {
        createPrivateDirectories(dir, posix);
      }
      byte[] bytes = dev.jpull.oci.Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
      FileAttribute<?>[] attrs = posix
          ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
          : new FileAttribute<?>[0];
      Path tmp = Files.createTempFile(dir, target.getFileName() + ".", ".tmp", attrs);
      try {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          ByteBuffer buf = ByteBuffer.wrap(bytes);
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
          ch.force(true);
        }
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
      fsyncDirectory(dir);
    } catch (IOException e) {
      throw new JpullException(Kind.LOCAL_IO, "write credentials file " + path + ": " + e, e);
    }
  }

  private static void createPrivateDirectories(Path dir, boolean posix) throws IOException {
    Path parent = dir.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      createPrivateDirectories(parent, posix);
    }
    try {
      if (posix) {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        // The umask may have removed bits, never added any; set exactly 0700.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      } else {
        Files.createDirectory(dir);
      }
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir)) {
        throw e;
      }
    }
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Not every platform can open a directory; the rename itself already happened.
    }
  }
}
