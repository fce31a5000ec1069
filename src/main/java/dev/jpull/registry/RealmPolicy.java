package dev.jpull.registry;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;

/**
 * Decides whether a Bearer {@code realm} chosen by the registry may be contacted. The registry controls the
 * realm, so it must not be able to downgrade to http, smuggle userinfo, or aim jpull (and its credentials)
 * at internal addresses (CVE-2026-48978 / GHSA-xf85-363p-868w, oras-go 70b650b1 and 5239fac9;
 * CVE-2026-33990 SSRF). A rejected realm gets zero requests.
 */
final class RealmPolicy {
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
  private static final Pattern NUMERIC_LABEL = Pattern.compile("0x[0-9a-f]*|[0-9]+");

  private RealmPolicy() {}

  /**
   * @param realm the realm as sent
   * @param registryUrl the registry endpoint that sent the challenge
   */
  static HttpUrl validate(String realm, HttpUrl registryUrl) throws JpullException {
    String what = "token realm " + Redactor.url(realm) + " of " + registryUrl.host();
    if (realm == null || realm.isBlank()) {
      throw refuse("the registry sent a Bearer challenge without a realm (" + registryUrl.host() + ")");
    }
    URI uri;
    try {
      uri = new URI(realm);
    } catch (URISyntaxException e) {
      throw refuse("refusing " + what + ": not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw refuse("refusing " + what + ": only https (or http for a plain-http registry) is allowed");
    }
    if (scheme.equals("http") && registryUrl.isHttps()) {
      throw refuse("refusing token realm over http for an https registry (" + registryUrl.host() + ")");
    }
    if (uri.getRawUserInfo() != null || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
      throw refuse("refusing " + what + ": it contains user information");
    }
    HttpUrl url = HttpUrl.parse(realm);
    if (url == null || url.host().isEmpty()) {
      throw refuse("refusing " + what + ": not a valid URL");
    }
    String host = url.host();
    if (!host.equalsIgnoreCase(registryUrl.host()) && isInternalLiteral(host)) {
      throw refuse("refusing " + what + ": it points at a loopback, link-local, private or unspecified address");
    }
    return url.newBuilder().fragment(null).build();
  }

  /** True for an IP literal (never a name: no DNS lookup happens here) in an internal range. */
  static boolean isInternalLiteral(String host) {
    boolean v6 = host.contains(":");
    if (!v6 && !IPV4.matcher(host).matches()) {
      // "0x7f.1" or "2130706433" are IPv4 to the system resolver (inet_aton): never let them through.
      String last = host.substring(host.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
      return NUMERIC_LABEL.matcher(last).matches();
    }
    InetAddress a;
    try {
      a = InetAddress.getByName(v6 && !host.startsWith("[") ? "[" + host + "]" : host);
    } catch (UnknownHostException e) {
      return true; // an unparsable literal is not trusted either
    }
    if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isAnyLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet6Address) {
      return (b[0] & 0xfe) == 0xfc; // unique local fc00::/7
    }
    return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // carrier-grade NAT 100.64.0.0/10
  }

  private static JpullException refuse(String message) {
    return new JpullException(Kind.UNAUTHORIZED, message, "the registry's authentication realm is unsafe; "
        + "report it to the registry operator", null);
  }
}
