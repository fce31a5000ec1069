package dev.jpull.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Json;
import dev.jpull.progress.ProgressEvent.BlobStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RenderersTest {
  static final String D = "sha256:" + "ab".repeat(32);

  static String drive(Function<PrintStream, ProgressListener> make) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
    ProgressListener l = make.apply(ps);
    l.on(new ProgressEvent.Resolved("r.test/a:1", D, "application/vnd.oci.image.manifest.v1+json", 10, "r.test"));
    l.on(new ProgressEvent.Blob(D, "l", BlobStatus.WAITING, 0, 100, null));
    for (int i = 0; i <= 100; i += 10) {
      l.on(new ProgressEvent.Blob(D, "l", BlobStatus.DOWNLOADING, i, 100, "r.test"));
    }
    l.on(new ProgressEvent.Warning("bad \u001b[31m thing"));
    l.on(new ProgressEvent.Blob(D, "l", BlobStatus.DONE, 100, 100, null));
    l.on(new ProgressEvent.Unpack(D, 0, ProgressEvent.UnpackStatus.DONE));
    l.on(new ProgressEvent.Done("r.test/a:1", D, D, D, "linux/amd64", D, 110, 100, "/x", false));
    l.on(new ProgressEvent.Warning("after the end"));
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void jsonHasOneTerminalEventLastAndASchemaInEveryLine() throws Exception {
    List<String> lines = drive(JsonRenderer::new).lines().toList();
    for (String l : lines) {
      JsonNode n = Json.MAPPER.readTree(l);
      assertEquals(JsonRenderer.SCHEMA, n.get("schema").asInt());
      assertTrue(n.get("type").isTextual());
    }
    assertEquals("done", Json.MAPPER.readTree(lines.get(lines.size() - 1)).get("type").asText());
    assertEquals(1, lines.stream().filter(l -> l.contains("\"type\":\"done\"")).count());
    assertFalse(String.join("\n", lines).contains("after the end"));
    assertTrue(lines.stream().anyMatch(l -> l.contains("\"current\":100") && l.contains("downloading")),
        "the last progress of a blob is always written");
  }

  @Test
  void plainHasDockerWordingAndNoEscapes() {
    String out = drive(PlainRenderer::new);
    assertFalse(out.contains("\u001b"), out);
    assertTrue(out.contains("1: Pulling from r.test/a") && out.contains("abababababab: Pull complete")
        && out.contains("Status: Downloaded newer image for r.test/a:1"), out);
  }

  @Test
  void ttyFitsTheWidthAndRestoresTheCursor() {
    String out = drive(ps -> new TtyRenderer(ps, 40));
    assertTrue(out.contains(TtyRenderer.HIDE_CURSOR) && out.endsWith(TtyRenderer.SHOW_CURSOR), out);
    for (String line : out.replaceAll("\u001b\\[[0-9;?]*[A-Za-z]", "").split("\n")) {
      assertTrue(line.length() <= 40 || line.startsWith("Digest: ") || line.startsWith("Status: "), "too wide: " + line);
    }
    assertFalse(out.contains("\u001b[31m"), "hostile escape sequences are neutralised; no colours are used");
    assertTrue(out.contains("Pull complete") && out.contains("Status: Downloaded newer image"), out);
  }
}
