package dev.jpull.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How to reach the registry for one command: transport security and one-off credentials. */
final class RegistryOptions {
  @Option(names = "--plain-http", description = "Use http:// for the registry (also configurable per host in hosts.toml).")
  boolean plainHttp;

  @Option(names = "--tls-verify", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      description = "Verify the registry's TLS certificate (default: true; --tls-verify=false skips it).")
  Boolean tlsVerify;

  @Option(names = "--ca-cert", paramLabel = "FILE", description = "Trust this PEM CA certificate for the registry.")
  Path caCert;

  @Option(names = {"-u", "--username"}, paramLabel = "USER",
      description = "Username for this command only (with --password-stdin).")
  String username;

  @Option(names = "--password-stdin", description = "Read the password (or token) from standard input.")
  boolean passwordStdin;

  @Option(names = "--authfile", paramLabel = "FILE",
      description = "Read credentials from this containers auth.json only (it replaces the usual search, as in "
          + "skopeo and podman).")
  Path authFile;

  @Option(names = "--retries", paramLabel = "N", defaultValue = "4",
      description = "Retries per request after a transient failure (default: ${DEFAULT-VALUE}), with backoff.")
  int retries;
}
