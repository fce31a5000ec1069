package dev.jpull.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RedactorTest {
  static Stream<Arguments> urls() {
    return Stream.of(
        Arguments.of("signed s3 url",
            "https://cdn.test/b?X-Amz-Signature=s3cr3t&X-Amz-Credential=AKIA&X-Amz-Expires=300",
            "https://cdn.test/b?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Expires=REDACTED"),
        Arguments.of("userinfo", "https://bob:hunter2@registry.test/v2/", "https://user:xxxxx@registry.test/v2/"),
        Arguments.of("token parameters", "https://auth.test/t?service=reg&scope=repository:a:pull&access_token=abc",
            "https://auth.test/t?service=reg&scope=repository:a:pull&access_token=REDACTED"),
        Arguments.of("azure sig", "https://blob.test/x?sv=1&sig=AbC%2B", "https://blob.test/x?sv=REDACTED&sig=REDACTED"),
        Arguments.of("no query", "https://registry.test/v2/a/blobs/sha256:00", "https://registry.test/v2/a/blobs/sha256:00"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("urls")
  void redactsUrls(String name, String in, String want) {
    assertEquals(want, Redactor.url(HttpUrl.get(in)));
  }

  @Test
  void unparsableUrlTextLosesItsQueryAndUserinfo() {
    String out = Redactor.url("ftp://bob:pw@x/?sig=1");
    assertFalse(out.contains("pw"), out);
    assertFalse(out.contains("sig=1"), out);
  }

  @Test
  void redactsSecretHeadersButKeepsTheScheme() {
    Headers h = new Headers.Builder()
        .add("Authorization", "Bearer eyJsecret")
        .add("Proxy-Authorization", "Basic cHJveHk6cHc=")
        .add("Cookie", "session=abc")
        .add("Set-Cookie", "session=abc")
        .add("Location", "https://cdn.test/b?X-Amz-Signature=s3cr3t")
        .add("Link", "</v2/a/tags/list?n=1&last=b&token=t0k>; rel=\"next\"")
        .add("Content-Type", "application/json")
        .build();
    String out = Redactor.headers(h);
    for (String secret : new String[] {"eyJsecret", "cHJveHk6cHc=", "session=abc", "s3cr3t", "t0k"}) {
      assertFalse(out.contains(secret), secret + " leaked in " + out);
    }
    assertTrue(out.contains("Authorization: Bearer REDACTED"), out);
    assertTrue(out.contains("Content-Type: application/json"), out);
    assertTrue(out.contains("last=b"), out);
  }

  @Test
  void headerValuesAreEscapedNotQuoted() {
    okhttp3.Headers h = new okhttp3.Headers.Builder().addUnsafeNonAscii("X-Note", "a\u009b31m b")
        .add("Etag", "\"sha256:abc\"").build();
    String out = Redactor.headers(h);
    assertTrue(out.contains("X-Note: a\\x9b31m b"), out);
    assertTrue(out.contains("Etag: \"sha256:abc\""), out);
    assertFalse(out.contains("\u009b"), out);
  }
}
