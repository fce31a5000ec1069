package dev.jpull.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Checks events against {@code docs/progress-events.schema.json}. Implements exactly the keywords that
 * schema uses ({@code oneOf}, {@code type}, {@code required}, {@code properties}, {@code const},
 * {@code enum}) and refuses a schema using any other, so a check can never pass by ignoring a rule.
 */
public final class EventSchema {
  private static final Set<String> KNOWN = Set.of("additionalProperties", "$schema", "$id", "title", "description", "oneOf", "type",
      "required", "properties", "const", "enum");
  private final JsonNode schema;

  private EventSchema(JsonNode schema) {
    this.schema = schema;
    checkKeywords(schema);
  }

  public static EventSchema load() throws IOException {
    Path p = Path.of(System.getProperty("jpull.basedir", ".")).resolve("docs/progress-events.schema.json");
    return new EventSchema(Json.MAPPER.readTree(p.toFile()));
  }

  /** Returns why {@code event} fails the schema, or an empty list. */
  public List<String> problems(JsonNode event) {
    List<String> why = new ArrayList<>();
    int matches = 0;
    for (JsonNode alt : schema.get("oneOf")) {
      List<String> p = new ArrayList<>();
      check(alt, event, "", p);
      if (p.isEmpty()) {
        matches++;
      } else if (alt.path("properties").path("type").path("const").asText().equals(event.path("type").asText())) {
        why.addAll(p);
      }
    }
    if (matches != 1 && why.isEmpty()) {
      why.add("matches " + matches + " event kinds (want exactly 1): " + event);
    }
    return why;
  }

  private static void check(JsonNode s, JsonNode v, String at, List<String> out) {
    if (s.has("const") && !s.get("const").equals(v)) {
      out.add(at + ": want " + s.get("const") + ", got " + v);
    }
    if (s.has("enum")) {
      boolean any = false;
      for (JsonNode e : s.get("enum")) {
        any |= e.equals(v);
      }
      if (!any) {
        out.add(at + ": " + v + " not in " + s.get("enum"));
      }
    }
    if (s.has("type")) {
      List<String> types = new ArrayList<>();
      if (s.get("type").isArray()) {
        s.get("type").forEach(t -> types.add(t.asText()));
      } else {
        types.add(s.get("type").asText());
      }
      if (types.stream().noneMatch(t -> is(t, v))) {
        out.add(at + ": " + v + " is not " + types);
      }
    }
    if (s.has("required")) {
      for (JsonNode r : s.get("required")) {
        if (!v.has(r.asText())) {
          out.add(at + ": missing " + r.asText());
        }
      }
    }
    if (s.has("additionalProperties") && v.isObject()) {
      JsonNode each = s.get("additionalProperties");
      for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!s.path("properties").has(name)) {
          check(each, v.get(name), at + "/" + name, out);
        }
      }
    }
    if (s.has("properties") && v.isObject()) {
      for (Iterator<String> it = s.get("properties").fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (v.has(name)) {
          check(s.get("properties").get(name), v.get(name), at + "/" + name, out);
        }
      }
    }
  }

  private static boolean is(String type, JsonNode v) {
    return switch (type) {
      case "object" -> v.isObject();
      case "string" -> v.isTextual();
      case "integer" -> v.isIntegralNumber();
      case "boolean" -> v.isBoolean();
      case "null" -> v.isNull();
      default -> throw new IllegalStateException("schema type not understood here: " + type);
    };
  }

  private static void checkKeywords(JsonNode s) {
    for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!KNOWN.contains(k)) {
        throw new IllegalStateException("schema keyword not understood by this checker: " + k);
      }
    }
    s.path("oneOf").forEach(EventSchema::checkKeywords);
    s.path("properties").forEach(EventSchema::checkKeywords);
  }
}
