package dev.jpull.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import okhttp3.tls.HeldCertificate;

/**
 * A throwaway certificate authority and a server certificate it issued for {@code 127.0.0.1} and
 * {@code localhost}, written as PEM files: {@code ca.crt}, {@code server.crt} (leaf then CA) and
 * {@code server.key} (PKCS#8).
 */
final class TestPki {
  final Path caCert;
  final Path serverCert;
  final Path serverKey;

  private TestPki(Path caCert, Path serverCert, Path serverKey) {
    this.caCert = caCert;
    this.serverCert = serverCert;
    this.serverKey = serverKey;
  }

  static TestPki create(Path dir) throws IOException {
    Files.createDirectories(dir);
    HeldCertificate ca = new HeldCertificate.Builder()
        .commonName("jpull IT root")
        .certificateAuthority(0)
        .build();
    HeldCertificate server = new HeldCertificate.Builder()
        .commonName("127.0.0.1")
        .addSubjectAlternativeName("127.0.0.1")
        .addSubjectAlternativeName("localhost")
        .signedBy(ca)
        .build();
    Path caCert = Files.writeString(dir.resolve("ca.crt"), ca.certificatePem());
    Path serverCert = Files.writeString(dir.resolve("server.crt"), server.certificatePem() + ca.certificatePem());
    Path serverKey = Files.writeString(dir.resolve("server.key"), server.privateKeyPkcs8Pem());
    return new TestPki(caCert, serverCert, serverKey);
  }
}
