package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.progress.ProgressListener;
import dev.jpull.registry.OkHttpRegistryClient;
import dev.jpull.registry.RegistryClient;
import dev.jpull.registry.auth.Credentials;
import dev.jpull.registry.auth.DockerConfigCredentials;
import dev.jpull.registry.hosts.CertsDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds the registry client from the global and per-command options and the environment. */
final class Wiring {
  private Wiring() {}

  static RegistryClient registryClient(Main main, RegistryOptions options, ProgressListener listener) throws IOException {
    Map<String, String> env = System.getenv();
    Path home = Path.of(System.getProperty("user.home"));
    List<Path> dirs = new ArrayList<>();
    if (main.hostsDir != null) {
      dirs.add(main.hostsDir);
    } else if (env.get("JPULL_HOSTS_DIR") != null && !env.get("JPULL_HOSTS_DIR").isBlank()) {
      dirs.add(Path.of(env.get("JPULL_HOSTS_DIR")));
    } else {
      dirs.add(home.resolve(".config/jpull/certs.d"));
      dirs.add(Path.of("/etc/containerd/certs.d"));
    }
    dirs.add(Path.of("/etc/docker/certs.d"));
    CertsDirectory hosts = new CertsDirectory(dirs, options.plainHttp,
        options.tlsVerify == null || options.tlsVerify, options.caCert);
    Credentials explicit = null;
    if (options.username != null) {
      String password = new String(System.in.readNBytes(64 * 1024), StandardCharsets.UTF_8).strip();
      if (password.isEmpty()) {
        throw new JpullException(Kind.INVALID_INPUT, "--password-stdin: no password on standard input");
      }
      explicit = Credentials.basic(options.username, password);
    }
    return OkHttpRegistryClient.builder(hosts)
        .credentials(new DockerConfigCredentials(explicit, env, home))
        .listener(listener)
        .build();
  }
}
