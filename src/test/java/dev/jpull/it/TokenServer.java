package dev.jpull.it;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.jpull.oci.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiPredicate;
import javax.net.ssl.SSLContext;
import okhttp3.tls.HeldCertificate;

/**
 * A Docker token server (distribution's token spec) on loopback: authenticates users by password (Basic on
 * GET, an OAuth2 password-grant form on POST), grants what {@code policy} allows, and signs RS256 JWTs whose
 * {@code x5c} header carries the signing certificate, which the registry trusts through
 * {@code rootcertbundle}. Unknown user or wrong password: 401. Records every issued token and request.
 */
final class TokenServer implements AutoCloseable {
  static final String ISSUER = "jpull-it-token-issuer";
  static final String SERVICE = "jpull-it-registry";

  /** One token request as received: method, user ("" when anonymous) and requested scopes. */
  record Request(String method, String user, List<String> scopes) {}

  private final HttpServer server;
  private final HeldCertificate signer;
  private final Map<String, String> passwords;
  private final BiPredicate<String, String> policy;
  final List<String> issued = new CopyOnWriteArrayList<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();

  /**
   * @param passwords user to password
   * @param policy (user or "" for anonymous, repository) → may pull
   */
  private TokenServer(Map<String, String> passwords, BiPredicate<String, String> policy, SSLContext tls)
      throws IOException {
    this.passwords = Map.copyOf(passwords);
    this.policy = policy;
    this.signer = new HeldCertificate.Builder().commonName("jpull IT token signer").rsa2048().build();
    InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
    if (tls == null) {
      this.server = HttpServer.create(loopback, 16);
    } else {
      HttpsServer https = HttpsServer.create(loopback, 16);
      https.setHttpsConfigurator(new HttpsConfigurator(tls));
      this.server = https;
    }
    server.createContext("/token", this::handle);
    server.start();
  }

  static TokenServer start(Map<String, String> passwords, BiPredicate<String, String> policy) throws IOException {
    return new TokenServer(passwords, policy, null);
  }

  /** The same over HTTPS, as the realm of an HTTPS registry must be. */
  static TokenServer startTls(Map<String, String> passwords, BiPredicate<String, String> policy, SSLContext tls)
      throws IOException {
    return new TokenServer(passwords, policy, tls);
  }

  String realm() {
    return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort()
        + "/token";
  }

  /** Writes the signing certificate (the registry's {@code rootcertbundle}). */
  Path writeRootCertBundle(Path file) throws IOException {
    return Files.writeString(file, signer.certificatePem());
  }

  /** The registry's {@code auth.token} section. */
  String registryYaml(Path rootCertBundle) {
    return """
        auth:
          token:
            realm: %s
            service: %s
            issuer: %s
            rootcertbundle: %s
        """.formatted(realm(), SERVICE, ISSUER, rootCertBundle);
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String query = x.getRequestURI().getRawQuery();
      Map<String, List<String>> params = new java.util.HashMap<>(parse(query == null ? "" : query));
      String user = "";
      String password = null;
      if (x.getRequestMethod().equals("POST")) {
        Map<String, List<String>> form = parse(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        params.putAll(form);
        if ("password".equals(first(form, "grant_type"))) {
          user = java.util.Objects.requireNonNullElse(first(form, "username"), "");
          password = java.util.Objects.requireNonNullElse(first(form, "password"), "");
        } else if (form.containsKey("grant_type")) {
          send(x, 400, "{\"error\":\"unsupported_grant_type\"}");
          return;
        }
      } else {
        String basic = x.getRequestHeaders().getFirst("Authorization");
        if (basic != null && basic.startsWith("Basic ")) {
          String pair = new String(Base64.getDecoder().decode(basic.substring(6)), StandardCharsets.UTF_8);
          int colon = pair.indexOf(':');
          user = pair.substring(0, colon);
          password = pair.substring(colon + 1);
        }
      }
      List<String> scopes = new ArrayList<>();
      for (String s : params.getOrDefault("scope", List.of())) {
        scopes.addAll(List.of(s.split(" ")));
      }
      requests.add(new Request(x.getRequestMethod(), user, List.copyOf(scopes)));
      if (password != null && !password.equals(passwords.get(user))) {
        send(x, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad username or password\"}]}");
        return;
      }
      String token = sign(user, scopes);
      issued.add(token);
      send(x, 200, Json.MAPPER.createObjectNode().put("token", token).put("access_token", token)
          .put("expires_in", 300).toString());
    } catch (RuntimeException | GeneralSecurityException e) {
      send(x, 500, "{\"error\":\"" + e.getClass().getSimpleName() + "\"}");
    }
  }

  /** A JWT granting the pull scopes {@code policy} allows (others silently dropped, as real servers do). */
  private String sign(String user, List<String> scopes) throws GeneralSecurityException {
    long now = System.currentTimeMillis() / 1000;
    ObjectNode claims = Json.MAPPER.createObjectNode()
        .put("iss", ISSUER).put("sub", user).put("aud", SERVICE)
        .put("exp", now + 300).put("nbf", now - 10).put("iat", now).put("jti", UUID.randomUUID().toString());
    ArrayNode access = claims.putArray("access");
    for (String scope : scopes) {
      int first = scope.indexOf(':');
      int last = scope.lastIndexOf(':');
      if (first < 0 || last <= first || !scope.startsWith("repository:")) {
        continue;
      }
      String repository = scope.substring(first + 1, last);
      List<String> wanted = List.of(scope.substring(last + 1).split(","));
      if (wanted.contains("pull") && policy.test(user, repository)) {
        access.addObject().put("type", "repository").put("name", repository).putArray("actions").add("pull");
      }
    }
    ObjectNode header = Json.MAPPER.createObjectNode().put("typ", "JWT").put("alg", "RS256");
    header.putArray("x5c").add(Base64.getEncoder().encodeToString(signer.certificate().getEncoded()));
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String signingInput = url.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
        + url.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(signer.keyPair().getPrivate());
    rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + url.encodeToString(rsa.sign());
  }

  private static Map<String, List<String>> parse(String form) {
    Map<String, List<String>> out = new java.util.HashMap<>();
    for (String pair : form.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, key -> new ArrayList<>()).add(v);
    }
    return out;
  }

  private static String first(Map<String, List<String>> m, String key) {
    List<String> v = m.get(key);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static void send(HttpExchange x, int code, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json");
    x.sendResponseHeaders(code, body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
