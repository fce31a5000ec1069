package dev.jpull.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real CNCF distribution registry ({@code /usr/bin/docker-registry}) on a free loopback port with its
 * own temporary storage, for end-to-end tests; {@link #builder} adds TLS, auth, proxy mode or shared storage. Missing binary: a failure under {@code CI=true}, else a
 * visible skip.
 */
public final class RegistryServer implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/docker-registry");

  private final Process process;
  private final int port;
  private final Path log;
  private final boolean tls;

  private RegistryServer(Process process, int port, Path log, boolean tls) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.tls = tls;
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
    return builder(dir).start();
  }

  /** A registry configured beyond the defaults: shared storage, TLS, and extra top-level YAML (auth, proxy). */
  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  /** Configuration of one registry process; every setting is optional. */
  public static final class Builder {
    private final Path dir;
    private Path storage;
    private Path tlsCertificate;
    private Path tlsKey;
    private String extraYaml = "";
    private String name = "registry";

    private Builder(Path dir) {
      this.dir = dir;
    }

    /** The storage root, e.g. one a seeding registry without auth filled before (default: DIR/registry-storage). */
    public Builder storage(Path root) {
      this.storage = root;
      return this;
    }

    /** Serve HTTPS with this PEM certificate (chain) and PEM private key. */
    public Builder tls(Path certificate, Path key) {
      this.tlsCertificate = certificate;
      this.tlsKey = key;
      return this;
    }

    /** Top-level YAML sections appended verbatim (e.g. {@code auth:} or {@code proxy:}), unindented. */
    public Builder yaml(String topLevel) {
      this.extraYaml = topLevel.endsWith("\n") ? topLevel : topLevel + "\n";
      return this;
    }

    /** Names the config and log files, so several registries can share one directory. */
    public Builder name(String fileStem) {
      this.name = fileStem;
      return this;
    }

    public RegistryServer start() throws IOException, InterruptedException {
      requireAvailable();
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      Path root = Files.createDirectories(storage != null ? storage : dir.resolve("registry-storage"));
      String tls = tlsCertificate == null ? "" : """
            tls:
              certificate: %s
              key: %s
          """.formatted(tlsCertificate.toAbsolutePath(), tlsKey.toAbsolutePath());
      Path config = dir.resolve(name + ".yml");
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
          """.formatted(root, port) + tls + extraYaml);
      Path log = dir.resolve(name + ".log");
      Process p = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      RegistryServer server = new RegistryServer(p, port, log, tlsCertificate != null);
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (System.nanoTime() < deadline) {
        if (server.answers()) {
          return server;
        }
        if (!p.isAlive()) {
          break;
        }
        Thread.sleep(50);
      }
      server.close();
      throw new IOException("registry did not start: " + Files.readString(log));
    }
  }

  /**
   * Up when {@code /v2/} answers over plain HTTP (any status: auth may refuse it), or, for TLS, when the
   * port accepts connections (the registry listens only once it is configured).
   */
  private boolean answers() {
    try {
      if (tls) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1000);
          return true;
        }
      }
      HttpURLConnection c = (HttpURLConnection) URI.create(url() + "/v2/").toURL().openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(2000);
      int code = c.getResponseCode();
      c.disconnect();
      return code > 0;
    } catch (IOException e) {
      return false; // not up yet
    }
  }

  public String url() {
    return (tls ? "https" : "http") + "://127.0.0.1:" + port;
  }

  public int port() {
    return port;
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
