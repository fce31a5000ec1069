package dev.jpull.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.registry.RequestPolicy.AddressClass;
import dev.jpull.registry.RequestPolicy.Permit;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The request policy's decisions, without a connection: literals are classed by value; names go through a
 * DNS seam that answers 127.0.0.2 only, which the test's classifier calls "public".
 */
class RequestPolicyTest {
  private static final byte[] PUBLIC_STANDIN = {127, 0, 0, 2};
  private static final Dns TO_127_0_0_2 = host -> List.of(InetAddress.getByAddress(host, PUBLIC_STANDIN));

  /** 127.0.0.2 plays a public address; everything else is classed for real. */
  static AddressClass testClass(InetAddress a) {
    return java.util.Arrays.equals(a.getAddress(), PUBLIC_STANDIN) ? AddressClass.PUBLIC : RequestPolicy.classify(a);
  }

  private final RequestPolicy policy = new RequestPolicy(TO_127_0_0_2, RequestPolicyTest::testClass);

  private HttpUrl realm(String realm, String registry) throws JpullException {
    HttpUrl r = HttpUrl.get(registry);
    return policy.realm(realm, r, policy.realmPermit(r));
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
      "127.0.0.1, LOOPBACK", "127.255.0.9, LOOPBACK", "::1, LOOPBACK", "0.0.0.0, LOOPBACK", "::, LOOPBACK",
      "::ffff:127.0.0.1, LOOPBACK", "::ffff:169.254.169.254, LINK_LOCAL", "64:ff9b::a9fe:a9fe, LINK_LOCAL",
      "169.254.169.254, LINK_LOCAL", "fe80::1, LINK_LOCAL", "224.0.0.1, LINK_LOCAL", "ff02::1, LINK_LOCAL",
      "10.0.0.1, PRIVATE", "172.16.0.1, PRIVATE", "172.31.255.255, PRIVATE", "192.168.1.1, PRIVATE",
      "100.64.0.1, PRIVATE", "fd00::1, PRIVATE", "fc00::1, PRIVATE", "fec0::1, PRIVATE", "::ffff:10.1.2.3, PRIVATE",
      "8.8.8.8, PUBLIC", "172.32.0.1, PUBLIC", "2606:4700::1111, PUBLIC", "::ffff:1.1.1.1, PUBLIC",
  })
  void classifiesLiteralsByValue(String literal, AddressClass expected) throws UnknownHostException {
    assertEquals(expected, RequestPolicy.classify(InetAddress.getByName(literal)));
  }

  @Test
  void localhostIsLoopbackWithoutAnyLookup() {
    AtomicInteger lookups = new AtomicInteger();
    RequestPolicy p = new RequestPolicy(h -> {
      lookups.incrementAndGet();
      return List.of(InetAddress.getByAddress(h, PUBLIC_STANDIN));
    }, RequestPolicyTest::testClass);
    assertEquals(AddressClass.LOOPBACK, p.classOf("localhost"));
    assertEquals(AddressClass.LOOPBACK, p.classOf("registry.localhost"));
    assertEquals(AddressClass.LOOPBACK, p.classOf("2130706433"));
    assertEquals(AddressClass.LOOPBACK, p.classOf("0x7f.1"));
    assertEquals(0, lookups.get());
  }

  @Test
  void aNameIsClassedByWhatItResolvesTo() {
    RequestPolicy real = new RequestPolicy(h -> List.of(InetAddress.getByAddress(h, new byte[] {127, 0, 0, 1})), null);
    assertEquals(AddressClass.LOOPBACK, real.classOf("internal.test"), "a DNS name resolving inside counts as inside");
    assertEquals(AddressClass.PUBLIC, policy.classOf("registry.test"));
  }

  @Test
  void aNameResolvingToSeveralAddressesIsAsInternalAsTheMostInternal() {
    RequestPolicy p = new RequestPolicy(h -> List.of(InetAddress.getByAddress(h, PUBLIC_STANDIN),
        InetAddress.getByAddress(h, new byte[] {127, 0, 0, 1})), RequestPolicyTest::testClass);
    assertEquals(AddressClass.LOOPBACK, p.classOf("rebind.test"));
  }

  @ParameterizedTest(name = "{0} after a {1} host")
  @CsvSource({
      "https://10.0.0.1/, PUBLIC", "https://169.254.169.254/latest/, PUBLIC", "https://127.0.0.1/, PUBLIC",
      "'https://[::1]/', PUBLIC", "'https://[fd00::1]/', PUBLIC", "https://192.168.0.1/, PUBLIC",
      "https://169.254.169.254/, PRIVATE", "https://127.0.0.1/, PRIVATE", "https://127.0.0.1/, LINK_LOCAL",
      "https://localhost/, PUBLIC", "https://0.0.0.0/, PRIVATE",
  })
  void aDerivedUrlMoreInternalThanItsNamerIsRefused(String target, AddressClass namer) {
    JpullException e = assertThrows(JpullException.class,
        () -> policy.check(HttpUrl.get(target), new Permit(namer, namer, false, Kind.NETWORK), "follow"));
    assertEquals(Kind.NETWORK, e.kind());
  }

  @ParameterizedTest(name = "{0} after a {1} host")
  @CsvSource({
      "https://cdn.test/, PUBLIC", "https://8.8.8.8/, PUBLIC", "https://10.0.0.1/, PRIVATE",
      "https://8.8.8.8/, PRIVATE", "https://169.254.169.254/, LINK_LOCAL", "https://10.0.0.1/, LOOPBACK",
      "https://127.0.0.1/, LOOPBACK", "https://cdn.test/, LOOPBACK",
  })
  void aDerivedUrlAsPublicOrMoreIsAllowed(String target, AddressClass namer) throws JpullException {
    policy.check(HttpUrl.get(target), new Permit(namer, namer, false, Kind.NETWORK), "follow");
  }

  @Test
  void aConfiguredHostIsAllowedWhateverItsClass() throws JpullException {
    for (String u : List.of("http://127.0.0.1:5000/", "https://10.0.0.1/", "https://169.254.169.254/")) {
      policy.check(HttpUrl.get(u), Permit.CONFIGURED, "resolve");
    }
  }

  @Test
  void aConfiguredHostSetsTheFloorForItsRedirects() throws JpullException {
    Permit fromPrivate = policy.redirectFrom(HttpUrl.get("https://10.0.0.1/"), Permit.CONFIGURED);
    assertEquals(AddressClass.PRIVATE, fromPrivate.floor());
    Permit fromPublic = policy.redirectFrom(HttpUrl.get("https://registry.test/"), Permit.CONFIGURED);
    assertThrows(JpullException.class, () -> policy.check(HttpUrl.get("https://10.0.0.1/"), fromPublic, "follow"));
  }

  @ParameterizedTest
  @CsvSource({"http://cdn.test/layer", "https://127.0.0.1/layer", "https://10.0.0.1/layer",
      "https://169.254.169.254/layer", "'https://[fd00::1]/layer'", "https://localhost/layer"})
  void aForeignUrlMustBePublicHttps(String url) {
    assertThrows(JpullException.class, () -> policy.check(HttpUrl.get(url), Permit.FOREIGN, "foreign"));
  }

  @Test
  void aPublicHttpsForeignUrlIsAllowed() throws JpullException {
    policy.check(HttpUrl.get("https://cdn.test/layer"), Permit.FOREIGN, "foreign");
  }

  @ParameterizedTest
  @CsvSource({"localhost, true", "127.0.0.1, true", "127.9.9.9, true", "'[::1]', true", "::1, true",
      "registry.test, false", "10.0.0.1, false", "localhost.example, false", "0.0.0.0, false"})
  void loopbackByName(String host, boolean loopback) {
    assertEquals(loopback, RequestPolicy.isLoopbackName(host));
  }

  @ParameterizedTest(name = "{0} from {1}")
  @CsvSource({
      "http://auth.test/token, https://registry.test/v2/",
      "https://169.254.169.254/latest/meta-data/, https://registry.test/v2/",
      "https://127.0.0.1:9999/, https://registry.test/v2/",
      "'https://[::1]/', https://registry.test/v2/",
      "https://10.0.0.1/, https://registry.test/v2/",
      "https://0.0.0.0/, https://registry.test/v2/",
      "https://192.168.0.1/, https://registry.test/v2/",
      "'https://[fd00::1]/', https://registry.test/v2/",
      "https://0x7f.1/, https://registry.test/v2/",
      "https://2130706433/, https://registry.test/v2/",
      "https://localhost/, https://registry.test/v2/",
      "file:///etc/passwd, https://registry.test/v2/",
      "ftp://x/, https://registry.test/v2/",
      "'', https://registry.test/v2/",
      "https://user:pw@auth.test/, https://registry.test/v2/",
      "https://user@auth.test/, https://registry.test/v2/",
      "'not a url at all', https://registry.test/v2/",
      "https://169.254.169.254/, https://10.0.0.5/v2/",
  })
  void refusesRealm(String realm, String registry) {
    JpullException e = assertThrows(JpullException.class, () -> realm(realm, registry));
    assertEquals(Kind.UNAUTHORIZED, e.kind());
  }

  @ParameterizedTest(name = "{0} from {1}")
  @CsvSource({
      "https://auth.test/token, https://registry.test/v2/",
      "https://auth.test/token?tenant=1, https://registry.test/v2/",
      "http://auth.test/token, http://registry.test/v2/",
      "https://127.0.0.1:5001/token, https://127.0.0.1:5000/v2/",
      "https://auth.test/token, https://127.0.0.1:5000/v2/",
      "http://10.0.0.5/token, http://10.0.0.5:5000/v2/",
      "https://10.0.0.6/token, https://10.0.0.5:5000/v2/",
  })
  void allowsRealm(String realm, String registry) throws JpullException {
    assertEquals(HttpUrl.get(realm), realm(realm, registry));
  }

  /** HOSTILE D6 where {@code registry.test} really resolves to loopback (as in a hosts-file test setup). */
  @Test
  void aDnsNamedRegistryOnLoopbackMayNotNameAnInternalLiteralRealm() throws JpullException {
    RequestPolicy onLoopback = new RequestPolicy(h -> List.of(InetAddress.getByAddress(h, new byte[] {127, 0, 0, 1})),
        null);
    HttpUrl reg = HttpUrl.get("https://registry.test:5000/v2/");
    for (String realm : List.of("https://127.0.0.1:9999/", "https://[::1]/", "https://10.0.0.1/",
        "https://169.254.169.254/latest/meta-data/", "https://0.0.0.0/", "https://localhost:9999/")) {
      JpullException e = assertThrows(JpullException.class,
          () -> onLoopback.realm(realm, reg, onLoopback.realmPermit(reg)), realm);
      assertEquals(Kind.UNAUTHORIZED, e.kind());
    }
    assertEquals(HttpUrl.get("https://auth.test/t"), onLoopback.realm("https://auth.test/t", reg,
        onLoopback.realmPermit(reg)), "a realm named by DNS, resolving where the registry does, is fine");
    assertEquals(HttpUrl.get("https://registry.test:5001/t"), onLoopback.realm("https://registry.test:5001/t", reg,
        onLoopback.realmPermit(reg)));
    HttpUrl literal = HttpUrl.get("https://127.0.0.1:5000/v2/");
    assertEquals(HttpUrl.get("https://127.0.0.1:5001/t"), onLoopback.realm("https://127.0.0.1:5001/t", literal,
        onLoopback.realmPermit(literal)), "a loopback registry may use a realm on loopback");
  }

  @Test
  void aRealmIsNeverMoreInternalThanItsRegistry() {
    assertTrue(AddressClass.PUBLIC.atLeast(AddressClass.PRIVATE));
    assertFalse(AddressClass.LINK_LOCAL.atLeast(AddressClass.PRIVATE));
  }
}
