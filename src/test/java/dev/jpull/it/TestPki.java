package dev.jpull.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import okhttp3.tls.HandshakeCertificates;
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
  private final HeldCertificate ca;
  private final HeldCertificate server;

  private TestPki(Path caCert, Path serverCert, Path serverKey, HeldCertificate ca, HeldCertificate server) {
    this.caCert = caCert;
    this.serverCert = serverCert;
    this.serverKey = serverKey;
    this.ca = ca;
    this.server = server;
  }

  /** Server-side TLS with the server certificate, for an in-test HTTPS server. */
  SSLContext serverContext() {
    return new HandshakeCertificates.Builder().heldCertificate(server, ca.certificate()).build().sslContext();
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
    return new TestPki(caCert, serverCert, serverKey, ca, server);
  }
}
