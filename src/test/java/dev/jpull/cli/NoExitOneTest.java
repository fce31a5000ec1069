package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 13, "no exit 1 from any input": the malformed inputs of the issue, served by a registry, through the
 * top level of {@code pull}, {@code inspect}, {@code inspect --config}, {@code export} (which pulls) and then
 * {@code unpack} (which reads what the pull stored). Each command exits with the contract's code for the
 * input, in one error line — never 1 (a bug) and never 9 (reserved for the local machine), and no stack
 * trace. The parsers alone are covered the same way by the property tests.
 */
class NoExitOneTest {
  @StartStop
  final MockWebServer server = new MockWebServer();

  @TempDir
  Path dir;

  private static final byte[] LAYER_BLOB = HostileRegistry.IMAGE.blobs.get(HostileRegistry.IMAGE.layerDigests.get(0));
  private static final String LAYER_SIZE = "\"size\":" + LAYER_BLOB.length + "}";
  private static final String CONFIG_SIZE = "\"size\":" + HostileRegistry.IMAGE.blobs.get(HostileRegistry.IMAGE.configDigest).length + "}";

  private static Consumer<HostileRegistry> rewrite(String from, String to) {
    return r -> {
      String m = HostileRegistry.manifestText();
      if (!m.contains(from)) {
        throw new IllegalStateException("fixture manifest has no " + from + ": " + m);
      }
      r.manifest(m.replace(from, to));
    };
  }

  private static Consumer<HostileRegistry> manifest(String body, String type) {
    return r -> r.manifest(body, type);
  }

  private static Consumer<HostileRegistry> config(String json) {
    return config(json.getBytes(StandardCharsets.UTF_8));
  }

  private static Consumer<HostileRegistry> config(byte[] config) {
    return r -> {
      Digest cd = Digest.sha256(config);
      r.blobs.put(cd, config);
      r.manifest(HostileRegistry.manifestText().replace(HostileRegistry.IMAGE.configDigest.toString(), cd.toString())
          .replace(CONFIG_SIZE, "\"size\":" + config.length + "}"));
    };
  }

  /** Serves {@code blob} as the layer, its descriptor's digest and size matching (only the content is bad). */
  private static Consumer<HostileRegistry> layer(byte[] blob) {
    return r -> {
      Digest d = Digest.sha256(blob);
      r.blobs.put(d, blob);
      r.manifest(HostileRegistry.manifestText().replace(HostileRegistry.IMAGE.layerDigests.get(0).toString(), d.toString())
          .replace(LAYER_SIZE, "\"size\":" + blob.length + "}"));
    };
  }

  private static Consumer<HostileRegistry> answer(java.util.function.Function<RecordedRequest, MockResponse> f) {
    return r -> r.override(q -> q.getUrl().encodedPath().equals("/v2/") || q.getUrl().encodedPath().equals("/token")
        ? tokenOrPing(q) : f.apply(q));
  }

  private static MockResponse tokenOrPing(RecordedRequest q) {
    return q.getUrl().encodedPath().equals("/v2/") ? new MockResponse.Builder().code(200).build() : null;
  }

  /** A registry that asks for a Bearer token at its own /token, which answers {@code body}. */
  private static Consumer<HostileRegistry> token(String body) {
    return r -> r.override(q -> {
      String path = q.getUrl().encodedPath();
      if (path.equals("/token")) {
        return HostileRegistry.json(200, body);
      }
      if (path.startsWith("/v2/")) {
        String realm = "http://" + q.getUrl().host() + ":" + q.getUrl().port() + "/token";
        return new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Bearer realm=\"" + realm
            + "\",service=\"x\"").addHeader("Content-Type", "application/json")
            .body("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"token required\"}]}").build();
      }
      return null;
    });
  }

  private static String manyLayers(int n) {
    String m = HostileRegistry.manifestText();
    int open = m.indexOf("\"layers\":[") + "\"layers\":[".length();
    int close = m.indexOf(']', open);
    return m.substring(0, open) + String.join(",", Collections.nCopies(n, m.substring(open, close))) + m.substring(close);
  }

  /** Exit 8, or 3 until the manifest HEAD fallback types a document from its body (see the cases). */
  private static final int SCHEMA1_BY_BODY = -8;

  /** name, setup, exit of pull (and export), exit of inspect, exit of inspect --config. */
  static Stream<Arguments> inputs() {
    String hostile = "\u001b]0;pwned\u0007\u009b31m";
    String hostileInJson = "\\u001b]0;pwned\\u0007\\u009b31m";
    return Stream.of(
        Arguments.of("sizeWithAFraction", rewrite(LAYER_SIZE, "\"size\":1.5}"), 7, 7, 7),
        Arguments.of("sizeAsAString", rewrite(LAYER_SIZE, "\"size\":\"" + LAYER_BLOB.length + "\"}"), 7, 7, 7),
        Arguments.of("sizeWithAnExponent", rewrite(LAYER_SIZE, "\"size\":1e3}"), 7, 7, 7),
        Arguments.of("sizeMissing", rewrite("," + LAYER_SIZE, "}"), 7, 7, 7),
        Arguments.of("sizeNegative", rewrite(LAYER_SIZE, "\"size\":-1}"), 7, 7, 7),
        Arguments.of("sizeAboveLongMax", rewrite(LAYER_SIZE, "\"size\":92233720368547758070}"), 7, 7, 7),
        Arguments.of("configSizeWithAFraction", rewrite(CONFIG_SIZE, "\"size\":2.5}"), 7, 7, 7),
        Arguments.of("malformedLayerDigest", rewrite(HostileRegistry.IMAGE.layerDigests.get(0).toString(),
            "sha256:../../v2/other/manifests/latest"), 7, 7, 7),
        Arguments.of("uppercaseConfigDigest", rewrite(HostileRegistry.IMAGE.configDigest.toString(),
            HostileRegistry.IMAGE.configDigest.toString().toUpperCase(java.util.Locale.ROOT)), 7, 7, 7),
        Arguments.of("malformedMediaType", rewrite(MediaTypes.OCI_LAYER_GZIP, hostileInJson), 7, 7, 7),
        Arguments.of("rawControlCharacterInAString", rewrite(MediaTypes.OCI_LAYER_GZIP, hostile), 7, 7, 7),
        Arguments.of("manifestAndIndexAtOnce", rewrite("\"layers\":[", "\"manifests\":[],\"layers\":["), 7, 7, 7),
        Arguments.of("tooManyLayers", manifest(manyLayers(300), MediaTypes.OCI_MANIFEST), 7, 7, 7),
        Arguments.of("manifestNotJson", manifest("<html>" + hostile, MediaTypes.OCI_MANIFEST), 7, 7, 7),
        Arguments.of("manifestJsonNull", manifest("null", MediaTypes.OCI_MANIFEST), 7, 7, 7),
        Arguments.of("manifestDeeplyNested", manifest("{\"schemaVersion\":2,\"x\":" + "[".repeat(5000) + "]".repeat(5000)
            + "}", MediaTypes.OCI_MANIFEST), 7, 7, 7),
        Arguments.of("manifestNotUtf8", (Consumer<HostileRegistry>) r -> r.manifest(new String(HostileRegistry.IMAGE.manifest, StandardCharsets.UTF_8)
            .replace("\"schemaVersion\"", "\"schema\u00ffVersion\""), MediaTypes.OCI_MANIFEST), 7, 7, 7),
        Arguments.of("indexEntryWithAFractionalSize", manifest("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX
            + "\",\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\""
            + HostileRegistry.IMAGE.manifestDigest + "\",\"size\":1.5,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}",
            MediaTypes.OCI_INDEX), 7, 7, 7),
        Arguments.of("hostilePlatformStrings", manifest("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX
            + "\",\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\""
            + HostileRegistry.IMAGE.manifestDigest + "\",\"size\":" + HostileRegistry.IMAGE.manifest.length
            + ",\"platform\":{\"os\":\"../../x\",\"architecture\":\"" + hostileInJson + "\"}}]}", MediaTypes.OCI_INDEX), 3, 0, 3),
        Arguments.of("configWithANumberForAString", config("{\"architecture\":5,\"os\":\"linux\",\"rootfs\":{\"type\":"
            + "\"layers\",\"diff_ids\":[\"" + Digest.sha256(new byte[0]) + "\"]}}"), 7, 7, 0),
        Arguments.of("configWithAListForAnObject", config("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":[1]}"), 7, 7, 0),
        Arguments.of("configNotJson", config("not json " + hostile), 7, 7, 0),
        Arguments.of("configJsonNull", config("null"), 7, 7, 0),
        Arguments.of("configNotUtf8", config(new byte[] {'{', (byte) 0xff, '}'}), 7, 7, 0),
        Arguments.of("configWithTooFewDiffIds", config("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
            + "\"layers\",\"diff_ids\":[]}}"), 7, 0, 0),
        Arguments.of("configWithAMalformedDiffId", config("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
            + "\"layers\",\"diff_ids\":[\"sha256:zz\"]}}"), 7, 7, 0),
        Arguments.of("errorMessageWithControls", answer(q -> HostileRegistry.json(404,
            "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"" + "\\u001b]0;pwned\\u0007\\u009b" + "\"}]}")), 3, 3, 3),
        Arguments.of("errorBodyNotJson", answer(q -> new MockResponse.Builder().code(500).body("<html>").build()), 6, 6, 6),
        Arguments.of("garbageChallenge", answer(q -> new MockResponse.Builder().code(401)
            .addHeader("WWW-Authenticate", "Bearer realm=,,,=\"\\").build()), 4, 4, 4),
        Arguments.of("challengeWithoutRealm", answer(q -> new MockResponse.Builder().code(401)
            .addHeader("WWW-Authenticate", "Bearer service=\"x\"").build()), 4, 4, 4),
        Arguments.of("tokenAnswerEmpty", token("{\"token\":\"\"}"), 4, 4, 4),
        Arguments.of("tokenAnswerNoToken", token("{}"), 4, 4, 4),
        Arguments.of("tokenAnswerNotJson", token("<html>" + hostile), 4, 4, 4),
        Arguments.of("tokenAnswerWithAFractionalLifetime", token("{\"token\":\"t\",\"expires_in\":1.5}"), 4, 4, 4),
        Arguments.of("schema1", manifest("{\"schemaVersion\":1,\"fsLayers\":[]}", MediaTypes.DOCKER_SCHEMA1_SIGNED), 8, 8, 8),
        // Served without a manifest Content-Type, pull and export fetch the document as a blob (404, exit 3):
        // issue 13's "HEAD without a manifest Content-Type", registry-policy's half. With that fix, 8 only.
        Arguments.of("schema1ByBody", manifest("{\"schemaVersion\":1,\"fsLayers\":[]}", "application/json"),
            SCHEMA1_BY_BODY, 8, 8),
        Arguments.of("unknownDocumentType", manifest("{\"schemaVersion\":2,\"mediaType\":\"application/x-thing\"}",
            "application/x-thing"), SCHEMA1_BY_BODY, 8, 8),
        // inspect describes what the registry holds, artifacts included (as skopeo inspect does); pull refuses it.
        Arguments.of("nonImageArtifact", rewrite(MediaTypes.OCI_CONFIG, "application/vnd.example.thing.v1+json"), 8, 0, 0),
        Arguments.of("unknownLayerMediaType", rewrite(MediaTypes.OCI_LAYER_GZIP, "application/vnd.example.layer"), 8, 0, 0),
        Arguments.of("layerNotGzip", layer("plain text, not gzip".getBytes(StandardCharsets.UTF_8)), 7, 0, 0),
        Arguments.of("layerGzipOfNotATar", layer(dev.jpull.testing.TarBuilder.gzip(new byte[] {1, 2, 3, 4, 5})), 7, 0, 0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("inputs")
  void everyCommandExitsWithTheContractsCode(String name, Consumer<HostileRegistry> setup, int pull, int inspect,
      int inspectConfig) throws Exception {
    HostileRegistry registry = new HostileRegistry();
    setup.accept(registry);
    server.setDispatcher(registry.dispatcher());
    String ref = HostileRegistry.ref(server);
    String store = dir.resolve("store").toString();
    String hosts = Files.createDirectories(dir.resolve("hosts")).toString();
    List<String> report = new ArrayList<>();
    check(report, "pull", pull, run("--store", store, "--hosts-dir", hosts, "pull", "--plain-http", "--retries", "0",
        "--progress", "plain", "--rootfs", dir.resolve("rootfs").toString(), ref));
    check(report, "unpack", unpackExits(name, pull), run("--store", store, "--hosts-dir", hosts, "unpack", ref,
        dir.resolve("unpacked").toString()));
    check(report, "inspect", inspect, run("--store", dir.resolve("store2").toString(), "--hosts-dir", hosts, "inspect",
        "--plain-http", "--retries", "0", ref));
    check(report, "inspect --config", inspectConfig, run("--store", dir.resolve("store2").toString(), "--hosts-dir", hosts,
        "inspect", "--config", "--plain-http", "--retries", "0", ref));
    check(report, "export", pull, run("--store", dir.resolve("store3").toString(), "--hosts-dir", hosts, "export",
        "--plain-http", "--retries", "0", "--progress", "quiet", ref, dir.resolve("out.tar").toString()));
    assertTrue(report.isEmpty(), String.join("\n", report));
  }

  static Stream<Arguments> tagLists() {
    return Stream.of(
        Arguments.of("tagsNotJson", tags("<html>\u009b", null), 7),
        Arguments.of("tagsDeeplyNested", tags("{\"tags\":" + "[".repeat(5000) + "]".repeat(5000) + "}", null), 7),
        Arguments.of("tagsJsonNull", tags("null", null), 0),
        Arguments.of("tagsNotAList", tags("{\"tags\":5}", null), 0),
        Arguments.of("tagsThatAreNotStrings", tags("{\"tags\":[1,null,{},\"ok\"]}", null), 0),
        Arguments.of("linkGarbage", tags("{\"tags\":[\"a\"]}", "<<>>;;rel=\"next\"\u0000"), 0),
        Arguments.of("linkToAnotherOrigin", tags("{\"tags\":[\"a\"]}", "<http://elsewhere.test/v2/x/tags/list>; rel=\"next\""), 6),
        Arguments.of("tagsNotFound", answer(q -> HostileRegistry.json(404,
            "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"\\u009b\"}]}")), 3));
  }

  private static Consumer<HostileRegistry> tags(String body, String link) {
    return r -> r.override(q -> {
      if (!q.getUrl().encodedPath().endsWith("/tags/list")) {
        return null;
      }
      okhttp3.Headers.Builder h = new okhttp3.Headers.Builder().add("Content-Type", "application/json");
      if (link != null) {
        h.addUnsafeNonAscii("Link", link);
      }
      // headers() first: it replaces all of them, the Content-Length that body() sets included.
      return new MockResponse.Builder().code(200).headers(h.build()).body(new Buffer().writeUtf8(body)).build();
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tagLists")
  void tagsExitsWithTheContractsCode(String name, Consumer<HostileRegistry> setup, int want) throws Exception {
    HostileRegistry registry = new HostileRegistry();
    setup.accept(registry);
    server.setDispatcher(registry.dispatcher());
    List<String> report = new ArrayList<>();
    check(report, "tags", want, run("--store", dir.resolve("store").toString(), "--hosts-dir",
        Files.createDirectories(dir.resolve("hosts")).toString(), "tags", "--plain-http", "--retries", "0",
        HostileRegistry.host(server) + "/" + HostileRegistry.REPO));
    assertTrue(report.isEmpty(), String.join("\n", report));
  }

  /**
   * unpack reads what the pull stored: nothing (3) when the pull failed before recording the reference. A
   * layer that fails to apply fails the pull as the reference is being recorded (the unpack overlaps the
   * downloads), so the store may or may not hold it: 3, or the same failure again.
   */
  private static java.util.Set<Integer> unpackExits(String name, int pull) {
    if (name.startsWith("layer") || name.equals("unknownLayerMediaType")) {
      return java.util.Set.of(3, pull);
    }
    return java.util.Set.of(pull == 0 ? 0 : 3);
  }

  private static InProcess.Result run(String... args) {
    return InProcess.run(args);
  }

  private static void check(List<String> report, String command, int want, InProcess.Result r) {
    check(report, command, want == SCHEMA1_BY_BODY ? java.util.Set.of(3, 8) : java.util.Set.of(want), r);
  }

  private static void check(List<String> report, String command, java.util.Set<Integer> want, InProcess.Result r) {
    String problem = null;
    if (r.exit() == 1 || r.exit() == 9) {
      problem = "exit " + r.exit() + " is never the answer to a registry's input";
    } else if (!want.contains(r.exit())) {
      problem = "exit " + r.exit() + ", want " + want;
    } else if (r.stderr().contains("\tat ")) {
      problem = "a stack trace without --debug";
    } else if (r.exit() != 0 && r.stderr().lines().filter(l -> l.startsWith("jpull: error: ")).count() != 1) {
      problem = "not exactly one error line";
    } else if (r.stderr().contains("\u009b") || r.stderr().contains("\u0007")
        // inspect --config prints the config's bytes exactly as served: data on stdout, like --raw.
        || (!command.equals("inspect --config") && r.stdout().contains("\u009b"))) {
      problem = "a raw control character from the registry";
    }
    if (problem != null) {
      report.add(command + ": " + problem + "\n" + r);
    }
  }
}
