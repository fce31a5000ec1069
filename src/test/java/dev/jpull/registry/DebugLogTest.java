package dev.jpull.registry;

import static dev.jpull.registry.Fixtures.dispatch;
import static dev.jpull.registry.Fixtures.json;
import static dev.jpull.registry.Fixtures.ref;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.registry.auth.Credentials;
import dev.jpull.registry.hosts.RegistryHost;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** U4: no secret reaches the debug log, whichever auth flow ran. */
class DebugLogTest {
  static final String PASSWORD = "pa55-w0rd-secret";
  static final String REFRESH = "refresh-tok-secret";
  static final String TOKEN = "bearer-tok-secret";
  static final String SIGNATURE = "amz-sig-secret";
  static final byte[] BLOB = Fixtures.bytes("blob");

  @StartStop final MockWebServer registry = new MockWebServer();
  @StartStop final MockWebServer auth = new MockWebServer();
  @StartStop final MockWebServer cdn = new MockWebServer();
  final Fixtures fx = new Fixtures();

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"password", "refresh token", "basic"})
  void secretsNeverReachTheLog(String flow) throws Exception {
    String reg = Fixtures.name(registry);
    String challenge = flow.equals("basic") ? "Basic realm=\"r\""
        : "Bearer realm=\"http://auth.test:" + auth.getPort() + "/token?secret_key=k3y\",service=\"reg\"";
    registry.setDispatcher(dispatch(r -> {
      if (r.getHeaders().get("Authorization") == null) {
        return new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", challenge).build();
      }
      if (Fixtures.path(r).contains("/blobs/")) {
        return new MockResponse.Builder().code(307).addHeader("Set-Cookie", "s=cookie-secret")
            .addHeader("Location", "http://cdn.test:" + cdn.getPort() + "/b?X-Amz-Signature=" + SIGNATURE).build();
      }
      return Images.manifest(r.getMethod());
    }));
    auth.setDispatcher(dispatch(r -> r.getMethod().equals("POST")
        ? json(200, "{\"token\":\"" + TOKEN + "\",\"refresh_token\":\"" + REFRESH + "\"}") : Fixtures.status(404)));
    cdn.setDispatcher(dispatch(r -> new MockResponse.Builder().code(200).body(new okio.Buffer().write(BLOB)).build()));
    Credentials creds = flow.equals("refresh token") ? new Credentials("bob", null, REFRESH)
        : Credentials.basic("bob", PASSWORD);
    try (OkHttpRegistryClient c = fx.builder(StaticHosts.direct("http", RegistryHost.Tls.SYSTEM))
        .credentials(new MapCredentials(Map.of(reg, creds)))
        .environment(Map.of("HTTP_PROXY", "http://proxyuser:proxy-secret@127.0.0.1:1", "NO_PROXY", "*"))
        .build()) {
      c.resolve(ref(reg + "/a:1"));
      Descriptor d = new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(BLOB), BLOB.length);
      try (BlobStream s = c.blob(ref(reg + "/a:1"), d, 0)) {
        s.body().readAllBytes();
      }
    }
    String all = String.join("\n", fx.log);
    assertTrue(all.contains("--> GET"), all);
    assertTrue(all.contains("X-Amz-Signature=REDACTED"), all);
    String basic = Base64.getEncoder().encodeToString(("bob:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    for (String secret : new String[] {PASSWORD, basic, TOKEN, REFRESH, SIGNATURE, "cookie-secret", "k3y",
        "proxy-secret"}) {
      assertFalse(all.contains(secret), secret + " leaked:\n" + all);
    }
  }
}
