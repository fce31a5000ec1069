package dev.jpull.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Json;
import dev.jpull.registry.auth.Credentials;
import dev.jpull.registry.hosts.RegistryHost;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Gets Bearer tokens (Docker token authentication, and its OAuth2 variant). With credentials it POSTs an
 * OAuth2 form ({@code grant_type=password} or {@code refresh_token}) and, like containerd, falls back to GET
 * with Basic auth when the server answers 400/401/404/405; anonymously it GETs. When a response carries
 * both {@code token} and {@code access_token}, {@code token} wins: it is the field Docker's spec defines,
 * {@code access_token} being its OAuth2 alias.
 */
final class TokenClient {
  static final int MAX_BODY = 1024 * 1024;
  /** distribution's {@code minimumTokenLifetimeSeconds}: shorter (or missing, zero, negative) means 60 s. */
  static final long MIN_LIFETIME_SECONDS = 60;

  /** A token and when it stops being used (in {@code clock} nanoseconds). */
  record Token(String value, long expiresAtNanos) {
    @Override
    public String toString() {
      return "Token[REDACTED]";
    }
  }

  private final Transport transport;
  private final LongSupplier clock;

  TokenClient(Transport transport, LongSupplier clock) {
    this.transport = transport;
    this.clock = clock;
  }

  Token fetch(Endpoint ep, HttpUrl realm, RequestPolicy.Permit permit, String service, List<String> scopes,
      Transport.Context ctx) throws IOException {
    Credentials c = ep.credentials();
    String where = ctx.action() + ": get token from " + realm.host();
    Transport.Context tctx = new Transport.Context(where, ctx.digest(), realm.host());
    // The realm shares the registry's extra CAs; skip_verify and client certificates stay with the registry.
    RegistryHost.Tls tls = realm.host().equalsIgnoreCase(ep.base().host()) ? ep.host().tls()
        : new RegistryHost.Tls(true, ep.host().tls().caCertificates(), List.of());
    Response r;
    if (c != null && c.hasIdentityToken()) {
      r = post(realm, permit, tls, form("refresh_token", service, scopes).add("refresh_token", c.identityToken()), tctx);
    } else if (c != null && !c.username().isEmpty()) {
      r = post(realm, permit, tls, form("password", service, scopes).add("username", c.username()).add("password", c.password()),
          tctx);
      int code = r.code();
      if (code == 400 || code == 401 || code == 404 || code == 405) {
        r.close();
        r = get(realm, permit, tls, service, scopes, okhttp3.Credentials.basic(c.username(), c.password(),
            java.nio.charset.StandardCharsets.UTF_8), tctx);
      }
    } else {
      r = get(realm, permit, tls, service, scopes, null, tctx);
    }
    try (Response done = r) {
      if (done.code() != 200) {
        RegistryException e = ErrorResponse.of(done, ctx.action() + ": get token", realm.host(), ep.registry(),
            ep.hasCredentials());
        if (e.kind() == Kind.NETWORK && e.status() < 500) {
          // A token endpoint that redirects a POST or answers 4xx has refused to authorise: exit 4, not 6.
          throw new RegistryException(Kind.UNAUTHORIZED, e.getMessage(), ep.hasCredentials()
              ? "check the credentials for " + ep.registry() : "run `jpull login " + ep.registry() + "`",
              e.status(), e.codes());
        }
        throw e;
      }
      return parse(done, where);
    }
  }

  private static FormBody.Builder form(String grant, String service, List<String> scopes) {
    FormBody.Builder f = new FormBody.Builder().add("grant_type", grant).add("client_id", "jpull");
    if (service != null) {
      f.add("service", service);
    }
    if (!scopes.isEmpty()) {
      f.add("scope", String.join(" ", scopes));
    }
    return f;
  }

  private Response post(HttpUrl realm, RequestPolicy.Permit permit, RegistryHost.Tls tls, FormBody.Builder form, Transport.Context ctx) throws IOException {
    Request req = new Request.Builder().url(realm).post(form.build())
        .header("Accept", "application/json")
        .tag(Transport.Binding.class, new Transport.Binding(Transport.origin(realm), null, Map.of()))
        .tag(RequestPolicy.Permit.class, permit)
        .build();
    // The form holds the secret: a redirected POST is not followed (its 3xx falls back to GET above or fails).
    return transport.send(req, tls, false, ctx);
  }

  private Response get(HttpUrl realm, RequestPolicy.Permit permit, RegistryHost.Tls tls, String service, List<String> scopes, String basic, Transport.Context ctx)
      throws IOException {
    HttpUrl.Builder u = realm.newBuilder();
    if (service != null) {
      u.addQueryParameter("service", service);
    }
    for (String s : scopes) {
      u.addQueryParameter("scope", s);
    }
    HttpUrl url = u.build();
    Request req = new Request.Builder().url(url).get()
        .header("Accept", "application/json")
        .tag(Transport.Binding.class, new Transport.Binding(Transport.origin(url), basic, Map.of()))
        .tag(RequestPolicy.Permit.class, permit)
        .build();
    return transport.send(req, tls, true, ctx);
  }

  private Token parse(Response r, String where) throws IOException {
    byte[] body;
    try {
      body = Bodies.readAtMost(r.body().byteStream(), MAX_BODY);
    } catch (Bodies.TooLarge e) {
      throw new JpullException(Kind.UNAUTHORIZED, where + ": token response too large (more than " + MAX_BODY
          + " bytes)");
    }
    JsonNode tree;
    try {
      tree = Json.MAPPER.readTree(body);
    } catch (IOException | RuntimeException e) {
      throw new JpullException(Kind.UNAUTHORIZED, where + ": token response is not JSON");
    }
    if (tree == null || !tree.isObject()) {
      throw new JpullException(Kind.UNAUTHORIZED, where + ": token response is not a JSON object");
    }
    String token = tree.path("token").asText("");
    if (token.isEmpty()) {
      token = tree.path("access_token").asText("");
    }
    if (token.isEmpty()) {
      throw new JpullException(Kind.UNAUTHORIZED, where + ": token response has no token");
    }
    for (int i = 0; i < token.length(); i++) {
      char ch = token.charAt(i);
      if (ch < 0x21 || ch > 0x7e) {
        throw new JpullException(Kind.UNAUTHORIZED, where + ": token contains characters not allowed in a header");
      }
    }
    long lifetime = tree.path("expires_in").canConvertToLong() ? tree.path("expires_in").asLong() : 0;
    lifetime = Math.max(MIN_LIFETIME_SECONDS, Math.min(lifetime, TimeUnit.DAYS.toSeconds(1)));
    return new Token(token, clock.getAsLong() + TimeUnit.SECONDS.toNanos(lifetime));
  }
}
