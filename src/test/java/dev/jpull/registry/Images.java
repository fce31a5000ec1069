package dev.jpull.registry;

import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import mockwebserver3.MockResponse;

/** A tiny valid OCI manifest and helpers to serve it. */
final class Images {
  static final String CONFIG_DIGEST = "sha256:" + "a".repeat(64);
  static final byte[] MANIFEST = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
      + "\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + CONFIG_DIGEST
      + "\",\"size\":2},\"layers\":[]}").getBytes(StandardCharsets.UTF_8);
  static final Digest MANIFEST_DIGEST = Digest.sha256(MANIFEST);

  private Images() {}

  /** The manifest as a registry serves it to GET or HEAD. */
  static MockResponse manifest(String method) {
    MockResponse.Builder b = new MockResponse.Builder().code(200)
        .addHeader("Content-Type", MediaTypes.OCI_MANIFEST)
        .addHeader("Docker-Content-Digest", MANIFEST_DIGEST.toString());
    if (method.equals("HEAD")) {
      b.addHeader("Content-Length", MANIFEST.length);
    } else {
      b.body(new okio.Buffer().write(MANIFEST));
    }
    return b.build();
  }
}
