package dev.jpull.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.oci.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A docker credential helper ({@code docker-credential-<name>}, the docker-credential-helpers protocol):
 * {@code get} and {@code erase} take the server URL on stdin, {@code store} takes
 * {@code {"ServerURL","Username","Secret"}}; {@code get} prints that JSON on stdout.
 *
 * <p>The helper is an external program named by a config file, so it is treated as untrusted: its name is
 * validated before any path is built, it is found only in absolute PATH directories (never the working
 * directory), it runs under a timeout, its stdout is read with a cap, and its stderr is discarded because
 * helpers echo secrets there.
 */
final class CredentialHelper {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  static final int MAX_OUTPUT = 64 * 1024;
  static final String PREFIX = "docker-credential-";

  /** docker-credential-helpers' {@code errCredentialsNotFoundMessage}. */
  private static final String NOT_FOUND_MESSAGE = "credentials not found in native keychain";
  /** No path separator, no space, no leading dot or dash: the name is only ever a file name suffix. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  /** docker-credential-helpers marks an identity token with this username. */
  private static final String TOKEN_USERNAME = "<token>";

  private final String name;
  private final Path executable;
  private final Map<String, String> env;
  private final Duration timeout;

  private CredentialHelper(String name, Path executable, Map<String, String> env, Duration timeout) {
    this.name = name;
    this.executable = executable;
    this.env = env;
    this.timeout = timeout;
  }

  /**
   * Finds {@code docker-credential-<name>} in the absolute directories of {@code env}'s PATH; empty when it is
   * not installed. An invalid name is refused before any file is looked at.
   */
  static Optional<CredentialHelper> find(String name, Map<String, String> env, Duration timeout)
      throws JpullException {
    if (!NAME.matcher(name).matches()) {
      throw new JpullException(Kind.UNAUTHORIZED, "credential helper name " + Quoted.of(name) + " is invalid",
          "a helper name is a plain word such as \"pass\" or \"ecr-login\"; fix the docker config file", null);
    }
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(":")) {
      // Empty entries and relative directories mean the working directory: never run a program from there.
      if (dir.isEmpty() || !dir.startsWith("/")) {
        continue;
      }
      Path candidate;
      try {
        candidate = Path.of(dir).resolve(PREFIX + name);
      } catch (InvalidPathException e) {
        continue;
      }
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(new CredentialHelper(name, candidate, Map.copyOf(env), timeout));
      }
    }
    return Optional.empty();
  }

  static JpullException notFound(String name, String where) {
    return new JpullException(Kind.UNAUTHORIZED,
        "credential helper " + PREFIX + name + " not found in PATH (configured by " + where + ")",
        "install " + PREFIX + name + " or remove it from the config file", null);
  }

  String program() {
    return PREFIX + name;
  }

  /** The credentials stored for {@code serverUrl}; empty when the helper has none. */
  Optional<Credentials> get(String serverUrl) throws JpullException {
    Result r = run("get", serverUrl.getBytes(StandardCharsets.UTF_8));
    if (r.exit != 0) {
      if (r.notFound()) {
        return Optional.empty();
      }
      throw failed(r.exit);
    }
    JsonNode tree;
    try {
      tree = Json.MAPPER.readTree(Json.utf8(r.stdout));
    } catch (IOException e) {
      // The output carries a secret: neither it nor the parser's message (which quotes it) is passed on.
      throw new JpullException(Kind.UNAUTHORIZED, "credential helper " + program() + " returned malformed output");
    }
    if (!tree.isObject()) {
      throw new JpullException(Kind.UNAUTHORIZED, "credential helper " + program() + " returned malformed output");
    }
    String username = tree.path("Username").asText("");
    String secret = tree.path("Secret").asText("");
    if (TOKEN_USERNAME.equals(username)) {
      return secret.isEmpty() ? Optional.empty() : Optional.of(new Credentials("", "", secret));
    }
    if (username.isEmpty() && secret.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Credentials.basic(username, secret));
  }

  void store(String serverUrl, Credentials credentials) throws JpullException {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("ServerURL", serverUrl);
    if (credentials.hasIdentityToken()) {
      body.put("Username", TOKEN_USERNAME);
      body.put("Secret", credentials.identityToken());
    } else {
      body.put("Username", credentials.username());
      body.put("Secret", credentials.password());
    }
    byte[] json;
    try {
      json = Json.MAPPER.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new JpullException(Kind.UNAUTHORIZED, "credential helper " + program() + ": encode request", e);
    }
    Result r = run("store", json);
    if (r.exit != 0) {
      throw failed(r.exit);
    }
  }

  /** Erases what the helper holds for {@code serverUrl}; false when it held nothing. */
  boolean erase(String serverUrl) throws JpullException {
    Result r = run("erase", serverUrl.getBytes(StandardCharsets.UTF_8));
    if (r.exit != 0) {
      if (r.notFound()) {
        return false;
      }
      throw failed(r.exit);
    }
    return true;
  }

  private JpullException failed(int exit) {
    return new JpullException(Kind.UNAUTHORIZED, "credential helper " + program() + " failed: exit code " + exit,
        "check that " + program() + " works: echo SERVER | " + program() + " get", null);
  }

  private Result run(String action, byte[] stdin) throws JpullException {
    ProcessBuilder pb = new ProcessBuilder(executable.toString(), action);
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new JpullException(Kind.UNAUTHORIZED, "credential helper " + program() + " failed to start: "
          + e.getMessage(), e);
    }
    BoundedReader stdout = new BoundedReader(p);
    Thread reader = new Thread(stdout, program() + "-stdout");
    reader.setDaemon(true);
    reader.start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin);
    } catch (IOException e) {
      // The helper exited or closed stdin without reading: its exit status tells the rest.
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(p);
        throw new JpullException(Kind.UNAUTHORIZED, "credential helper " + program() + " " + action
            + " timed out after " + timeout.toSeconds() + " s");
      }
      // Children left behind (a shell script's background job) would keep stdout open.
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      reader.join(timeout.toMillis());
    } catch (InterruptedException e) {
      kill(p);
      Thread.currentThread().interrupt();
      throw new JpullException(Kind.CANCELLED, "credential helper " + program() + " " + action + ": interrupted");
    }
    if (stdout.overflow) {
      throw new JpullException(Kind.UNAUTHORIZED, "credential helper " + program() + " " + action
          + ": output larger than " + MAX_OUTPUT + " bytes");
    }
    return new Result(p.exitValue(), stdout.bytes());
  }

  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      p.waitFor(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private record Result(int exit, byte[] stdout) {
    boolean notFound() {
      return new String(stdout, StandardCharsets.UTF_8).trim().equals(NOT_FOUND_MESSAGE);
    }
  }

  /** Reads stdout up to the cap; past it, kills the helper instead of buffering more. */
  private static final class BoundedReader implements Runnable {
    private final Process process;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private volatile boolean overflow;

    BoundedReader(Process process) {
      this.process = process;
    }

    @Override
    public void run() {
      byte[] buf = new byte[8192];
      try (InputStream in = process.getInputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          synchronized (out) {
            if (out.size() + n > MAX_OUTPUT) {
              overflow = true;
              kill(process);
              return;
            }
            out.write(buf, 0, n);
          }
        }
      } catch (IOException e) {
        // The process was killed or its pipe closed: what was read so far is the output.
      }
    }

    byte[] bytes() {
      synchronized (out) {
        return out.toByteArray();
      }
    }
  }
}
