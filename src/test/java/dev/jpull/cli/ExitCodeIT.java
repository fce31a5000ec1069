package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.Launcher.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's exit codes and stream separation against a scripted registry. */
class ExitCodeIT {
  @StartStop
  final MockWebServer server = new MockWebServer();

  @TempDir
  Path dir;

  private String ref(String rest) {
    return server.getHostName() + ":" + server.getPort() + "/" + rest;
  }

  @Test
  void manifestBytesNotMatchingTheDigestExit7() throws Exception {
    String wanted = "sha256:" + "a".repeat(64);
    byte[] body = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}"
        .getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 3; i++) {
      server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", MediaTypes.OCI_MANIFEST)
          .addHeader("Docker-Content-Digest", wanted).body(new okio.Buffer().write(body)).build());
    }
    Result r = Launcher.run(dir, "--store", dir.resolve("s").toString(), "pull", "--plain-http", "--progress", "json",
        ref("a/b@" + wanted));
    assertEquals(7, r.exit(), r.stderr());
    assertOneErrorLine(r);
    List<String> lines = r.stdout().lines().toList();
    for (String l : lines) {
      Json.MAPPER.readTree(l);
    }
    assertEquals("error", Json.MAPPER.readTree(lines.get(lines.size() - 1)).get("type").asText());
    assertEquals(1, lines.stream().filter(l -> l.contains("\"type\":\"error\"") || l.contains("\"type\":\"done\"")).count());
  }

  @Test
  void unknownManifestExits3NamingTheHost() throws Exception {
    String err = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}";
    for (int i = 0; i < 4; i++) {
      server.enqueue(new MockResponse.Builder().code(404).addHeader("Content-Type", "application/json").body(err).build());
    }
    Result r = Launcher.run(dir, "--store", dir.resolve("s").toString(), "pull", "--plain-http", "-q", ref("a/b:1"));
    assertEquals(3, r.exit(), r.stderr());
    assertOneErrorLine(r);
    assertTrue(r.stderr().contains(server.getHostName() + ":" + server.getPort()), r.stderr());
    assertEquals("", r.stdout());
  }

  @Test
  void upperCaseReferenceExits2BeforeAnyRequest() throws Exception {
    Result r = Launcher.run(dir, "--store", dir.resolve("s").toString(), "pull", "--plain-http", ref("Upper/b:1"));
    assertEquals(2, r.exit(), r.stderr());
    assertOneErrorLine(r);
    assertTrue(r.stderr().contains("lowercase"), r.stderr());
    assertEquals(0, server.getRequestCount(), "no request for a bad reference");
  }

  @Test
  void nonEmptyRootfsExits2BeforeAnyRequest() throws Exception {
    java.nio.file.Files.writeString(dir.resolve("x"), "x");
    Result r = Launcher.run(dir, "pull", "--plain-http", "--rootfs", dir.toString(), ref("a/b:1"));
    assertEquals(2, r.exit(), r.stderr());
    assertEquals(0, server.getRequestCount());
  }

  @Test
  void helpAndVersionWorkFromAnyDirectory() throws Exception {
    Result help = Launcher.run(dir, "--help");
    assertEquals(0, help.exit());
    assertTrue(help.stdout().contains("Exit codes:") && help.stdout().contains("pull"), help.stdout());
    Result version = Launcher.run(dir, "--version");
    assertEquals(0, version.exit());
    assertTrue(version.stdout().startsWith("jpull "), version.stdout());
  }

  @Test
  void everyVerbHasHelpWithADescriptionAndExamples() throws Exception {
    for (String verb : List.of("pull", "images", "inspect", "unpack", "export", "rm", "gc", "fsck", "tags", "login", "logout",
        "completion")) {
      Result r = Launcher.run(dir, verb, "--help");
      assertEquals(0, r.exit(), verb + ": " + r.stderr());
      List<String> lines = r.stdout().lines().toList();
      assertTrue(lines.get(0).startsWith("Usage: jpull " + verb), verb + ": " + r.stdout());
      // picocli prints the description unindented after the (indented) usage continuation lines
      assertTrue(lines.stream().skip(1).anyMatch(l -> !l.isBlank() && !l.startsWith(" ")), verb + ": a description");
      assertTrue(r.stdout().contains("Example"), verb + " --help has examples: " + r.stdout());
    }
    Result top = Launcher.run(dir, "--help");
    assertTrue(top.stdout().contains("Exit codes") || top.stdout().contains("exit codes"), top.stdout());
    Result unknown = Launcher.run(dir, "frobnicate");
    assertEquals(2, unknown.exit());
    assertOneErrorLine(unknown);
  }

  private static void assertOneErrorLine(Result r) {
    List<String> err = r.stderr().lines().filter(l -> l.startsWith("jpull: error: ")).toList();
    assertEquals(1, err.size(), r.stderr());
    assertTrue(!r.stderr().contains("\tat "), "no stack trace without --debug: " + r.stderr());
  }
}
