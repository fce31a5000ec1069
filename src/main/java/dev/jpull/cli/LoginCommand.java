package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.registry.OkHttpRegistryClient;
import dev.jpull.registry.auth.Credentials;
import dev.jpull.Quoted;
import dev.jpull.progress.ProgressEvent;
import dev.jpull.progress.ProgressListener;
import dev.jpull.registry.auth.DockerConfigFile;
import dev.jpull.registry.auth.DockerKeychain;
import dev.jpull.registry.hosts.HostOverrides;
import dev.jpull.registry.hosts.HostsDirectory;
import dev.jpull.reference.Reference;
import java.nio.charset.StandardCharsets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jpull login HOST}: checks credentials against the registry, then stores them as docker does. */
@Command(name = "login", description = {"Log in to a registry: verify the credentials, then store them in the docker "
    + "config file (through its credential helper when one is configured).", "",
    "Examples:", "  echo \"$TOKEN\" | jpull login -u me --password-stdin ghcr.io",
    "  jpull login --status ghcr.io      # which credential source answers for ghcr.io (never the secret)"})
final class LoginCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "HOST", description = "The registry, e.g. ghcr.io or 127.0.0.1:5000.")
  String host;

  @Mixin
  RegistryOptions registry;

  @Option(names = "--status", description = "Print which credential source answers for HOST (the source and the "
      + "user name, never the secret) and exit; nothing is sent to the registry.")
  boolean status;

  @Override
  public Integer call() throws Exception {
    String name = Reference.parse(host + "/x").registry();
    if (status) {
      return status(name);
    }
    if (registry.username == null || !registry.passwordStdin) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "login needs --username and --password-stdin");
    }
    String password = new String(System.in.readNBytes(64 * 1024), StandardCharsets.UTF_8).strip();
    if (password.isEmpty()) {
      throw new JpullException(Kind.INVALID_INPUT, "--password-stdin: no password on standard input");
    }
    Credentials credentials = Credentials.basic(registry.username, password);
    Path home = Home.get();
    HostsDirectory hosts = HostsDirectory.fromEnvironment(main.hostsDir, System.getenv(), home,
        new HostOverrides(registry.plainHttp, registry.tlsVerify, registry.caCert));
    try (OkHttpRegistryClient client = OkHttpRegistryClient.builder(hosts).build()) {
      client.verifyCredentials(name, credentials);
    }
    DockerConfigFile config = DockerConfigFile.fromEnvironment(System.getenv(), home);
    config.store(name, credentials);
    spec.commandLine().getErr().println("Login Succeeded (credentials stored for " + name + " via " + config.path() + ")");
    spec.commandLine().getErr().flush();
    return 0;
  }

  private int status(String name) throws Exception {
    List<String> warnings = new ArrayList<>();
    ProgressListener listener = e -> {
      if (e instanceof ProgressEvent.Warning w) {
        warnings.add(w.message());
      }
    };
    DockerKeychain keychain = Wiring.keychain(registry, System.getenv(), Home.get(), listener);
    Optional<DockerKeychain.Answer> answer = keychain.answer(name);
    PrintWriter err = spec.commandLine().getErr();
    warnings.forEach(w -> err.println("warning: " + w));
    err.flush();
    PrintWriter out = spec.commandLine().getOut();
    if (answer.isPresent()) {
      Credentials c = answer.get().credentials();
      out.println(name + ": " + (c.hasIdentityToken() ? "identity token" : "user " + Quoted.of(c.username()))
          + " from " + answer.get().source());
    } else {
      out.println(name + ": no credentials (anonymous); searched " + String.join(", ", keychain.searched()));
    }
    out.flush();
    return 0;
  }
}
