package dev.jpull.registry;

import dev.jpull.oci.Descriptor;

/**
 * What a reference resolved to at the registry. The descriptor's digest is computed from the bytes
 * received when the manifest was fetched, or taken from a HEAD's {@code Docker-Content-Digest} (which is
 * verified later, when the bytes are fetched by that digest).
 *
 * @param host the host that answered
 * @param fromHead true when the digest came from a HEAD's header, not from bytes jpull hashed
 */
public record Resolution(Descriptor descriptor, String host, boolean fromHead) {
  public Resolution(Descriptor descriptor, String host) {
    this(descriptor, host, false);
  }
}
