package dev.jpull.registry;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.HttpUrl;

/**
 * What an I/O failure of a request means: whether another attempt could help (a cut connection, a
 * timeout) or would fail the same way (an unknown host, an untrusted certificate), and the {@code NETWORK}
 * error that tells the user what to fix.
 */
final class NetworkErrors {
  private NetworkErrors() {}

  static boolean isTransient(IOException e) {
    if (e instanceof UnknownHostException || e instanceof SSLPeerUnverifiedException || isCertificateProblem(e)) {
      return false;
    }
    // A handshake that fails on what the server said (plain HTTP, no common protocol) fails the same way
    // every time; only one cut by the network (reset, EOF, timeout) is worth another attempt.
    if (e instanceof javax.net.ssl.SSLException) {
      for (Throwable t = e.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
        if (t instanceof java.net.SocketException || t instanceof java.io.EOFException
            || t instanceof java.io.InterruptedIOException) {
          return true;
        }
      }
      return false;
    }
    return true;
  }

  static boolean isCertificateProblem(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CertificateException || t instanceof java.security.cert.CertPathValidatorException
          || (t instanceof SSLHandshakeException && String.valueOf(t.getMessage()).contains("PKIX"))) {
        return true;
      }
    }
    return false;
  }

  static String describe(IOException e) {
    if (e instanceof SocketTimeoutException) {
      return "timed out";
    }
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    return ErrorResponse.clean(e.getClass().getSimpleName() + ": " + e.getMessage());
  }

  static JpullException of(IOException e, Transport.Context ctx, HttpUrl url) {
    String where = ctx.action() + " at " + ctx.host();
    if (e instanceof UnknownHostException) {
      return new JpullException(Kind.NETWORK, where + ": cannot resolve host " + url.host(),
          "check the registry name and your DNS or proxy settings", e);
    }
    if (e instanceof SSLPeerUnverifiedException) {
      return new JpullException(Kind.NETWORK, where + ": TLS: the certificate does not match " + url.host(),
          "use the name the certificate was issued for, or fix the registry's certificate", e);
    }
    if (isCertificateProblem(e)) {
      return new JpullException(Kind.NETWORK, where + ": TLS: the certificate of " + url.host() + " is not trusted",
          "pass --ca-cert FILE, or trust the CA in the hosts directory (--hosts-dir DIR; default "
              + "~/.config/jpull/certs.d): ca = \"FILE\" in " + ctx.host() + "/hosts.toml when that file exists "
              + "(a ca.crt beside it is then ignored, as in containerd), else save it as " + ctx.host() + "/ca.crt",
          e);
    }
    if (e instanceof javax.net.ssl.SSLException && !isTransient(e)) {
      return new JpullException(Kind.NETWORK, where + ": TLS handshake with " + ctx.host() + " failed: "
          + ErrorResponse.clean(String.valueOf(e.getMessage())),
          "if the registry serves plain HTTP, pass --plain-http or set server = \"http://" + ctx.host()
              + "\" in its hosts.toml", e);
    }
    if (e instanceof ConnectException) {
      return new JpullException(Kind.NETWORK, where + ": connection refused",
          "check that the registry at " + ctx.host() + " is running and reachable (proxy settings included)", e);
    }
    return new JpullException(Kind.NETWORK, where + ": " + describe(e),
        "check your network or proxy settings; partial downloads are kept and resumed on the next pull", e);
  }
}
