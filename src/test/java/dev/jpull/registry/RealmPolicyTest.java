package dev.jpull.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import okhttp3.HttpUrl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RealmPolicyTest {
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
      "file:///etc/passwd, https://registry.test/v2/",
      "ftp://x/, https://registry.test/v2/",
      "'', https://registry.test/v2/",
      "https://user:pw@auth.test/, https://registry.test/v2/",
      "https://user@auth.test/, https://registry.test/v2/",
      "'not a url at all', https://registry.test/v2/",
  })
  void refuses(String realm, String registry) {
    JpullException e = assertThrows(JpullException.class, () -> RealmPolicy.validate(realm, HttpUrl.get(registry)));
    assertEquals(Kind.UNAUTHORIZED, e.kind());
  }

  @ParameterizedTest(name = "{0} from {1}")
  @CsvSource({
      "https://auth.test/token, https://registry.test/v2/",
      "https://auth.test/token?tenant=1, https://registry.test/v2/",
      "http://auth.test/token, http://registry.test/v2/",
      "https://127.0.0.1:5001/token, https://127.0.0.1:5000/v2/",
      "http://10.0.0.5/token, http://10.0.0.5:5000/v2/",
  })
  void allows(String realm, String registry) throws JpullException {
    assertEquals(HttpUrl.get(realm), RealmPolicy.validate(realm, HttpUrl.get(registry)));
  }
}
