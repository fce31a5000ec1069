package dev.jpull.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Json;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store is an OCI image layout that skopeo reads directly (CONTRACT "The store"). */
class LocalContentStoreSkopeoIT {
  private static final String REF = "127.0.0.1:5000/test/app:1";

  @TempDir
  Path dir;

  private static String skopeo() {
    for (String p : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      Path s = Path.of(p, "skopeo");
      if (Files.isExecutable(s)) {
        return s.toString();
      }
    }
    if ("true".equals(System.getenv("CI"))) {
      fail("skopeo is not installed, and CI=true requires this interop test to run");
    }
    Assumptions.abort("skopeo is not installed; install it to check that other tools read the store");
    return null;
  }

  @Test
  void skopeoInspectsAReferenceRecordedInTheStore() throws Exception {
    String skopeo = skopeo();
    LocalContentStore store = LocalContentStore.open(dir.resolve("store"));
    TestImage image = TestImage.of("skopeo", 1);
    image.writeBlobs(store);
    store.record(REF, image.manifest());
    store.record("127.0.0.1:5000/test/other:2", TestImage.of("other", 2).manifest()); // a second name is fine

    Process p = new ProcessBuilder(List.of(skopeo, "inspect", "oci:" + store.root() + ":" + REF))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "skopeo hung");
    assertEquals(0, p.exitValue(), out);
    JsonNode json = Json.MAPPER.readTree(out);
    assertEquals(image.manifest().digest().toString(), json.get("Digest").asText(), out);
    assertEquals(image.layers().get(0).digest().toString(), json.get("Layers").get(0).asText(), out);
  }
}
