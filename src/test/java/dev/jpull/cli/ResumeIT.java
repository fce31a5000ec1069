package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Digest;
import dev.jpull.testing.CountingForwarder;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.Launcher.Result;
import dev.jpull.testing.OneLayerImage;
import dev.jpull.testing.PullEvents;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TarBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A pull SIGKILLed in the middle of a large layer resumes: the next pull asks only for the bytes the
 * partial lacks (HTTP Range), and the blob it commits has the right digest. A counting, throttling TCP
 * forwarder in front of the real registry slows the first pull down and measures the second.
 */
class ResumeIT {
  private static final int LAYER_DATA = 32 << 20;
  /** Manifest and config exchanges and HTTP headers: far less than a mebibyte. */
  private static final long MARGIN = 64 * 1024;

  @TempDir
  static Path shared;

  static RegistryServer registry;
  static CountingForwarder proxy;
  static Digest layer;
  static long layerSize;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.start(shared);
    proxy = CountingForwarder.start(registry.hostPort());
    byte[] random = new byte[LAYER_DATA];
    new Random(4).nextBytes(random); // incompressible: the gzip layer is as large as its content
    OneLayerImage image = OneLayerImage.gzip(new TarBuilder().file("big.bin", 0644, random).build());
    layer = image.layer();
    layerSize = image.layerBytes().length;
    image.push(new ImagePusher(registry.url()), "test/big", "1");
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void killedPullResumesWithTheMissingBytesOnly(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("store");
    String ref = proxy.hostPort() + "/test/big:1";
    Path partial = store.resolve("ingest").resolve(layer.hex()).resolve("data");

    Process first = startThrottled(dir, store, ref, "first");
    long seen = waitForGrowth(first, partial, layerSize * 2 / 5, dir.resolve("first.err"));
    // The launcher must exec java: a kill of a shell would leave the JVM running.
    String command = first.info().command().orElse("");
    assertTrue(command.endsWith("/java") || command.endsWith("java"), "the launcher's process is the JVM: " + command);
    first.destroyForcibly();
    assertTrue(first.waitFor(30, TimeUnit.SECONDS));
    assertEquals(137, first.exitValue(), "SIGKILL");

    assertTrue(Files.isRegularFile(partial), "the partial download survives the kill");
    long kept = Files.size(partial);
    assertTrue(kept >= seen && kept < layerSize, "partial of " + kept + " bytes (saw " + seen + ") of " + layerSize);
    assertFalse(Files.exists(store.resolve("blobs/sha256").resolve(layer.hex())), "no blob before verification");

    proxy.throttle(0);
    long before = proxy.bytesFromUpstream();
    Result second = Launcher.run(dir, "--store", store.toString(), "pull", "--plain-http", "--progress", "json", ref);
    long fetched = proxy.bytesFromUpstream() - before;
    assertEquals(0, second.exit(), second.stderr());

    long missing = layerSize - kept;
    assertTrue(fetched >= missing, "the rest of the layer came through the forwarder: " + fetched + " < " + missing);
    assertTrue(fetched <= missing + MARGIN, "resume fetched " + fetched + " bytes, but only " + missing
        + " were missing (partial " + kept + " of " + layerSize + ")");

    List<JsonNode> events = PullEvents.parse(second.stdout());
    JsonNode done = PullEvents.terminal(events, "done");
    assertTrue(done.get("downloaded").asLong() <= missing + MARGIN, done.toString());
    JsonNode resumedAt = events.stream()
        .filter(e -> e.path("type").asText().equals("blob") && e.path("digest").asText().equals(layer.toString())
            && e.path("status").asText().equals("downloading"))
        .findFirst().orElseThrow(() -> new AssertionError("no downloading event for the layer: " + second.stdout()));
    assertEquals(kept, resumedAt.get("current").asLong(), "the download starts at the partial's end");
    assertTrue(resumedAt.get("resumed").asBoolean(), "the event says the download resumed: " + resumedAt);
    assertFalse(resumedAt.get("mirror").asBoolean(), resumedAt.toString());

    Path blob = store.resolve("blobs/sha256").resolve(layer.hex());
    assertEquals(layer.toString(), "sha256:" + sha256(blob), "the committed blob hashes to its digest");
    assertEquals(layerSize, Files.size(blob));
    assertFalse(Files.exists(partial.getParent()), "the ingest is gone once committed");
    Path big = Path.of(done.get("rootfs").asText()).resolve("big.bin");
    assertEquals(LAYER_DATA, Files.size(big), "the layer unpacked whole");
  }

  @ParameterizedTest(name = "SIG{0} exits {1}")
  @CsvSource({"TERM, 143", "INT, 130"})
  void interruptedPullKeepsThePartialAndEndsItsEventsWithOneError(String signal, int code, @TempDir Path dir)
      throws Exception {
    Path store = dir.resolve("store");
    Path partial = store.resolve("ingest").resolve(layer.hex()).resolve("data");
    Process p = startThrottled(dir, store, proxy.hostPort() + "/test/big:1", "term");
    long seen = waitForGrowth(p, partial, layerSize / 5, dir.resolve("term.err"));
    if (signal.equals("INT") && ignoresSigint(p.pid())) {
      p.destroyForcibly();
      Assumptions.abort("SIGINT is ignored by processes started here (a background job): cannot interrupt");
    }
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
    assertEquals(0, kill.waitFor());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "SIG" + signal + " ends the pull");
    String stderr = Files.readString(dir.resolve("term.err"));
    assertEquals(code, p.exitValue(), stderr);
    List<String> errors = stderr.lines().filter(l -> l.startsWith("jpull: error: ")).toList();
    assertEquals(1, errors.size(), stderr);
    assertFalse(stderr.contains("\tat "), "no stack trace without --debug: " + stderr);
    JsonNode error = PullEvents.terminal(PullEvents.parse(Files.readString(dir.resolve("term.out"))), "error");
    assertEquals(code, error.get("code").asInt(), "the event's code is the exit code: " + error);
    assertTrue(Files.size(partial) >= seen, "the partial is kept for the next pull to resume");
    assertFalse(Files.exists(store.resolve("blobs/sha256").resolve(layer.hex())));
  }

  /** Whether the process ignores SIGINT (inherited from a shell that started us in the background). */
  private static boolean ignoresSigint(long pid) throws Exception {
    String mask = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("SigIgn:")).findFirst().orElse("SigIgn: 0").substring(7).strip();
    return (Long.parseUnsignedLong(mask, 16) & (1L << 1)) != 0; // bit n-1 for signal n; SIGINT is 2
  }

  /** Starts a pull through the throttled forwarder, stdout and stderr to {@code name}.out/.err. */
  private static Process startThrottled(Path dir, Path store, String ref, String name) throws Exception {
    proxy.throttle(16L << 20);
    Process p = new ProcessBuilder(Launcher.path().toString(), "--store", store.toString(), "pull",
        "--plain-http", "--progress", "json", ref)
        .redirectOutput(dir.resolve(name + ".out").toFile()).redirectError(dir.resolve(name + ".err").toFile()).start();
    p.getOutputStream().close();
    return p;
  }

  /** Polls the partial until it holds {@code atLeast} bytes; fails if the pull ends first. */
  private static long waitForGrowth(Process p, Path partial, long atLeast, Path stderr) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      long size = Files.exists(partial) ? Files.size(partial) : 0;
      if (size >= atLeast) {
        return size;
      }
      if (!p.isAlive()) {
        fail("the first pull ended (exit " + p.exitValue() + ") before the partial reached " + atLeast + " bytes: "
            + Files.readString(stderr));
      }
      Thread.sleep(5);
    }
    p.destroyForcibly();
    throw new AssertionError("the partial never reached " + atLeast + " bytes: " + Files.readString(stderr));
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
