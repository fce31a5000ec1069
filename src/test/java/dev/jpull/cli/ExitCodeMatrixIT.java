package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.testing.EventSchema;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every row of the contract's exit-code table through the real launcher, each in the three output modes a
 * script meets: {@code --progress json} (stdout is NDJSON only, with exactly one terminal event, last),
 * {@code -q} (stdout is the pinned reference on success and empty on failure) and {@code --progress
 * plain} (no escape character anywhere). Every failure is one {@code jpull: error:} line on stderr.
 */
class ExitCodeMatrixIT {
  private static final TestImage IMAGE = TestImage.of(List.of(
      new TarBuilder().dir("etc").file("etc/hostname", "matrix\n").build()), true);

  @StartStop
  final MockWebServer server = new MockWebServer();

  @TempDir
  Path dir;

  /** One scenario: what the registry answers, what the command line adds, and the exit it must give. */
  enum Scenario {
    SUCCESS(0, r -> serveImage(r)),
    NOT_FOUND(3, r -> json(404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}")),
    AUTH_REFUSED(4, r -> new MockResponse.Builder().code(401)
        .addHeader("WWW-Authenticate", "Basic realm=\"matrix\"")
        .addHeader("Content-Type", "application/json")
        .body("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}").build()),
    RATE_LIMITED(5, r -> new MockResponse.Builder().code(429).addHeader("Retry-After", "0")
        .addHeader("Content-Type", "application/json")
        .body("{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}").build()),
    SERVER_ERRORS(6, r -> new MockResponse.Builder().code(503).addHeader("Retry-After", "0").build()),
    DIGEST_MISMATCH(7, r -> {
      MockResponse ok = serveImage(r);
      // Serve the layer with one byte changed: same length, wrong digest.
      if (r.getUrl().encodedPath().contains("/blobs/" + IMAGE.layerDigests.get(0))) {
        byte[] bad = IMAGE.blobs.get(IMAGE.layerDigests.get(0)).clone();
        bad[bad.length / 2] ^= 1;
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/octet-stream")
            .body(new Buffer().write(bad)).build();
      }
      return ok;
    }),
    SCHEMA1(8, r -> new MockResponse.Builder().code(200)
        .addHeader("Content-Type", "application/vnd.docker.distribution.manifest.v1+prettyjws")
        .body("{\"schemaVersion\":1,\"name\":\"a/b\",\"tag\":\"1\",\"fsLayers\":[],\"history\":[]}").build());

    final int exit;
    final Function<RecordedRequest, MockResponse> answer;

    Scenario(int exit, Function<RecordedRequest, MockResponse> answer) {
      this.exit = exit;
      this.answer = answer;
    }
  }

  @ParameterizedTest
  @EnumSource(Scenario.class)
  void jsonModeIsPureNdjsonWithOneTerminalEvent(Scenario s) throws Exception {
    serve(s);
    Launcher.Result r = pull("--progress", "json");
    assertEquals(s.exit, r.exit(), r.stderr());
    List<JsonNode> events = parseEveryLine(r.stdout());
    JsonNode last = events.get(events.size() - 1);
    assertEquals(s.exit == 0 ? "done" : "error", last.get("type").asText(), r.stdout());
    assertEquals(1, events.stream().filter(e -> e.get("type").asText().matches("done|error")).count(), r.stdout());
    EventSchema schema = EventSchema.load();
    events.forEach(e -> assertEquals(List.of(), schema.problems(e), "conforms to the published schema: " + e));
    if (s.exit == 0) {
      assertEquals(IMAGE.manifestDigest.toString(), last.get("digest").asText());
    } else {
      assertOneErrorLine(r);
      assertTrue(last.get("message").asText().length() > 0);
    }
  }

  @ParameterizedTest
  @EnumSource(Scenario.class)
  void quietModePrintsExactlyThePinnedReferenceOrNothing(Scenario s) throws Exception {
    serve(s);
    Launcher.Result r = pull("-q");
    assertEquals(s.exit, r.exit(), r.stderr());
    if (s.exit == 0) {
      assertEquals(List.of(ref() + "@" + IMAGE.manifestDigest), r.stdout().lines().toList());
    } else {
      assertEquals("", r.stdout());
      assertOneErrorLine(r);
    }
  }

  @ParameterizedTest
  @EnumSource(Scenario.class)
  void plainModeHasNoEscapesAndTheReferenceLastOnStdout(Scenario s) throws Exception {
    serve(s);
    Launcher.Result r = pull("--progress", "plain");
    assertEquals(s.exit, r.exit(), r.stderr());
    assertFalse(r.stderr().contains("\u001b"), r.stderr());
    assertFalse(r.stdout().contains("\u001b"), r.stdout());
    if (s.exit == 0) {
      List<String> out = r.stdout().lines().toList();
      // As docker pull: the last stdout line is the canonical reference (pinned only with -q).
      assertEquals(ref(), out.get(out.size() - 1));
      assertTrue(r.stderr().contains("Pull complete") || r.stderr().contains("Downloaded"), r.stderr());
    } else {
      assertEquals("", r.stdout());
      assertOneErrorLine(r);
    }
  }

  @Test
  void tlsFailureAgainstAPlainServerExits6NamingTheHost() throws Exception {
    serve(Scenario.SUCCESS);
    // No --plain-http: jpull speaks TLS to a plain-HTTP server, which fails the handshake.
    Launcher.Result r = Launcher.run(dir, "--store", dir.resolve("s").toString(), "pull", "--progress", "json", ref());
    assertEquals(6, r.exit(), r.stderr());
    assertOneErrorLine(r);
    assertTrue(r.stderr().contains(host()), r.stderr());
    assertEquals("error", parseEveryLine(r.stdout()).get(parseEveryLine(r.stdout()).size() - 1).get("type").asText());
  }

  @Test
  void unusableStoreExits9() throws Exception {
    serve(Scenario.SUCCESS);
    Path notADir = Files.writeString(dir.resolve("store-is-a-file"), "x");
    Launcher.Result r = Launcher.run(dir, "--store", notADir.toString(), "pull", "--plain-http", "-q", ref());
    assertEquals(9, r.exit(), r.stderr());
    assertOneErrorLine(r);
    assertEquals("", r.stdout());
  }

  @Test
  void sigtermAndSigintStopWith143And130AndOneTerminalEvent() throws Exception {
    // The layer trickles out so the pull is surely mid-download when the signal comes.
    server.setDispatcher(dispatcher(r -> {
      MockResponse ok = serveImage(r);
      if (r.getUrl().encodedPath().contains("/blobs/" + IMAGE.layerDigests.get(0))) {
        return ok.newBuilder().throttleBody(16, 1, TimeUnit.SECONDS).build();
      }
      return ok;
    }));
    for (String[] signal : new String[][] {{"TERM", "143"}, {"INT", "130"}}) {
      Path out = dir.resolve("out-" + signal[0]);
      Path err = dir.resolve("err-" + signal[0]);
      Process p = new ProcessBuilder(Launcher.path().toString(), "--store", dir.resolve("s-" + signal[0]).toString(),
          "pull", "--plain-http", "--progress", "json", ref())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      waitFor(() -> Files.readString(out).contains("\"downloading\""), "the layer download to start");
      new ProcessBuilder("kill", "-" + signal[0], Long.toString(p.pid())).start().waitFor();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "jpull stops on SIG" + signal[0]);
      assertEquals(Integer.parseInt(signal[1]), p.exitValue(), Files.readString(err));
      List<JsonNode> events = parseEveryLine(Files.readString(out));
      assertEquals("error", events.get(events.size() - 1).get("type").asText());
      assertEquals(1, events.stream().filter(e -> e.get("type").asText().matches("done|error")).count());
      assertOneErrorLine(new Launcher.Result(p.exitValue(), "", Files.readString(err)));
    }
  }

  private Launcher.Result pull(String... mode) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("--store", dir.resolve("s").toString(), "pull", "--plain-http",
        "--rootfs", dir.resolve("rootfs").toString()));
    args.addAll(List.of(mode));
    args.add(ref());
    return Launcher.run(dir, args.toArray(String[]::new));
  }

  private void serve(Scenario s) {
    server.setDispatcher(dispatcher(s.answer));
  }

  private String host() {
    return server.getHostName() + ":" + server.getPort();
  }

  private String ref() {
    return host() + "/matrix/image:1";
  }

  private static MockResponse serveImage(RecordedRequest r) {
    String path = r.getUrl().encodedPath();
    if (path.equals("/v2/")) {
      return new MockResponse.Builder().code(200).build();
    }
    if (path.startsWith("/v2/matrix/image/manifests/")) {
      MockResponse.Builder b = new MockResponse.Builder().code(200).addHeader("Content-Type", IMAGE.manifestType)
          .addHeader("Docker-Content-Digest", IMAGE.manifestDigest.toString());
      return b.body(new Buffer().write(IMAGE.manifest)).build();
    }
    if (path.startsWith("/v2/matrix/image/blobs/")) {
      byte[] blob = IMAGE.blobs.get(Digest.parse(path.substring(path.lastIndexOf('/') + 1)));
      if (blob != null) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/octet-stream")
            .body(new Buffer().write(blob)).build();
      }
    }
    return json(404, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"unknown\"}]}");
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
  }

  private static Dispatcher dispatcher(Function<RecordedRequest, MockResponse> f) {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        MockResponse answer = f.apply(request);
        // A HEAD answer keeps the headers (Content-Length included) but sends no body, as a real server does.
        return request.getMethod().equals("HEAD")
            ? new MockResponse.Builder().code(answer.getCode()).headers(answer.getHeaders()).build()
            : answer;
      }
    };
  }

  private static List<JsonNode> parseEveryLine(String stdout) throws IOException {
    List<JsonNode> events = new ArrayList<>();
    for (String line : stdout.lines().toList()) {
      events.add(Json.MAPPER.readTree(line)); // throws if any stdout line is not JSON
    }
    assertFalse(events.isEmpty(), "no events on stdout");
    return events;
  }

  private static void assertOneErrorLine(Launcher.Result r) {
    List<String> lines = r.stderr().lines().filter(l -> l.startsWith("jpull: error: ")).toList();
    assertEquals(1, lines.size(), r.stderr());
    assertFalse(r.stderr().contains("\tat "), "no stack trace without --debug: " + r.stderr());
  }

  private interface Check {
    boolean ok() throws IOException;
  }

  private static void waitFor(Check c, String what) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!c.ok()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }
}
