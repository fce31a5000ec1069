package dev.jpull.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command on a fresh clone: {@code ./jpull pull REF} builds the launcher (nothing but
 * Java and the Maven wrapper; the build reuses ~/.m2) and pulls, in one command, with stdout holding only
 * what jpull prints. A loopback registry stands in for Docker Hub. The clone is of the committed HEAD.
 */
class FreshCloneIT {
  @TempDir
  Path dir;

  record Run(int exit, String stdout, String stderr) {}

  @Test
  void jpullScriptBuildsOnFirstUseThenPulls() throws Exception {
    Run head = run(Path.of("").toAbsolutePath(), 60, "git", "-c", "safe.directory=*", "rev-parse", "HEAD");
    Assumptions.assumeTrue(head.exit() == 0, "not run from a readable git checkout, so there is nothing to clone: "
        + head.stderr());
    Path clone = dir.resolve("clone");
    Run cloned = run(dir, 300, "git", "-c", "safe.directory=*", "clone", "-q", "--no-checkout",
        Path.of("").toAbsolutePath().toString(), clone.toString());
    assertEquals(0, cloned.exit(), cloned.stderr());
    Run checkout = run(clone, 120, "git", "-c", "advice.detachedHead=false", "checkout", "-q", head.stdout().strip());
    assertEquals(0, checkout.exit(), checkout.stderr());
    assertFalse(Files.exists(clone.resolve("target")), "a fresh clone has no build output");

    try (RegistryServer registry = RegistryServer.start(dir)) {
      TestImage small = TestImage.of(List.of(new TarBuilder().file("etc/os-release", "ID=small\n").build()), true);
      new ImagePusher(registry.url()).push("small", "latest", small);
      String ref = "127.0.0.1:" + registry.port() + "/small:latest";
      Path store = dir.resolve("store");

      Run first = run(clone, 900, "./jpull", "--store", store.toString(), "pull", "--plain-http", ref);
      assertEquals(0, first.exit(), first.toString());
      assertTrue(first.stderr().contains("building"), "the first run builds:\n" + first.stderr());
      assertEquals(ref + "\n", first.stdout(), "stdout carries only the pulled reference, no build output");
      assertTrue(Files.isExecutable(clone.resolve("target/jpull")));
      assertTrue(first.stderr().contains("Digest: " + small.manifestDigest), first.stderr());

      Run again = run(clone, 120, "./jpull", "--store", store.toString(), "pull", "-q", "--plain-http", ref);
      assertEquals(0, again.exit(), again.toString());
      assertFalse(again.stderr().contains("building"), "an up-to-date launcher is not rebuilt:\n" + again.stderr());
      assertEquals(ref + "@" + small.manifestDigest + "\n", again.stdout());
    }
  }

  private Run run(Path cwd, int seconds, String... cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(cmd))).directory(cwd.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("DOCKER_CONFIG", Files.createDirectories(dir.resolve("docker")).toString());
    pb.environment().remove("JPULL_STORE");
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " timed out; stderr: " + Files.readString(err));
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }
}
