package dev.jpull.registry;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.registry.hosts.RegistryHost;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/**
 * Applies one host's TLS settings to an OkHttp client: the system trust store plus extra PEM CAs, client
 * certificates, or (only for a host configured so) no verification at all.
 */
final class TlsContexts {
  private TlsContexts() {}

  static void apply(OkHttpClient.Builder b, RegistryHost.Tls tls, String host) throws JpullException {
    try {
      KeyManager[] keys = keyManagers(tls.clientCertificates());
      if (tls.caCertificates().isEmpty() && keys == null && tls.verify()) {
        return; // the platform default is already right (and OkHttp loads it only if TLS is used)
      }
      X509TrustManager trust = tls.verify() ? trustManager(tls.caCertificates()) : TrustAll.INSTANCE;
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, new TrustManager[] {trust}, new SecureRandom());
      b.sslSocketFactory(ctx.getSocketFactory(), trust);
      if (!tls.verify()) {
        b.hostnameVerifier((name, session) -> true);
      }
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new JpullException(Kind.INVALID_INPUT, "load TLS settings for " + host + ": " + e.getMessage(),
          "check the certificate and key files configured for " + host, e);
    }
  }

  private static X509TrustManager trustManager(List<Path> extraCas) throws IOException, GeneralSecurityException {
    TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    system.init((KeyStore) null);
    X509TrustManager systemTm = firstX509(system.getTrustManagers());
    if (extraCas.isEmpty()) {
      return systemTm;
    }
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    int n = 0;
    for (X509Certificate c : systemTm.getAcceptedIssuers()) {
      ks.setCertificateEntry("system-" + n++, c);
    }
    for (Path p : extraCas) {
      Collection<? extends Certificate> certs = certificates(p);
      if (certs.isEmpty()) {
        throw new IllegalArgumentException("no certificate in " + p);
      }
      for (Certificate c : certs) {
        ks.setCertificateEntry("extra-" + n++, c);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    return firstX509(tmf.getTrustManagers());
  }

  private static KeyManager[] keyManagers(List<RegistryHost.ClientCertificate> clients)
      throws IOException, GeneralSecurityException {
    if (clients.isEmpty()) {
      return null;
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    char[] password = new char[0];
    int n = 0;
    for (RegistryHost.ClientCertificate cc : clients) {
      List<Certificate> chain = new ArrayList<>(certificates(cc.certificate()));
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("no certificate in " + cc.certificate());
      }
      PrivateKey key = PemKeys.read(Files.readString(cc.key()), cc.key().toString());
      ks.setKeyEntry("client-" + n++, key, password, chain.toArray(new Certificate[0]));
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, password);
    return kmf.getKeyManagers();
  }

  private static Collection<? extends Certificate> certificates(Path p) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(p)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
  }

  private static X509TrustManager firstX509(TrustManager[] tms) {
    for (TrustManager tm : tms) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new IllegalStateException("no X509TrustManager in the JVM");
  }

  /** {@code skip_verify}: accepts any certificate. Used only for the one host configured that way. */
  private enum TrustAll implements X509TrustManager {
    INSTANCE;

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
