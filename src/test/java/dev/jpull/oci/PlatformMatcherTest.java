package dev.jpull.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** containerd's platform matching cases ({@code platforms/compare_test.go}, {@code platforms_test.go}). */
class PlatformMatcherTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "linux/amd64, linux/amd64",
      "linux/x86_64, linux/amd64",
      "linux/x86-64, linux/amd64",
      "amd64, linux/amd64",
      "linux/aarch64, linux/arm64/v8",
      "linux/arm64, linux/arm64/v8",
      "linux/arm64/v8, linux/arm64/v8",
      "linux/arm64/8, linux/arm64/v8",
      "linux/armhf, linux/arm/v7",
      "linux/armel, linux/arm/v6",
      "linux/arm, linux/arm/v7",
      "linux/arm/7, linux/arm/v7",
      "linux/arm/v6, linux/arm/v6",
      "linux/i386, linux/386",
      "darwin/arm64, darwin/arm64/v8",
      "macos/amd64, darwin/amd64",
      "windows/amd64, windows/amd64",
      "LINUX/AMD64, linux/amd64",
      "linux/s390x, linux/s390x",
  })
  void normalises(String spec, String normal) {
    assertEquals(normal, Platform.parse(spec).toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/", "linux/", "linux/amd64/v1/x", "linux/am d64", "../../x", "linux/\u001b[31m"})
  void rejectsMalformed(String spec) {
    assertThrows(IllegalArgumentException.class, () -> Platform.parse(spec));
  }

  @ParameterizedTest(name = "want {0}, have {1}: {2}")
  @CsvSource({
      // exact and normalised matches
      "linux/amd64, linux/amd64, true",
      "linux/amd64, linux/x86_64, true",
      "linux/arm64, linux/arm64/v8, true",
      "linux/arm64/v8, linux/arm64, true",
      "linux/arm64, linux/aarch64, true",
      "linux/arm/v7, linux/arm, true",
      "linux/arm, linux/arm/v7, true",
      // fallbacks: arm/v7 runs v6 and v5, not v8
      "linux/arm/v7, linux/arm/v6, true",
      "linux/arm/v7, linux/arm/v5, true",
      "linux/arm/v6, linux/arm/v7, false",
      "linux/arm/v5, linux/arm/v6, false",
      // arm64 runs 32-bit arm down to v5 (containerd only())
      "linux/arm64, linux/arm/v8, true",
      "linux/arm64, linux/arm/v7, true",
      "linux/arm64, linux/arm/v5, true",
      // amd64 runs 386, never the other way
      "linux/amd64, linux/386, true",
      "linux/386, linux/amd64, false",
      "linux/amd64/v3, linux/amd64/v2, true",
      "linux/amd64/v3, linux/amd64, true",
      "linux/amd64, linux/amd64/v3, false",
      // no cross-OS or cross-arch matches
      "linux/amd64, windows/amd64, false",
      "linux/amd64, linux/arm64, false",
      "linux/arm64, linux/amd64, false",
      "linux/s390x, linux/amd64, false",
      "linux/arm/v7, linux/arm64, false",
  })
  void matches(String want, String have, boolean expected) {
    assertEquals(expected, PlatformMatcher.only(Platform.parse(want)).matches(Platform.parse(have)));
  }

  @Test
  void bestMatchWins() {
    PlatformMatcher m = PlatformMatcher.only(Platform.parse("linux/arm/v7"));
    List<String> ranked = List.of("linux/arm/v5", "linux/arm/v7", "linux/arm/v6").stream()
        .map(Platform::parse)
        .sorted(Comparator.comparingInt(m::rank))
        .map(Platform::toString)
        .toList();
    assertEquals(List.of("linux/arm/v7", "linux/arm/v6", "linux/arm/v5"), ranked);
  }

  @Test
  void exactBeatsFallbackForArm64() {
    PlatformMatcher m = PlatformMatcher.only(Platform.parse("linux/arm64"));
    assertTrue(m.rank(Platform.parse("linux/arm64/v8")) < m.rank(Platform.parse("linux/arm/v7")));
  }

  @Test
  void hostPlatformIsNormalised() {
    Platform host = PlatformMatcher.host();
    assertEquals(host, host.normalized());
    assertTrue(host.toString().startsWith("linux/") || host.toString().startsWith("darwin/"), host.toString());
  }
}
