package dev.jpull.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Json;
import dev.jpull.testing.RegistryServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: a real registry that adds a distribution-spec {@code Warning} header to every response (its
 * {@code http.headers} setting): the warning reaches stderr once in plain mode and the JSON stream once as a
 * {@code warning} event, though every one of the pull's requests carried it.
 */
class RegistryWarningIT {
  private static final String TEXT = "this repository is deprecated, use app2";

  @TempDir
  static Path shared;

  static RegistryServer registry;

  @TempDir
  Path dir;

  @BeforeAll
  static void startRegistry() throws Exception {
    RegistryServer.requireAvailable();
    Path storage = shared.resolve("storage");
    Seed.push(shared, storage, Map.of("app:1", Seed.standardImage()));
    // Appended right after the generated "http:" block, so these indented keys belong to it.
    registry = RegistryServer.builder(shared).name("warning").storage(storage).yaml("""
          headers:
            Warning: ['299 - "%s"']
        """.formatted(TEXT)).start();
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void aRegistryWarningIsShownOnceInPlainAndJsonModes() throws Exception {
    String ref = registry.hostPort() + "/app:1";
    JpullRun.Result plain = JpullRun.in(dir).run("--store", dir.resolve("s1").toString(), "pull", "--progress",
        "plain", "--plain-http", ref);
    assertEquals(0, plain.exit(), plain.toString());
    long lines = plain.stderr().lines().filter(l -> l.contains(TEXT)).count();
    assertEquals(1, lines, plain.toString());

    JpullRun.Result json = JpullRun.in(dir).run("--store", dir.resolve("s2").toString(), "pull", "--progress",
        "json", "--plain-http", ref);
    assertEquals(0, json.exit(), json.toString());
    List<JsonNode> warnings = json.stdout().lines().map(l -> {
      try {
        return Json.MAPPER.readTree(l);
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + l, e);
      }
    }).filter(n -> n.path("type").asText().equals("warning")).toList();
    assertEquals(1, warnings.size(), json.toString());
    assertEquals("registry 127.0.0.1:" + registry.port() + ": \"" + TEXT + "\"", warnings.get(0).path("message").asText());
  }
}
