package dev.jpull.registry.hosts;

import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The upstream endpoint of a registry with the TLS material of docker's {@code certs.d} convention:
 * {@code <dir>/<host[:port]>/ca.crt} and {@code *.crt} (CAs), {@code *.cert} + {@code *.key} (client pairs),
 * searched in each directory given, plus the command line's overrides.
 *
 * <p>TODO(jpull): containerd's {@code hosts.toml} mirrors ({@code [host."..."]}) are not read yet.
 */
public final class CertsDirectory implements HostResolver {
  private final List<Path> dirs;
  private final boolean plainHttp;
  private final boolean tlsVerify;
  private final Path caCert;

  public CertsDirectory(List<Path> dirs, boolean plainHttp, boolean tlsVerify, Path caCert) {
    this.dirs = List.copyOf(dirs);
    this.plainHttp = plainHttp;
    this.tlsVerify = tlsVerify;
    this.caCert = caCert;
  }

  @Override
  public List<RegistryHost> hosts(String registry) throws IOException {
    String host = registry.equals("docker.io") ? "registry-1.docker.io" : registry;
    List<Path> cas = new ArrayList<>();
    List<RegistryHost.ClientCertificate> clients = new ArrayList<>();
    if (!registry.contains("/") && !registry.contains("..") && registry.indexOf('\0') < 0) {
      for (Path base : dirs) {
        Path d = base.resolve(registry);
        if (!Files.isDirectory(d)) {
          continue;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
          for (Path f : s) {
            String n = f.getFileName().toString();
            if (n.endsWith(".crt")) {
              cas.add(f);
            } else if (n.endsWith(".cert")) {
              Path key = d.resolve(n.substring(0, n.length() - 5) + ".key");
              if (Files.isRegularFile(key)) {
                clients.add(new RegistryHost.ClientCertificate(f, key));
              }
            }
          }
        }
      }
    }
    if (caCert != null) {
      cas.add(caCert);
    }
    URI base = URI.create((plainHttp ? "http://" : "https://") + host);
    return List.of(new RegistryHost(base, "/v2",
        Set.of(RegistryHost.Capability.PULL, RegistryHost.Capability.RESOLVE),
        new RegistryHost.Tls(tlsVerify, cas, clients), Map.of(), false));
  }
}
