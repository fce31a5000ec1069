package dev.jpull.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.oci.Json;
import dev.jpull.progress.ProgressEvent.BlobStatus;
import dev.jpull.progress.ProgressEvent.UnpackStatus;
import dev.jpull.testing.EventSchema;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every event the JSON renderer writes conforms to the published schema, and the check itself bites. */
class ProgressSchemaTest {
  private static final String D = "sha256:" + "ab".repeat(32);

  @Test
  void everyEventKindConformsToTheSchema() throws Exception {
    EventSchema schema = EventSchema.load();
    List<JsonNode> events = render(
        new ProgressEvent.Resolved("r.example/a:1", D, "application/vnd.oci.image.index.v1+json", 10, "r.example"),
        new ProgressEvent.Blob(D, "application/vnd.oci.image.layer.v1.tar+gzip", BlobStatus.WAITING, 0, 9, null),
        new ProgressEvent.Blob(D, "application/vnd.oci.image.layer.v1.tar+gzip", BlobStatus.DONE, 9, 9, "mirror:5000"),
        new ProgressEvent.Blob(D, "application/vnd.oci.image.layer.v1.tar+gzip", BlobStatus.DOWNLOADING, 4, 9,
            "mirror:5000", true, true),
        new ProgressEvent.Unpack(D, 0, UnpackStatus.STARTED),
        new ProgressEvent.Unpack(D, 0, UnpackStatus.DONE),
        new ProgressEvent.Warning("careful"),
        new ProgressEvent.Retry(D, "r.example", "HTTP 503", 1, 500),
        new ProgressEvent.Retry(null, null, "connection reset", 2, 1000),
        new ProgressEvent.Done("r.example/a:1", D, D, D, "linux/amd64", D, 100, 90, "/tmp/x", false,
            Map.of("mirror:5000", 60L, "r.example", 30L)));
    // One terminal event per stream: the other terminal forms each get a renderer of their own.
    events.addAll(render(new ProgressEvent.Done("r.example/a:1", D, D, D, "linux/amd64", null, 100, 0, null, true)));
    events.addAll(render(new ProgressEvent.Failed(3, "NOT_FOUND", "not found")));
    assertEquals(12, events.size());
    for (JsonNode e : events) {
      assertEquals(List.of(), schema.problems(e), e.toString());
    }
  }

  @Test
  void theCheckRejectsWhatTheSchemaForbids() throws Exception {
    EventSchema schema = EventSchema.load();
    JsonNode done = render(new ProgressEvent.Done("r/a:1", D, D, D, "linux/amd64", D, 1, 1, null, false)).get(0);
    ObjectNode missing = done.deepCopy();
    missing.remove("digest");
    assertFalse(schema.problems(missing).isEmpty());
    ObjectNode badStatus = render(new ProgressEvent.Blob(D, "m", BlobStatus.DONE, 1, 1, null)).get(0).deepCopy();
    badStatus.put("status", "finished");
    assertFalse(schema.problems(badStatus).isEmpty());
    ObjectNode badType = done.deepCopy();
    badType.put("size", "100");
    assertFalse(schema.problems(badType).isEmpty());
    ObjectNode unknown = done.deepCopy();
    unknown.put("type", "party");
    assertFalse(schema.problems(unknown).isEmpty());
    ObjectNode badSources = done.deepCopy();
    badSources.putObject("sources").put("r.example", "lots");
    assertFalse(schema.problems(badSources).isEmpty());
    ObjectNode noMirror = render(new ProgressEvent.Blob(D, "m", BlobStatus.DONE, 1, 1, "h")).get(0).deepCopy();
    noMirror.remove("mirror");
    assertFalse(schema.problems(noMirror).isEmpty());
  }

  private static List<JsonNode> render(ProgressEvent... events) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    JsonRenderer r = new JsonRenderer(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    for (ProgressEvent e : events) {
      r.on(e);
    }
    List<JsonNode> out = new ArrayList<>();
    for (String line : bytes.toString(StandardCharsets.UTF_8).lines().toList()) {
      out.add(Json.MAPPER.readTree(line));
    }
    return out;
  }
}
