package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.progress.ProgressListener;
import dev.jpull.registry.OkHttpRegistryClient;
import dev.jpull.registry.RegistryClient;
import dev.jpull.registry.auth.Credentials;
import dev.jpull.registry.auth.DockerKeychain;
import dev.jpull.registry.hosts.HostOverrides;
import dev.jpull.registry.hosts.HostsDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Builds the registry client from the global and per-command options and the environment. */
final class Wiring {
  private Wiring() {}

  static RegistryClient registryClient(Main main, RegistryOptions options, String registry, ProgressListener listener) throws IOException {
    return registryClient(main, options, registry, listener, false);
  }

  static RegistryClient registryClient(Main main, RegistryOptions options, String registry, ProgressListener listener,
      boolean allowForeignUrls) throws IOException {
    if (options.username != null && !options.passwordStdin) {
      // Never read a secret from stdin unasked: a script piping data in would send it as a password.
      throw new JpullException(Kind.INVALID_INPUT, "--username needs --password-stdin",
          "pass the password on standard input with --password-stdin, or use `jpull login " + registry + "`", null);
    }
    Map<String, String> env = System.getenv();
    Path home = Home.get();
    HostsDirectory hosts = HostsDirectory.fromEnvironment(main.hostsDir, env, home,
        new HostOverrides(options.plainHttp, options.tlsVerify, options.caCert));
    DockerKeychain keychain = keychain(options, env, home, listener);
    if (options.username != null) {
      String password = new String(System.in.readNBytes(64 * 1024), StandardCharsets.UTF_8).strip();
      if (password.isEmpty()) {
        throw new JpullException(Kind.INVALID_INPUT, "--password-stdin: no password on standard input");
      }
      keychain = keychain.withExplicit(registry, Credentials.basic(options.username, password));
    }
    return OkHttpRegistryClient.builder(hosts)
        .credentials(keychain)
        .attempts(Math.max(0, options.retries) + 1)
        .listener(listener)
        .allowForeignUrls(allowForeignUrls)
        .build();
  }

  /** The credential search of the contract: {@code --authfile} alone when given, else the user's usual sources. */
  static DockerKeychain keychain(RegistryOptions options, Map<String, String> env, Path home, ProgressListener listener)
      throws JpullException {
    DockerKeychain keychain = DockerKeychain.fromEnvironment(env, home, listener::warn);
    if (options.authFile == null) {
      return keychain;
    }
    if (!Files.isRegularFile(options.authFile)) {
      throw new JpullException(Kind.INVALID_INPUT, "--authfile " + options.authFile + ": no such file",
          "give the path of a containers auth.json, or leave --authfile out to use the usual credential search", null);
    }
    return keychain.withAuthFile(options.authFile);
  }
}
