package dev.jpull.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.testing.Launcher;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real launcher with a controlled environment and standard input: {@code HOME} is a private
 * directory (so no developer's {@code ~/.docker/config.json} or hosts directory leaks in), proxy and
 * registry-auth variables are dropped, and {@code env} adds what the test wants (DOCKER_CONFIG, PATH).
 */
final class JpullRun {
  /** What one run printed and returned. */
  record Result(int exit, String stdout, String stderr) {
    String output() {
      return stdout + stderr;
    }

    /** The single {@code jpull: error:} line; fails unless there is exactly one. */
    String errorLine() {
      List<String> lines = stderr.lines().filter(l -> l.startsWith("jpull: error: ")).toList();
      assertEquals(1, lines.size(), "exactly one error line expected:\n" + stderr);
      return lines.get(0);
    }

    /**
     * No secret appears in stdout or stderr, neither verbatim nor as a Basic header would carry it with any
     * of the given users.
     */
    void assertNoSecrets(List<String> users, String... secrets) {
      assertTrue(stderr.contains("--> "), "--debug logged no request, so the scan would prove nothing:\n" + this);
      for (String secret : secrets) {
        assertFalse(output().contains(secret), "secret printed:\n" + output());
        for (String user : users) {
          String basic = Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
          assertFalse(output().contains(basic), "basic credentials printed:\n" + output());
        }
      }
    }

    /** The debug log showed a credential-bearing request header, redacted. */
    void assertAuthorizationRedacted(String scheme) {
      assertTrue(stderr.contains("Authorization: " + scheme + " REDACTED"), "no redacted " + scheme
          + " Authorization header in the debug log:\n" + this);
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  private static final List<String> DROPPED = List.of("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
      "http_proxy", "https_proxy", "all_proxy", "no_proxy", "DOCKER_CONFIG", "DOCKER_AUTH_CONFIG", "REGISTRY_AUTH_FILE",
      "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "JPULL_HOSTS_DIR", "JPULL_STORE");

  private final Path workDir;
  private final Map<String, String> env;

  private JpullRun(Path workDir, Map<String, String> env) {
    this.workDir = workDir;
    this.env = Map.copyOf(env);
  }

  /** A runner whose HOME is {@code workDir/home}. */
  static JpullRun in(Path workDir) throws IOException {
    Path home = Files.createDirectories(workDir.resolve("home"));
    return new JpullRun(workDir, Map.of("HOME", home.toString()));
  }

  /** The same runner with one more environment variable. */
  JpullRun env(String name, String value) {
    Map<String, String> m = new HashMap<>(env);
    m.put(name, value);
    return new JpullRun(workDir, m);
  }

  Result run(String... args) throws IOException, InterruptedException {
    return runWithStdin("", args);
  }

  Result runWithStdin(String stdin, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Launcher.path().toString());
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(workDir, "out", ".txt");
    Path err = Files.createTempFile(workDir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
    DROPPED.forEach(pb.environment()::remove);
    pb.environment().putAll(env);
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("jpull " + String.join(" ", args) + " timed out; stderr: " + Files.readString(err));
    }
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
