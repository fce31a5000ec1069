package dev.jpull.registry.hosts;

import java.nio.file.Path;

/**
 * Per-command settings that override the upstream registry's configuration ({@code --plain-http},
 * {@code --tls-verify}, {@code --ca-cert}). Mirrors from {@code hosts.toml} keep their own settings.
 *
 * @param plainHttp use {@code http://} for the upstream
 * @param tlsVerify null to keep the configured value, else force certificate verification on or off
 * @param caCert null, or a PEM CA file to trust in addition for the upstream
 */
public record HostOverrides(boolean plainHttp, Boolean tlsVerify, Path caCert) {
  public static final HostOverrides NONE = new HostOverrides(false, null, null);
}
