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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs a docker credential helper ({@code docker-credential-NAME get}, server URL on stdin, JSON on
 * stdout). The name is validated and the binary is looked up on PATH's absolute directories only, never
 * the working directory; output is bounded; stderr (which may echo secrets) is never relayed.
 */
final class CredentialHelper {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final int MAX_OUTPUT = 64 * 1024;
  private static final String NOT_FOUND = "credentials not found";

  private final String name;
  private final String path;
  private final long timeoutMillis;

  CredentialHelper(String name, String path, long timeoutMillis) {
    this.name = name;
    this.path = path;
    this.timeoutMillis = timeoutMillis;
  }

  /** Credentials for {@code serverUrl}; empty when the helper has none. */
  Optional<Credentials> get(String serverUrl) throws IOException {
    if (!NAME.matcher(name).matches()) {
      throw new JpullException(Kind.UNAUTHORIZED, "refusing credential helper name " + dev.jpull.Quoted.of(name));
    }
    Path binary = find().orElseThrow(() -> new JpullException(Kind.UNAUTHORIZED,
        "credential helper docker-credential-" + name + " not found on PATH",
        "install it, or remove it from the docker config file", null));
    Process p = new ProcessBuilder(binary.toString(), "get").redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      try (var stdin = p.getOutputStream()) {
        stdin.write(serverUrl.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // The helper exited without reading its input; its exit status and output decide.
      }
      byte[] out;
      try (InputStream in = p.getInputStream()) {
        out = in.readNBytes(MAX_OUTPUT);
      }
      if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
        throw new JpullException(Kind.UNAUTHORIZED, "credential helper docker-credential-" + name + " timed out");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        if (text.toLowerCase(java.util.Locale.ROOT).contains(NOT_FOUND)) {
          return Optional.empty();
        }
        throw new JpullException(Kind.UNAUTHORIZED, "credential helper docker-credential-" + name + " failed: exit "
            + p.exitValue());
      }
      JsonNode json = Json.MAPPER.readTree(text);
      String user = json.path("Username").asText("");
      String secret = json.path("Secret").asText("");
      if (secret.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(user.equals("<token>") ? new Credentials("", null, secret) : Credentials.basic(user, secret));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted running docker-credential-" + name);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new JpullException(Kind.UNAUTHORIZED, "credential helper docker-credential-" + name
          + " printed malformed output");
    } finally {
      p.destroyForcibly();
    }
  }

  private Optional<Path> find() {
    for (String dir : path.split(":")) {
      if (dir.isEmpty() || !dir.startsWith("/")) {
        continue;
      }
      Path candidate = Path.of(dir, "docker-credential-" + name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
