package dev.jpull.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real CNCF distribution registry ({@code /usr/bin/docker-registry}) on a free loopback port with its
 * own temporary storage, for end-to-end tests. Missing binary: a failure under {@code CI=true}, else a
 * visible skip.
 */
public final class RegistryServer implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/docker-registry");

  private final Process process;
  private final int port;
  private final Path log;

  private RegistryServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Fails under CI=true, else skips, when the registry is not installed. */
  public static void requireAvailable() {
    if (Files.isExecutable(BINARY)) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail(BINARY + " is missing: apt-get install docker-registry (CI=true requires the real-registry tests)");
    }
    Assumptions.abort(BINARY + " is not installed (apt-get install docker-registry): real-registry test skipped");
  }

  public static RegistryServer start(Path dir) throws IOException, InterruptedException {
    requireAvailable();
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path storage = Files.createDirectories(dir.resolve("registry-storage"));
    Path config = dir.resolve("registry.yml");
    Files.writeString(config, """
        version: 0.1
        log:
          level: warn
          accesslog:
            disabled: false
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:%d
        """.formatted(storage, port));
    Path log = dir.resolve("registry.log");
    Process p = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    RegistryServer server = new RegistryServer(p, port, log);
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(server.url() + "/v2/").toURL().openConnection();
        if (c.getResponseCode() == 200) {
          return server;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (!p.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    server.close();
    throw new IOException("registry did not start: " + Files.readString(log));
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  /** The registry's log so far (its access log counts requests). */
  public String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
