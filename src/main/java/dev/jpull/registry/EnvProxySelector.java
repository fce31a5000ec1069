package dev.jpull.registry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import okhttp3.Authenticator;
import okhttp3.Credentials;
import okhttp3.HttpUrl;

/**
 * {@code HTTPS_PROXY}/{@code HTTP_PROXY}/{@code NO_PROXY} (either case, upper-case first as Go's
 * {@code httpproxy} reads them) as a {@link ProxySelector}. {@code NO_PROXY} entries are host names (which
 * also match their sub-domains), {@code .suffix}, {@code host:port}, IP literals, CIDRs and {@code *};
 * loopback destinations never use a proxy. Proxy userinfo becomes {@code Proxy-Authorization} through
 * {@link #authenticator()} and is never logged.
 */
final class EnvProxySelector extends ProxySelector {
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*");

  private final HttpUrl httpsProxy;
  private final HttpUrl httpProxy;
  private final List<String> noProxy;

  EnvProxySelector(Map<String, String> env) {
    this.httpsProxy = proxyUrl(first(env, "HTTPS_PROXY", "https_proxy"));
    this.httpProxy = proxyUrl(first(env, "HTTP_PROXY", "http_proxy"));
    List<String> entries = new ArrayList<>();
    String np = first(env, "NO_PROXY", "no_proxy");
    if (np != null) {
      for (String e : np.split("[,\\s]+")) {
        if (!e.isBlank()) {
          entries.add(e.trim().toLowerCase(Locale.ROOT));
        }
      }
    }
    this.noProxy = List.copyOf(entries);
  }

  boolean configured() {
    return httpsProxy != null || httpProxy != null;
  }

  private static String first(Map<String, String> env, String upper, String lower) {
    String v = env.get(upper);
    if (v == null || v.isBlank()) {
      v = env.get(lower);
    }
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static HttpUrl proxyUrl(String value) {
    if (value == null) {
      return null;
    }
    HttpUrl u = HttpUrl.parse(value.contains("://") ? value : "http://" + value);
    return u != null && u.scheme().equals("http") ? u : null; // only plain HTTP proxies (CONNECT for https)
  }

  @Override
  public List<Proxy> select(URI uri) {
    HttpUrl proxy = "https".equalsIgnoreCase(uri.getScheme()) ? httpsProxy : httpProxy;
    if (proxy == null || bypass(uri.getHost(), uri.getPort() < 0 ? defaultPort(uri) : uri.getPort())) {
      return List.of(Proxy.NO_PROXY);
    }
    return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.host(), proxy.port())));
  }

  private static int defaultPort(URI uri) {
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  @Override
  public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
    // OkHttp reports and moves on; nothing to remember.
  }

  /** Whether {@code host:port} is exempt from proxying by {@code NO_PROXY} (or is loopback). */
  boolean bypass(String host, int port) {
    if (host == null) {
      return true;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.equals("localhost") || h.endsWith(".localhost") || isLoopbackLiteral(h)) {
      return true;
    }
    for (String entry : noProxy) {
      if (entry.equals("*")) {
        return true;
      }
      String e = entry;
      int entryPort = -1;
      int colon = e.lastIndexOf(':');
      if (colon > 0 && e.indexOf(':') == colon && !e.contains("/")) {
        try {
          entryPort = Integer.parseInt(e.substring(colon + 1));
          e = e.substring(0, colon);
        } catch (NumberFormatException ignored) {
          // not host:port
        }
      }
      if (e.startsWith("[") && e.endsWith("]")) {
        e = e.substring(1, e.length() - 1);
      }
      if (entryPort >= 0 && entryPort != port) {
        continue;
      }
      if (e.contains("/")) {
        if (inCidr(h, e)) {
          return true;
        }
      } else if (e.startsWith(".")) {
        if (h.endsWith(e)) { // ".example.com" matches sub-domains only, as in Go's httpproxy
          return true;
        }
      } else if (h.equals(e) || (!isIp(e) && h.endsWith("." + e))) {
        return true;
      } else if (isIp(e) && isIp(h) && sameAddress(h, e)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isIp(String s) {
    return IP_LITERAL.matcher(s).matches() && (s.contains(":") || s.chars().filter(c -> c == '.').count() == 3);
  }

  private static boolean isLoopbackLiteral(String h) {
    if (!isIp(h)) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean sameAddress(String a, String b) {
    try {
      return InetAddress.getByName(a).equals(InetAddress.getByName(b));
    } catch (UnknownHostException e) {
      return false;
    }
  }

  static boolean inCidr(String host, String cidr) {
    int slash = cidr.indexOf('/');
    String net = cidr.substring(0, slash);
    if (!isIp(host) || !isIp(net)) {
      return false;
    }
    try {
      byte[] h = InetAddress.getByName(host).getAddress();
      byte[] n = InetAddress.getByName(net).getAddress();
      int bits = Integer.parseInt(cidr.substring(slash + 1));
      if (h.length != n.length || bits < 0 || bits > h.length * 8) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >> (i % 8);
        if ((h[i / 8] & mask) != (n[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException | NumberFormatException e) {
      return false;
    }
  }

  /** Answers a proxy's 407 (and OkHttp's pre-emptive CONNECT challenge) with the proxy URL's userinfo. */
  Authenticator authenticator() {
    return (route, response) -> {
      if (route == null || response.request().header("Proxy-Authorization") != null) {
        return null; // no route, or already tried: give up rather than loop
      }
      InetSocketAddress addr = (InetSocketAddress) route.proxy().address();
      for (HttpUrl p : new HttpUrl[] {httpsProxy, httpProxy}) {
        if (p != null && !p.username().isEmpty() && p.host().equalsIgnoreCase(addr.getHostString())
            && p.port() == addr.getPort()) {
          return response.request().newBuilder()
              .header("Proxy-Authorization", Credentials.basic(p.username(), p.password()))
              .build();
        }
      }
      return null;
    };
  }
}
