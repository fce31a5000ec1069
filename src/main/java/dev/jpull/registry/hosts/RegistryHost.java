package dev.jpull.registry.hosts;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One endpoint that can serve a registry's content: a mirror from {@code hosts.toml} or the upstream
 * itself, with its TLS settings and extra headers (containerd's {@code RegistryHost}).
 *
 * @param base {@code scheme://host[:port]}, no path
 * @param path the API root, {@code /v2} unless {@code override_path} gave another
 * @param mirror true for a configured mirror, false for the upstream registry
 * @param plainHttpDeclared true when the configuration itself (hosts.toml {@code server} or {@code host})
 *     says {@code http://}: the per-host opt-in for sending credentials over plain HTTP, which
 *     {@code --plain-http} alone is not
 */
public record RegistryHost(
    URI base,
    String path,
    Set<Capability> capabilities,
    Tls tls,
    Map<String, List<String>> headers,
    boolean mirror,
    boolean plainHttpDeclared) {

  public RegistryHost {
    capabilities = Set.copyOf(capabilities);
    headers = Map.copyOf(headers);
  }

  /** A host as configured: an {@code http://} base is its own opt-in. */
  public RegistryHost(URI base, String path, Set<Capability> capabilities, Tls tls, Map<String, List<String>> headers,
      boolean mirror) {
    this(base, path, capabilities, tls, headers, mirror, "http".equals(base.getScheme()));
  }

  /** What a host may be used for ({@code capabilities} in hosts.toml). */
  public enum Capability { PULL, RESOLVE, PUSH }

  /** {@code host[:port]} as the origin is named in messages. */
  public String authority() {
    return base.getRawAuthority();
  }

  public boolean plainHttp() {
    return "http".equals(base.getScheme());
  }

  /**
   * TLS settings for one host.
   *
   * @param verify false for {@code skip_verify} / {@code --tls-verify=false}
   * @param caCertificates extra PEM CA files trusted in addition to the system's
   * @param clientCertificates client certificate and key pairs
   */
  public record Tls(boolean verify, List<java.nio.file.Path> caCertificates, List<ClientCertificate> clientCertificates) {
    public static final Tls SYSTEM = new Tls(true, List.of(), List.of());

    public Tls {
      caCertificates = List.copyOf(caCertificates);
      clientCertificates = List.copyOf(clientCertificates);
    }
  }

  /** A PEM client certificate ({@code *.cert}) and its key ({@code *.key}). */
  public record ClientCertificate(java.nio.file.Path certificate, java.nio.file.Path key) {}
}
