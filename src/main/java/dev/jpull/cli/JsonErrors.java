package dev.jpull.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.oci.Json;
import java.io.PrintWriter;

/** Writes a lone terminal {@code error} event, for failures before a renderer exists (usage errors). */
final class JsonErrors {
  private JsonErrors() {}

  /**
   * Ends a command's progress output with a failure: through its renderer once there is one, else (a
   * failure before the command got that far) as a lone event on {@code events} when JSON was asked for.
   */
  static void failed(Output output, ProgressMode mode, PrintWriter events, int code, String kind, String message) {
    if (output != null) {
      output.on(new dev.jpull.progress.ProgressEvent.Failed(code, kind, message));
      output.finish();
    } else if (mode == ProgressMode.JSON) {
      print(events, code, kind, message);
    }
  }

  static void print(PrintWriter out, int code, String kind, String message) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("type", "error").put("schema", 1).put("code", code).put("kind", kind).put("message", message);
    try {
      out.println(Json.terminalWriter().writeValueAsString(n));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("an ObjectNode always serialises", e);
    }
    out.flush();
  }
}
