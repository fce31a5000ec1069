package dev.jpull.registry.hosts;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Docker's certificate directory convention ({@code /etc/docker/certs.d/<host>/}, and containerd's host
 * directory without {@code hosts.toml}): {@code *.crt} are CA certificates, {@code *.cert} with a matching
 * {@code *.key} are client certificate pairs. A half pair is an error, as in docker, because a CA saved
 * as {@code .cert} would otherwise be silently ignored.
 */
final class CertsDirectory {
  /** A certificate directory holds a handful of files; more is not a configuration jpull should walk. */
  private static final int MAX_ENTRIES = 1000;

  private CertsDirectory() {}

  /** Adds what {@code dir} holds to {@code tls}; {@code tls} unchanged when {@code dir} does not exist. */
  static RegistryHost.Tls addTo(Path dir, RegistryHost.Tls tls) throws JpullException {
    if (!Files.isDirectory(dir)) {
      return tls;
    }
    Set<String> names = new TreeSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (names.size() >= MAX_ENTRIES) {
          throw new JpullException(Kind.INVALID_INPUT, "read certificates in " + dir + ": more than "
              + MAX_ENTRIES + " entries");
        }
        if (Files.isRegularFile(p)) {
          names.add(p.getFileName().toString());
        }
      }
    } catch (IOException e) {
      throw new JpullException(Kind.LOCAL_IO, "read certificates in " + dir + ": " + e, e);
    }
    List<Path> cas = new ArrayList<>(tls.caCertificates());
    List<RegistryHost.ClientCertificate> clients = new ArrayList<>(tls.clientCertificates());
    for (String name : names) {
      if (name.endsWith(".crt")) {
        cas.add(dir.resolve(name));
      } else if (name.endsWith(".cert")) {
        String key = name.substring(0, name.length() - ".cert".length()) + ".key";
        if (!names.contains(key)) {
          throw new JpullException(Kind.INVALID_INPUT, "read certificates in " + dir + ": missing key "
              + Quoted.of(key) + " for client certificate " + Quoted.of(name),
              "CA certificates must use the extension .crt", null);
        }
        clients.add(new RegistryHost.ClientCertificate(dir.resolve(name), dir.resolve(key)));
      } else if (name.endsWith(".key")) {
        String cert = name.substring(0, name.length() - ".key".length()) + ".cert";
        if (!names.contains(cert)) {
          throw new JpullException(Kind.INVALID_INPUT, "read certificates in " + dir + ": missing client certificate "
              + Quoted.of(cert) + " for key " + Quoted.of(name));
        }
      }
    }
    return new RegistryHost.Tls(tls.verify(), cas, clients);
  }
}
