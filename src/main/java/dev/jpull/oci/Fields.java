package dev.jpull.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.Quoted;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One JSON object of a tree the strict mapper parsed, read field by field into jpull's types, each failure
 * naming its field ({@code layers[2].size}). The one way JSON becomes a typed value: descriptors, indexes,
 * manifests, configs and ingest metadata are all bound here. Jackson's bean binding did the same by
 * reflection and annotation introspection, which built its deserialisers anew in every process, a sixth of
 * an up-to-date pull (issue 15).
 *
 * <p>Scalars are read as Go's encoding/json reads them, stricter where issue 13 asks: a string field takes a
 * string only, an integer field an integer literal only ({@code 1.5}, {@code 1e3}, {@code "123"} are
 * errors); an absent field or {@code null} is the zero value, except where a field is required. Unknown
 * fields are ignored, as Go and every peer ignore them.
 */
public final class Fields {
  private final JsonNode node;
  private final String path;

  private Fields(JsonNode node, String path) {
    this.node = node;
    this.path = path;
  }

  /** The fields of a document's top-level object. */
  public static Fields of(JsonNode root) throws FieldException {
    if (root == null || !root.isObject()) {
      throw new FieldException("", "is " + describe(root) + ", not a JSON object");
    }
    return new Fields(root, "");
  }

  /** Reads one typed value from the fields of an object. */
  @FunctionalInterface
  public interface Reader<T> {
    T read(Fields fields) throws FieldException;
  }

  public boolean has(String name) {
    JsonNode v = node.get(name);
    return v != null && !v.isNull();
  }

  /** A string field; null when absent or null. */
  public String string(String name) throws FieldException {
    JsonNode v = value(name);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw wrong(name, v, "a string");
    }
    return v.textValue();
  }

  /** An integer field in int range; 0 when absent or null. */
  public int integer(String name) throws FieldException {
    JsonNode v = value(name);
    if (v == null) {
      return 0;
    }
    if (!v.isIntegralNumber()) {
      throw wrong(name, v, "an integer");
    }
    if (!v.canConvertToInt()) {
      throw new FieldException(at(name), v.asText() + " is out of range");
    }
    return v.intValue();
  }

  /** A required size: an integer from 0 to {@link Long#MAX_VALUE}; absent or null is an error, not 0. */
  public long size(String name) throws FieldException {
    JsonNode v = node.get(name);
    if (v == null) {
      throw new FieldException(at(name), "is missing");
    }
    if (!v.isIntegralNumber()) {
      throw wrong(name, v, "an integer");
    }
    if (!v.canConvertToLong() || v.longValue() < 0) {
      throw new FieldException(at(name), v.asText() + " is out of range (0 to " + Long.MAX_VALUE + ")");
    }
    return v.longValue();
  }

  /** A digest field; null when absent or null. */
  public Digest digest(String name) throws FieldException {
    String s = string(name);
    try {
      return s == null ? null : Digest.parse(s);
    } catch (IllegalArgumentException e) {
      throw new FieldException(at(name), e.getMessage(), true);
    }
  }

  /** A nested object; null when absent or null. */
  public <T> T object(String name, Reader<T> reader) throws FieldException {
    JsonNode v = value(name);
    if (v == null) {
      return null;
    }
    if (!v.isObject()) {
      throw wrong(name, v, "an object");
    }
    return reader.read(new Fields(v, at(name)));
  }

  /** An array of objects, at most {@code max} of them; empty when absent or null. */
  public <T> List<T> objects(String name, int max, Reader<T> reader) throws FieldException {
    JsonNode a = array(name, max);
    if (a == null) {
      return List.of();
    }
    List<T> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      JsonNode e = a.get(i);
      String at = at(name) + "[" + i + "]";
      if (!e.isObject()) {
        throw new FieldException(at, "is " + describe(e) + ", not an object");
      }
      out.add(reader.read(new Fields(e, at)));
    }
    return Collections.unmodifiableList(out);
  }

  /** An array of strings, at most {@code max} of them; empty when absent or null. */
  public List<String> strings(String name, int max) throws FieldException {
    JsonNode a = array(name, max);
    if (a == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      JsonNode e = a.get(i);
      if (!e.isTextual()) {
        throw new FieldException(at(name) + "[" + i + "]", "is " + describe(e) + ", not a string");
      }
      out.add(e.textValue());
    }
    return Collections.unmodifiableList(out);
  }

  /** An array of digests, at most {@code max} of them; empty when absent or null. */
  public List<Digest> digests(String name, int max) throws FieldException {
    List<String> s = strings(name, max);
    List<Digest> out = new ArrayList<>(s.size());
    for (int i = 0; i < s.size(); i++) {
      try {
        out.add(Digest.parse(s.get(i)));
      } catch (IllegalArgumentException e) {
        throw new FieldException(at(name) + "[" + i + "]", e.getMessage(), true);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** An object of string values (annotations, labels), in document order; empty when absent or null. */
  public Map<String, String> stringMap(String name) throws FieldException {
    JsonNode v = value(name);
    if (v == null) {
      return Map.of();
    }
    if (!v.isObject()) {
      throw wrong(name, v, "an object");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      if (!e.getValue().isTextual()) {
        throw new FieldException(at(name) + "." + e.getKey(), "is " + describe(e.getValue()) + ", not a string");
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return Collections.unmodifiableMap(out);
  }

  /** The keys of an object field (a set in Go's JSON idiom, e.g. {@code ExposedPorts}); empty when absent. */
  public List<String> keys(String name) throws FieldException {
    JsonNode v = value(name);
    if (v == null) {
      return List.of();
    }
    if (!v.isObject()) {
      throw wrong(name, v, "an object");
    }
    List<String> out = new ArrayList<>(v.size());
    v.fieldNames().forEachRemaining(out::add);
    return Collections.unmodifiableList(out);
  }

  private JsonNode array(String name, int max) throws FieldException {
    JsonNode v = value(name);
    if (v == null) {
      return null;
    }
    if (!v.isArray()) {
      throw wrong(name, v, "an array");
    }
    if (v.size() > max) {
      throw new FieldException(at(name), "lists " + v.size() + " entries; at most " + max + " are accepted");
    }
    return v;
  }

  private JsonNode value(String name) {
    JsonNode v = node.get(name);
    return v == null || v.isNull() ? null : v;
  }

  String at(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private FieldException wrong(String name, JsonNode v, String want) {
    return new FieldException(at(name), "is " + describe(v) + ", not " + want);
  }

  /** A JSON value as a message names it: short, and quoted when it is a string. */
  static String describe(JsonNode n) {
    if (n == null || n.isNull()) {
      return "null";
    }
    if (n.isTextual()) {
      String s = n.asText();
      return "the string " + Quoted.of(s.length() > 80 ? s.substring(0, 80) + "…" : s);
    }
    if (n.isNumber()) {
      String s = n.asText();
      s = s.length() > 40 ? s.substring(0, 40) + "…" : s;
      return n.isFloatingPointNumber() ? "a number with a fraction or an exponent (" + s + ")" : s;
    }
    return n.isArray() ? "an array" : n.isObject() ? "an object"
        : "a " + n.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  // Writing: the same types back to JSON, with the fields in the order the specs list them.

  /** A new object node of the one mapper. */
  public static ObjectNode object() {
    return Json.MAPPER.createObjectNode();
  }

  /** Strings as a JSON array. */
  public static ArrayNode array(List<String> values) {
    ArrayNode a = Json.MAPPER.createArrayNode();
    values.forEach(a::add);
    return a;
  }

  /** String values as a JSON object, keys sorted so the same map is always the same bytes. */
  public static ObjectNode sorted(Map<String, String> values) {
    ObjectNode o = object();
    new TreeMap<>(values).forEach(o::put);
    return o;
  }
}
