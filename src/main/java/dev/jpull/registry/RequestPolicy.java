package dev.jpull.registry;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;
import okhttp3.Dns;
import okhttp3.HttpUrl;

/**
 * The one place that decides whether jpull may send a request to a URL. The hosts the user configured (the
 * reference's registry and its hosts.toml mirrors) may be anywhere; every URL a server chose — a token
 * realm, a redirect target, a foreign layer URL — must be at least as public as the host that named it, so
 * a public registry cannot aim jpull (and what it carries) at 169.254.169.254, 10.x or the machine itself
 * (CVE-2026-33990 SSRF; CVE-2026-48978 realm downgrade; HOSTILE-INPUTS). Addresses are judged as resolved
 * through the client's own {@link Dns}, so a name that resolves inside the network counts as internal;
 * {@link Transport} checks again on the connected socket, so a name re-resolving differently (DNS
 * rebinding) between the check and the connection still gets no request.
 */
final class RequestPolicy {
  /** Address classes, most internal first: a derived URL may only move up this list, never down. */
  enum AddressClass {
    /** 127.0.0.0/8, ::1, the unspecified address (which reaches this machine), and unreadable literals. */
    LOOPBACK,
    /** 169.254.0.0/16 (cloud metadata), fe80::/10, multicast. */
    LINK_LOCAL,
    /** RFC 1918, carrier-grade NAT 100.64.0.0/10, unique local fc00::/7, site-local fec0::/10. */
    PRIVATE,
    PUBLIC;

    boolean atLeast(AddressClass floor) {
      return compareTo(floor) >= 0;
    }

    String describe() {
      return switch (this) {
        case LOOPBACK -> "loopback";
        case LINK_LOCAL -> "link-local";
        case PRIVATE -> "private";
        case PUBLIC -> "public";
      };
    }
  }

  /**
   * What a request may reach: the lowest address class allowed, whether https is required, and the kind of
   * error a refusal is (a refused realm is an authorization failure, exit 4).
   *
   * @param floor the class of what the namer resolved to (null for a configured host: allowed anywhere); a
   *     target named by DNS must resolve at least this public
   * @param literalFloor the class the namer claims by its name: its own class when it is an IP literal or
   *     {@code localhost}, public for a DNS name (a host called {@code registry.test} is judged by its name as
   *     remote, wherever it resolves); a target given as an IP literal must be at least this public, so a
   *     DNS-named registry can never send jpull to {@code 127.0.0.1} or {@code 10.0.0.1} by number (HOSTILE D6)
   */
  record Permit(AddressClass floor, AddressClass literalFloor, boolean httpsOnly, Kind refusal) {
    /** A host the user configured: any address; what it redirects to must be as public as it is. */
    static final Permit CONFIGURED = new Permit(null, null, false, Kind.NETWORK);
    /** A foreign layer URL: https, public addresses only, on every hop. */
    static final Permit FOREIGN = new Permit(AddressClass.PUBLIC, AddressClass.PUBLIC, true, Kind.NETWORK);

    /** The permit for what {@code this} hop (of these classes) names next: never lower than before. */
    Permit after(AddressClass resolved, AddressClass claimed) {
      return new Permit(max(floor, resolved), max(literalFloor, claimed), httpsOnly, refusal);
    }

    private static AddressClass max(AddressClass a, AddressClass b) {
      return a == null ? b : b == null ? a : a.compareTo(b) >= 0 ? a : b;
    }

    boolean unrestricted() {
      return (floor == null || floor == AddressClass.LOOPBACK)
          && (literalFloor == null || literalFloor == AddressClass.LOOPBACK);
    }
  }

  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
  private static final Pattern NUMERIC_LABEL = Pattern.compile("0x[0-9a-f]*|[0-9]+");

  private final Dns dns;
  private final Function<InetAddress, AddressClass> classifier;

  RequestPolicy(Dns dns, Function<InetAddress, AddressClass> classifier) {
    this.dns = dns == null ? Dns.SYSTEM : dns;
    this.classifier = classifier == null ? RequestPolicy::classify : classifier;
  }

  /** The class of an address by its numeric value (no lookup). IPv4 embedded in IPv6 is judged as IPv4. */
  static AddressClass classify(InetAddress a) {
    byte[] b = a.getAddress();
    if (a instanceof Inet6Address) {
      byte[] v4 = embeddedIpv4(b);
      if (v4 != null) {
        return classifyV4(v4);
      }
      if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
        return AddressClass.LOOPBACK;
      }
      if (a.isLinkLocalAddress() || a.isMulticastAddress()) {
        return AddressClass.LINK_LOCAL;
      }
      if ((b[0] & 0xfe) == 0xfc || a.isSiteLocalAddress()) {
        return AddressClass.PRIVATE;
      }
      return AddressClass.PUBLIC;
    }
    return classifyV4(b);
  }

  private static AddressClass classifyV4(byte[] b) {
    int o0 = b[0] & 0xff;
    int o1 = b[1] & 0xff;
    if (o0 == 127 || o0 == 0) {
      return AddressClass.LOOPBACK; // 0.0.0.0/8 connects to this host on Linux
    }
    if ((o0 == 169 && o1 == 254) || o0 >= 224) {
      return AddressClass.LINK_LOCAL; // metadata services; multicast and reserved 224/3
    }
    if (o0 == 10 || (o0 == 172 && (o1 & 0xf0) == 16) || (o0 == 192 && o1 == 168) || (o0 == 100 && (o1 & 0xc0) == 64)) {
      return AddressClass.PRIVATE;
    }
    return AddressClass.PUBLIC;
  }

  /** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), -compatible (::a.b.c.d) or NAT64 address. */
  private static byte[] embeddedIpv4(byte[] b) {
    boolean zeros10 = true;
    for (int i = 0; i < 10; i++) {
      zeros10 &= b[i] == 0;
    }
    boolean mapped = zeros10 && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = zeros10 && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0);
    boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
        && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0 && b[10] == 0 && b[11] == 0;
    if (!mapped && !compatible && !nat64) {
      return null;
    }
    return new byte[] {b[12], b[13], b[14], b[15]};
  }

  /**
   * The most internal class of what {@code host} resolves to. A name that does not resolve here is judged
   * public: a request to it can only go through a proxy, which resolves it on its own network.
   */
  AddressClass classOf(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost") || h.toLowerCase(Locale.ROOT).endsWith(".localhost")) {
      return AddressClass.LOOPBACK;
    }
    if (!h.contains(":") && !IPV4.matcher(h).matches()
        && NUMERIC_LABEL.matcher(h.substring(h.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT)).matches()) {
      // "0x7f.1" or "2130706433" are IPv4 to inet_aton: a form no honest server uses, never trusted.
      return AddressClass.LOOPBACK;
    }
    List<InetAddress> addresses;
    try {
      addresses = h.contains(":") || IPV4.matcher(h).matches() ? List.of(InetAddress.getByName(h)) : dns.lookup(h);
    } catch (UnknownHostException e) {
      return h.contains(":") || IPV4.matcher(h).matches() ? AddressClass.LOOPBACK : AddressClass.PUBLIC;
    }
    AddressClass lowest = AddressClass.PUBLIC;
    for (InetAddress a : addresses) {
      AddressClass c = classifier.apply(a);
      if (c.compareTo(lowest) < 0) {
        lowest = c;
      }
    }
    return lowest;
  }

  /** The class of an address a connection actually reached. */
  AddressClass classOf(InetAddress connected) {
    return classifier.apply(connected);
  }

  /**
   * Checks one hop before it is sent (and, through {@link Transport}, again on the connected socket).
   * Returns the permit this hop was judged by, with the floor raised to its class when it was computed.
   *
   * @param what names the request in a refusal
   */
  Permit check(HttpUrl url, Permit permit, String what) throws JpullException {
    if (permit.httpsOnly() && !url.isHttps()) {
      throw refuse(permit, what + ": refusing " + Redactor.url(url) + ": only https is allowed");
    }
    if (permit.unrestricted()) {
      return permit; // a configured host, or floors every address meets: no lookup needed
    }
    AddressClass c = classOf(url.host());
    boolean literal = isLiteral(url.host());
    AddressClass floor = literal ? permit.literalFloor() : permit.floor();
    if (floor != null && !c.atLeast(floor)) {
      throw refuse(permit, what + ": refusing " + Redactor.url(url) + ": it points at a " + c.describe()
          + " address, more internal than the " + floor.describe() + " host that sent jpull there");
    }
    return permit.after(c, literal ? c : AddressClass.PUBLIC);
  }

  /** True for a host given by number or as {@code localhost}: judged by what it says, not by a lookup. */
  static boolean isLiteral(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    String lower = h.toLowerCase(Locale.ROOT);
    return h.contains(":") || IPV4.matcher(h).matches() || lower.equals("localhost") || lower.endsWith(".localhost")
        || NUMERIC_LABEL.matcher(lower.substring(lower.lastIndexOf('.') + 1)).matches();
  }

  /** The permit for what a configured host or a realm's registry at {@code host} names. */
  private Permit namedBy(String host, boolean httpsOnly, Kind refusal) {
    AddressClass c = classOf(host);
    return new Permit(c, isLiteral(host) ? c : AddressClass.PUBLIC, httpsOnly, refusal);
  }

  /** Checks the address a hop actually connected to (no proxy in between) against the hop's permit. */
  void checkConnected(InetAddress connected, HttpUrl url, Permit permit, String what) throws JpullException {
    if (permit.floor() == null || permit.floor() == AddressClass.LOOPBACK) {
      return; // the literal floor was judged on the literal itself, which is what was connected to
    }
    AddressClass c = classOf(connected);
    if (!c.atLeast(permit.floor())) {
      throw refuse(permit, what + ": refusing " + Redactor.url(url) + ": it connected to a " + c.describe()
          + " address, more internal than the " + permit.floor().describe() + " host that sent jpull there");
    }
  }

  /**
   * The permit for a redirect away from {@code url}, judged by {@code checked}: its target must be at least
   * as public as {@code url}. A configured host's own class is computed here, only when it redirects.
   */
  Permit redirectFrom(HttpUrl url, Permit checked) {
    return checked.floor() == null ? namedBy(url.host(), checked.httpsOnly(), checked.refusal()) : checked;
  }

  /**
   * Validates a Bearer {@code realm} chosen by a registry: no downgrade to http, no userinfo, no address
   * more internal than the registry's. A rejected realm gets zero requests.
   */
  HttpUrl realm(String realm, HttpUrl registryUrl, Permit permit) throws JpullException {
    HttpUrl url = realmSyntax(realm, registryUrl);
    if (!url.host().equalsIgnoreCase(registryUrl.host())) {
      check(url, permit, "token realm of " + registryUrl.host());
    }
    return url;
  }

  /** The permit of a token request whose realm {@code registryUrl} named. */
  Permit realmPermit(HttpUrl registryUrl) {
    return namedBy(registryUrl.host(), false, Kind.UNAUTHORIZED);
  }

  /** Realm checks that need no lookup: scheme, userinfo, a parsable URL. */
  static HttpUrl realmSyntax(String realm, HttpUrl registryUrl) throws JpullException {
    String what = "token realm " + Redactor.url(realm) + " of " + registryUrl.host();
    if (realm == null || realm.isBlank()) {
      throw refuseRealm("the registry sent a Bearer challenge without a realm (" + registryUrl.host() + ")");
    }
    URI uri;
    try {
      uri = new URI(realm);
    } catch (URISyntaxException e) {
      throw refuseRealm("refusing " + what + ": not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw refuseRealm("refusing " + what + ": only https (or http for a plain-http registry) is allowed");
    }
    if (scheme.equals("http") && registryUrl.isHttps()) {
      throw refuseRealm("refusing token realm over http for an https registry (" + registryUrl.host() + ")");
    }
    if (uri.getRawUserInfo() != null || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
      throw refuseRealm("refusing " + what + ": it contains user information");
    }
    HttpUrl url = HttpUrl.parse(realm);
    if (url == null || url.host().isEmpty()) {
      throw refuseRealm("refusing " + what + ": not a valid URL");
    }
    return url.newBuilder().fragment(null).build();
  }

  /** True when {@code host} names this machine by itself: {@code localhost}, 127.0.0.0/8 or ::1 (no lookup). */
  static boolean isLoopbackName(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (IPV4.matcher(h).matches()) {
      return h.startsWith("127.");
    }
    if (h.contains(":")) {
      try {
        InetAddress a = InetAddress.getByName(h);
        return a.isLoopbackAddress() && (a instanceof Inet6Address || a instanceof Inet4Address);
      } catch (UnknownHostException e) {
        return false;
      }
    }
    return false;
  }

  private static JpullException refuse(Permit permit, String message) {
    return permit.refusal() == Kind.UNAUTHORIZED ? refuseRealm(message)
        : new JpullException(permit.refusal(), message, "jpull only follows a server to addresses at least as "
            + "public as the server itself; report it to the registry operator", null);
  }

  private static JpullException refuseRealm(String message) {
    return new JpullException(Kind.UNAUTHORIZED, message, "the registry's authentication realm is unsafe; "
        + "report it to the registry operator", null);
  }
}
