package dev.jpull.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "alpine, docker.io/library/alpine:latest",
      "alpine:3.19, docker.io/library/alpine:3.19",
      "library/alpine, docker.io/library/alpine:latest",
      "docker.io/alpine, docker.io/library/alpine:latest",
      "index.docker.io/library/alpine:3, docker.io/library/alpine:3",
      "registry-1.docker.io/library/alpine:3, docker.io/library/alpine:3",
      "user/app:v1, docker.io/user/app:v1",
      "ghcr.io/owner/repo/sub:tag, ghcr.io/owner/repo/sub:tag",
      "localhost/app, localhost/app:latest",
      "localhost:5000/app:1, localhost:5000/app:1",
      "127.0.0.1:5000/a/b_c__d-e.f:TAG_1.0-x, 127.0.0.1:5000/a/b_c__d-e.f:TAG_1.0-x",
      "[::1]:5000/app:1, [::1]:5000/app:1",
      "alpine@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, docker.io/library/alpine@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "alpine:3.19@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, docker.io/library/alpine:3.19@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  })
  void normalises(String input, String canonical) throws Exception {
    assertEquals(canonical, Reference.parse(input).toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "Alpine", "docker.io/Library/alpine", "alpine:", "alpine:-x", "alpine:xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "alpine@sha256:abc", "alpine@SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "alpine@md5:d41d8cd98f00b204e9800998ecf8427e",
      "a//b", "/alpine", "alpine/", "host:99999/a", "host:0/a", "a b", "alpine\n", "-host.com/a", "a..b",
      "alpine@sha256:../../../../x" })
  void rejects(String input) {
    ReferenceParseException e = assertThrows(ReferenceParseException.class, () -> Reference.parse(input));
    assertTrue(e.getMessage().startsWith("invalid reference"), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void upperCaseNamesTheOffendingPart() {
    ReferenceParseException e = assertThrows(ReferenceParseException.class,
        () -> Reference.parse("127.0.0.1:5000/MyApp:1"));
    assertTrue(e.getMessage().contains("lowercase") && e.getMessage().contains("\"MyApp\""), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void apiHostOfDockerHub() throws Exception {
    assertEquals("registry-1.docker.io", Reference.parse("alpine").apiHost());
    assertEquals("ghcr.io", Reference.parse("ghcr.io/a/b").apiHost());
  }
}
