package dev.jpull.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Digest's equals and hashCode are written out (not the record's indy bootstrap): they must still be a record's. */
class DigestTest {
  private static final String HEX = "ab".repeat(32);

  @Test
  void equalByAlgorithmAndHex() {
    Digest a = Digest.parse("sha256:" + HEX);
    Digest b = new Digest("sha256", HEX);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, Digest.parse("sha256:" + "cd".repeat(32)));
    assertNotEquals(new Digest("sha512", HEX + HEX), new Digest("sha256", HEX));
    assertNotEquals(a, null);
    assertNotEquals(a, "sha256:" + HEX);
  }

  @Test
  void usableAsAKey() {
    Set<Digest> s = new HashSet<>();
    s.add(Digest.parse("sha256:" + HEX));
    s.add(new Digest("sha256", HEX));
    assertEquals(1, s.size());
  }
}
