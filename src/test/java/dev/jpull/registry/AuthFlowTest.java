package dev.jpull.registry;

import static dev.jpull.registry.Fixtures.dispatch;
import static dev.jpull.registry.Fixtures.json;
import static dev.jpull.registry.Fixtures.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.registry.auth.Credentials;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuthFlowTest {
  @StartStop final MockWebServer registry = new MockWebServer();
  @StartStop final MockWebServer auth = new MockWebServer();
  final Fixtures fx = new Fixtures();
  final List<RecordedRequest> tokenRequests = new CopyOnWriteArrayList<>();
  final List<RecordedRequest> registryRequests = new CopyOnWriteArrayList<>();

  String realm() {
    return "http://auth.test:" + auth.getPort() + "/token";
  }

  /** A registry that wants {@code Bearer <good>} and challenges with {@code challenge} otherwise. */
  void registryWanting(String good, String challenge) {
    registry.setDispatcher(dispatch(r -> {
      registryRequests.add(r);
      if (("Bearer " + good).equals(r.getHeaders().get("Authorization"))) {
        return Images.manifest(r.getMethod());
      }
      return new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", challenge)
          .body("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}").build();
    }));
  }

  void tokens(Function<RecordedRequest, MockResponse> f) {
    auth.setDispatcher(dispatch(r -> {
      tokenRequests.add(r);
      return f.apply(r);
    }));
  }

  String bearer() {
    return "Bearer realm=\"" + realm() + "\",service=\"reg\"";
  }

  OkHttpRegistryClient client(Map<String, Credentials> creds) {
    return fx.builder(StaticHosts.direct("http", dev.jpull.registry.hosts.RegistryHost.Tls.SYSTEM))
        .credentials(new MapCredentials(creds)).build();
  }

  String reg() {
    return Fixtures.name(registry);
  }

  static String form(RecordedRequest r) {
    return r.getBody() == null ? "" : r.getBody().utf8();
  }

  @Test
  void anonymousToken() throws Exception {
    registryWanting("good", bearer());
    tokens(r -> json(200, "{\"token\":\"good\",\"expires_in\":300}"));
    try (OkHttpRegistryClient c = client(Map.of())) {
      var res = c.resolve(ref(reg() + "/a:1"));
      assertEquals(Images.MANIFEST_DIGEST, res.descriptor().digest());
    }
    assertEquals(1, tokenRequests.size());
    RecordedRequest t = tokenRequests.get(0);
    assertEquals("GET", t.getMethod());
    assertEquals("reg", t.getUrl().queryParameter("service"));
    assertEquals(List.of("repository:a:pull"), t.getUrl().queryParameterValues("scope"));
    assertNull(t.getHeaders().get("Authorization"));
    assertNull(registryRequests.get(0).getHeaders().get("Authorization"));
  }

  @Test
  void credentialsArePostedAsAnOAuthForm() throws Exception {
    registryWanting("good", bearer());
    tokens(r -> r.getMethod().equals("POST") ? json(200, "{\"access_token\":\"good\"}") : Fixtures.status(500));
    try (OkHttpRegistryClient c = client(Map.of(reg(), Credentials.basic("bob", "hunter2")))) {
      c.resolve(ref(reg() + "/a:1"));
    }
    assertEquals(1, tokenRequests.size());
    String body = form(tokenRequests.get(0));
    assertTrue(body.contains("grant_type=password"), body);
    assertTrue(body.contains("username=bob") && body.contains("password=hunter2"), body);
    assertTrue(body.contains("client_id=jpull") && body.contains("service=reg"), body);
    assertTrue(body.contains("scope=repository%3Aa%3Apull"), body);
  }

  @ParameterizedTest(name = "POST answered {0}")
  @ValueSource(ints = {400, 401, 404, 405})
  void postFallsBackToGetWithBasic(int refusal) throws Exception {
    registryWanting("good", bearer());
    tokens(r -> r.getMethod().equals("POST") ? Fixtures.status(refusal)
        : "Basic Ym9iOmh1bnRlcjI=".equals(r.getHeaders().get("Authorization"))
            ? json(200, "{\"token\":\"good\"}") : Fixtures.status(401));
    try (OkHttpRegistryClient c = client(Map.of(reg(), Credentials.basic("bob", "hunter2")))) {
      c.resolve(ref(reg() + "/a:1"));
    }
    assertEquals(List.of("POST", "GET"), tokenRequests.stream().map(RecordedRequest::getMethod).toList());
  }

  @Test
  void identityTokenUsesTheRefreshGrant() throws Exception {
    registryWanting("good", bearer());
    tokens(r -> form(r).contains("grant_type=refresh_token") && form(r).contains("refresh_token=rt-123")
        ? json(200, "{\"token\":\"good\"}") : Fixtures.status(400));
    try (OkHttpRegistryClient c = client(Map.of(reg(), new Credentials("bob", null, "rt-123")))) {
      c.resolve(ref(reg() + "/a:1"));
    }
    assertEquals(1, tokenRequests.size());
  }

  @Test
  void tokenExpiryIsHonouredWithASixtySecondFloor() throws Exception {
    registryWanting("good", bearer());
    tokens(r -> json(200, "{\"token\":\"good\",\"expires_in\":1}"));
    AtomicLong now = new AtomicLong(0);
    try (OkHttpRegistryClient c = fx.builder(StaticHosts.direct("http", dev.jpull.registry.hosts.RegistryHost.Tls.SYSTEM))
        .clock(now::get).build()) {
      c.resolve(ref(reg() + "/a:1"));
      now.addAndGet(30_000_000_000L); // 30 s: the 1 s lifetime was raised to 60 s
      c.resolve(ref(reg() + "/a:1"));
      assertEquals(1, tokenRequests.size());
      now.addAndGet(31_000_000_000L);
      c.resolve(ref(reg() + "/a:1"));
      assertEquals(2, tokenRequests.size());
    }
  }

  @Test
  void insufficientScopeReauthorisesOnceWithTheNewScope() throws Exception {
    registry.setDispatcher(dispatch(r -> {
      String a = r.getHeaders().get("Authorization");
      if ("Bearer wide".equals(a)) {
        return Images.manifest(r.getMethod());
      }
      String error = a == null ? "" : ",error=\"insufficient_scope\",scope=\"repository:a:pull,push\"";
      return new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", bearer() + error).build();
    }));
    tokens(r -> json(200, r.getUrl().queryParameterValues("scope").contains("repository:a:pull,push")
        ? "{\"token\":\"wide\"}" : "{\"token\":\"narrow\"}"));
    try (OkHttpRegistryClient c = client(Map.of())) {
      c.resolve(ref(reg() + "/a:1"));
    }
    assertEquals(2, tokenRequests.size());
    assertEquals(List.of("repository:a:pull", "repository:a:pull,push"),
        tokenRequests.get(1).getUrl().queryParameterValues("scope"));
  }

  @Test
  void invalidTokenIsRefetchedOnceThenUnauthorized() throws Exception {
    registryWanting("never", bearer() + ",error=\"invalid_token\"");
    tokens(r -> json(200, "{\"token\":\"t\"}"));
    try (OkHttpRegistryClient c = client(Map.of())) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.UNAUTHORIZED, e.kind());
      assertTrue(e.getMessage().contains(": HTTP 401"), e.getMessage());
      assertTrue(e.hint().contains("jpull login " + reg()), e.hint());
    }
    assertEquals(2, tokenRequests.size());
  }

  @Test
  void refusedFreshTokenIsNotRetriedForever() throws Exception {
    registryWanting("never", bearer());
    tokens(r -> json(200, "{\"token\":\"t\"}"));
    try (OkHttpRegistryClient c = client(Map.of(reg(), Credentials.basic("bob", "pw")))) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.UNAUTHORIZED, e.kind());
      assertTrue(e.hint().contains("check the credentials for " + reg()), e.hint());
    }
    assertEquals(1, tokenRequests.size());
  }

  @Test
  void severalChallengesInOneHeaderPreferBearer() throws Exception {
    registryWanting("good", "Basic realm=\"x\", " + bearer());
    tokens(r -> json(200, "{\"token\":\"good\"}"));
    try (OkHttpRegistryClient c = client(Map.of())) {
      c.resolve(ref(reg() + "/a:1"));
    }
    assertEquals(1, tokenRequests.size());
  }

  @Test
  void twoWwwAuthenticateHeaders() throws Exception {
    registry.setDispatcher(dispatch(r -> "Bearer good".equals(r.getHeaders().get("Authorization"))
        ? Images.manifest(r.getMethod())
        : new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Negotiate")
            .addHeader("WWW-Authenticate", bearer()).build()));
    tokens(r -> json(200, "{\"token\":\"good\"}"));
    try (OkHttpRegistryClient c = client(Map.of())) {
      c.resolve(ref(reg() + "/a:1"));
    }
    assertEquals(1, tokenRequests.size());
  }

  @Test
  void basicChallengeSendsCredentialsOnlyWhenConfigured() throws Exception {
    registry.setDispatcher(dispatch(r -> "Basic Ym9iOnB3".equals(r.getHeaders().get("Authorization"))
        ? Images.manifest(r.getMethod())
        : new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Basic realm=\"reg\"").build()));
    try (OkHttpRegistryClient c = client(Map.of(reg(), Credentials.basic("bob", "pw")))) {
      c.resolve(ref(reg() + "/a:1"));
    }
    try (OkHttpRegistryClient c = client(Map.of())) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.UNAUTHORIZED, e.kind());
    }
  }

  @Test
  void unauthorizedWithoutAChallenge() throws Exception {
    registry.setDispatcher(dispatch(r -> Fixtures.status(401)));
    try (OkHttpRegistryClient c = client(Map.of())) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.UNAUTHORIZED, e.kind());
      assertTrue(e.getMessage().startsWith("resolve " + reg() + "/a:1 at " + reg() + ": HTTP 401"), e.getMessage());
    }
  }

  @ParameterizedTest(name = "token body {0}")
  @ValueSource(strings = {"{}", "{\"token\":\"\"}", "not json", "[1]", "{\"token\":\"a b\"}"})
  void badTokenResponsesAreUnauthorized(String body) throws Exception {
    registryWanting("good", bearer());
    tokens(r -> json(200, body));
    try (OkHttpRegistryClient c = client(Map.of())) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.UNAUTHORIZED, e.kind(), e.getMessage());
    }
  }

  @Test
  void hugeTokenResponseIsRefused() throws Exception {
    registryWanting("good", bearer());
    tokens(r -> new MockResponse.Builder().code(200).body(new okio.Buffer().write(new byte[2 * 1024 * 1024])).build());
    try (OkHttpRegistryClient c = client(Map.of())) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.UNAUTHORIZED, e.kind());
      assertTrue(e.getMessage().contains("token response too large"), e.getMessage());
    }
  }

  @Test
  void tokenWinsOverAccessToken() throws Exception {
    registryWanting("good", bearer());
    tokens(r -> json(200, "{\"access_token\":\"other\",\"token\":\"good\"}"));
    try (OkHttpRegistryClient c = client(Map.of())) {
      c.resolve(ref(reg() + "/a:1"));
    }
  }

  @Test
  void challengeParametersAreEncodedNotInjected() throws Exception {
    registryWanting("good", "Bearer realm=\"" + realm() + "?tenant=1\",service=\"reg&scope=repository:victim/private:push\"");
    tokens(r -> json(200, "{\"token\":\"good\"}"));
    try (OkHttpRegistryClient c = client(Map.of())) {
      c.resolve(ref(reg() + "/a:1"));
    }
    HttpUrl u = tokenRequests.get(0).getUrl();
    assertEquals(List.of("1"), u.queryParameterValues("tenant"));
    assertEquals(List.of("reg&scope=repository:victim/private:push"), u.queryParameterValues("service"));
    assertEquals(List.of("repository:a:pull"), u.queryParameterValues("scope"));
    assertTrue(u.encodedQuery().startsWith("tenant=1&service="), u.encodedQuery());
  }

  @ParameterizedTest(name = "realm {0}")
  @ValueSource(strings = {"https://169.254.169.254/latest/meta-data/", "http://127.0.0.1:%d/", "http://[::1]:%d/",
      "file:///etc/passwd", "ftp://x/", "", "http://user:pw@auth.test:%d/t", "http://10.0.0.1/"})
  void unsafeRealmsGetZeroRequests(String realmTemplate) throws Exception {
    String realm = realmTemplate.replace("%d", String.valueOf(auth.getPort()));
    registryWanting("good", "Bearer realm=\"" + realm + "\",service=\"reg\"");
    tokens(r -> json(200, "{\"token\":\"good\"}"));
    try (OkHttpRegistryClient c = client(Map.of(reg(), Credentials.basic("bob", "pw")))) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.UNAUTHORIZED, e.kind());
      assertFalse(e.getMessage().contains("pw@"), e.getMessage());
    }
    assertEquals(0, auth.getRequestCount());
  }

  @Test
  void tokensAreIsolatedPerRegistry() throws Exception {
    try (MockWebServer second = new MockWebServer()) {
      second.start();
      AtomicInteger issued = new AtomicInteger();
      tokens(r -> json(200, "{\"token\":\"tok" + issued.incrementAndGet() + "\"}"));
      List<String> seenBySecond = new ArrayList<>();
      registry.setDispatcher(dispatch(r -> r.getHeaders().get("Authorization") != null
          ? Images.manifest(r.getMethod())
          : new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", bearer()).build()));
      second.setDispatcher(dispatch(r -> {
        String a = r.getHeaders().get("Authorization");
        seenBySecond.add(String.valueOf(a));
        return a != null ? Images.manifest(r.getMethod())
            : new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", bearer()).build();
      }));
      try (OkHttpRegistryClient c = client(Map.of())) {
        c.resolve(ref(reg() + "/library/alpine:1"));
        c.resolve(ref(Fixtures.name(second) + "/library/alpine:1"));
      }
      assertEquals(2, tokenRequests.size());
      assertFalse(seenBySecond.contains("Bearer tok1"), seenBySecond.toString());
      assertTrue(seenBySecond.contains("Bearer tok2"), seenBySecond.toString());
    }
  }

  @Test
  void verifyCredentialsSucceedsAndFails() throws Exception {
    registry.setDispatcher(dispatch(r -> "Bearer good".equals(r.getHeaders().get("Authorization"))
        ? json(200, "{}") : new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", bearer()).build()));
    tokens(r -> form(r).contains("password=right") ? json(200, "{\"token\":\"good\"}")
        : json(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad password\"}]}"));
    try (OkHttpRegistryClient c = client(Map.of())) {
      c.verifyCredentials(reg(), Credentials.basic("bob", "right"));
      JpullException e = assertThrows(JpullException.class,
          () -> c.verifyCredentials(reg(), Credentials.basic("bob", "wrong")));
      assertEquals(Kind.UNAUTHORIZED, e.kind());
      assertFalse(e.getMessage().contains("wrong"), e.getMessage());
    }
  }

  @Test
  void redirectedTokenPostIsNotFollowedAndIsUnauthorized() throws Exception {
    registryWanting("good", bearer());
    tokens(r -> new MockResponse.Builder().code(302).addHeader("Location", "http://evil.test:1/steal").build());
    try (OkHttpRegistryClient c = client(Map.of(reg(), Credentials.basic("bob", "pw")))) {
      JpullException e = assertThrows(JpullException.class, () -> c.resolve(ref(reg() + "/a:1")));
      assertEquals(Kind.UNAUTHORIZED, e.kind());
    }
    assertEquals(1, tokenRequests.size());
  }
}
