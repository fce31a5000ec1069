package dev.jpull.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.oci.Json;
import java.io.PrintWriter;

/** Writes a lone terminal {@code error} event, for failures before a renderer exists (usage errors). */
final class JsonErrors {
  private JsonErrors() {}

  static void print(PrintWriter out, int code, String kind, String message) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("type", "error").put("schema", 1).put("code", code).put("kind", kind).put("message", message);
    out.println(n.toString());
    out.flush();
  }
}
