package dev.jpull.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Checks a {@code --progress json} stdout against the contract: NDJSON, each with a type, one terminal event, last. */
public final class PullEvents {
  private PullEvents() {}

  /** Every stdout line parsed; fails on a line that is not a JSON object with a string {@code type}. */
  public static List<JsonNode> parse(String stdout) {
    List<JsonNode> events = new ArrayList<>();
    for (String line : stdout.lines().toList()) {
      JsonNode n;
      try {
        n = Json.MAPPER.readTree(line);
      } catch (IOException e) {
        throw new AssertionError("stdout line is not JSON: " + line, e);
      }
      assertTrue(n != null && n.isObject() && n.path("type").isTextual(), "not an event: " + line);
      events.add(n);
    }
    assertTrue(!events.isEmpty(), "no events on stdout");
    return events;
  }

  /** The one terminal event, which must be last and of {@code type} ({@code done} or {@code error}). */
  public static JsonNode terminal(List<JsonNode> events, String type) {
    long terminals = events.stream()
        .filter(e -> e.get("type").asText().equals("done") || e.get("type").asText().equals("error")).count();
    assertEquals(1, terminals, "exactly one terminal event: " + events);
    JsonNode last = events.get(events.size() - 1);
    assertEquals(type, last.get("type").asText(), "the terminal event is last: " + events);
    return last;
  }
}
