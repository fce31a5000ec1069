package dev.jpull.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.reference.Reference;
import dev.jpull.testing.Fuzz;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Random;
import okhttp3.HttpUrl;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, property-based tests: the tags endpoint's {@code Link} header is written by the registry. For
 * any header, the next page is null, a URL of the same origin other than the current page, or a refusal
 * ({@link Kind#NETWORK}) — never another exception. TagLister's link step is private (registry-policy's
 * file), so it is reached by reflection on {@code next(Response, HttpUrl, String)}; it runs without a
 * socket, so 10,000 headers take well under a second.
 */
class LinkHeaderPropertyTest {
  private static final HttpUrl CURRENT = HttpUrl.get("http://registry.test:5000/v2/a/b/tags/list?n=100");
  private static final List<String> SAMPLES = List.of(
      "</v2/a/b/tags/list?n=100&last=x>; rel=\"next\"", "<http://registry.test:5000/v2/a/b/tags/list?last=y>; rel=next",
      "<https://other.test/v2/a/b/tags/list>; rel=\"next\"", "</x>; rel=\"prev\", </v2/a/b/tags/list?last=z>; rel=\"next\"",
      "<//registry.test:5000/v2/a/b/tags/list?last=%2F>; rel=\"next\"");

  private static final java.util.concurrent.atomic.AtomicInteger FOLLOWED = new java.util.concurrent.atomic.AtomicInteger();
  private static final Method NEXT;
  private static final TagLister LISTER;

  static {
    try {
      NEXT = TagLister.class.getDeclaredMethod("next", Response.class, HttpUrl.class, String.class);
      NEXT.setAccessible(true);
      Endpoint ep = new Endpoint(StaticHosts.upstream("http://registry.test:5000", dev.jpull.registry.hosts.RegistryHost.Tls.SYSTEM),
          "registry.test:5000", null);
      LISTER = new TagLister(null, ep, Reference.parse("registry.test:5000/a/b"), 1_000_000L);
    } catch (ReflectiveOperationException | JpullException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  static String input(Random r) {
    return r.nextInt(4) == 0 ? Fuzz.randomString(r, 200) : Fuzz.mutate(r, SAMPLES.get(r.nextInt(SAMPLES.size())));
  }

  static void property(String link) throws Throwable {
    // As OkHttp reads a header off the wire: any value but a line break (which ends the header there).
    String value = link.replaceAll("[\\r\\n].*", "");
    Response response = new Response.Builder().request(new Request.Builder().url(CURRENT).build())
        .protocol(Protocol.HTTP_1_1).code(200).message("OK")
        .headers(new okhttp3.Headers.Builder().addUnsafeNonAscii("Link", value).build()).build();
    HttpUrl next;
    try {
      next = (HttpUrl) NEXT.invoke(LISTER, response, CURRENT, "list tags of registry.test:5000/a/b");
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof JpullException j) {
        assertEquals(Kind.NETWORK, j.kind(), j.getMessage());
        return;
      }
      throw e.getCause();
    }
    if (next != null) {
      FOLLOWED.incrementAndGet();
      assertEquals(Transport.origin(CURRENT), Transport.origin(next), "same origin");
      assertNotEquals(CURRENT, next, "never the same page again");
    }
  }

  @Test
  void randomAndMutatedLinkHeadersGiveASameOriginPageOrARefusal() {
    Fuzz.forAll("link", LinkHeaderPropertyTest::input, Fuzz::show, s -> 1_000_000L + 500L * s.length(),
        LinkHeaderPropertyTest::property);
    org.junit.jupiter.api.Assertions.assertTrue(FOLLOWED.get() > Fuzz.TRIES / 100, FOLLOWED + " links followed");
  }
}
