package dev.jpull.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.oci.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, "raw control characters reach the terminal": a registry's text holding an OSC title sequence,
 * BEL and the one-byte CSI U+009B reaches no renderer raw. The plain and tty renderers replaced C0 controls
 * but passed C1 ones on f71ba78; the JSON stream passed U+009B and U+202E (right-to-left override) raw.
 */
class NetworkTextEscapingTest {
  static final String HOSTILE = "title \u001b]0;pwned\u0007 csi \u009b31m rlo \u202egnp.exe";
  static final String D = "sha256:" + "ab".repeat(32);

  private static String drive(Function<PrintStream, ProgressListener> make) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
    ProgressListener l = make.apply(ps);
    l.on(new ProgressEvent.Resolved("r.test/a:1", D, "application/vnd.oci.image.manifest.v1+json", 10, "r.test"));
    l.on(new ProgressEvent.Blob(D, "l", ProgressEvent.BlobStatus.DOWNLOADING, 1, 100, "r.test"));
    l.on(new ProgressEvent.Warning(HOSTILE));
    l.on(new ProgressEvent.Retry(D, "r.test", HOSTILE, 1, 0));
    l.on(new ProgressEvent.Failed(7, "verification", HOSTILE));
    return buf.toString(StandardCharsets.UTF_8);
  }

  private static void assertNoRawControls(String out, boolean tty) {
    assertFalse(out.contains("\u009b"), "raw C1 CSI: " + out);
    assertFalse(out.contains("\u0007"), "raw BEL: " + out);
    assertFalse(out.contains("\u202e"), "raw bidi override: " + out);
    // The tty renderer's own cursor sequences are ESC-led; the hostile OSC must not be among them.
    assertFalse(out.contains("\u001b]"), "raw OSC: " + out);
    if (!tty) {
      assertFalse(out.contains("\u001b"), "raw ESC: " + out);
    }
  }

  @Test
  void plainRendererEscapesC1ControlsInWarnings() {
    String out = drive(PlainRenderer::new);
    assertNoRawControls(out, false);
    assertTrue(out.contains("title \\x1b]0;pwned\\x07 csi \\x9b31m rlo \\u202egnp.exe"), out);
  }

  @Test
  void ttyRendererEscapesC1ControlsInWarnings() {
    String out = drive(ps -> new TtyRenderer(ps, 200));
    assertNoRawControls(out, true);
    assertTrue(out.contains("\\x9b31m"), out);
  }

  @Test
  void jsonRendererEscapesC1ControlsAsUnicodeEscapes() throws Exception {
    String out = drive(JsonRenderer::new);
    assertNoRawControls(out, false);
    String lower = out.toLowerCase(java.util.Locale.ROOT);
    assertTrue(lower.contains("\\u009b31m") && lower.contains("\\u001b]0;pwned\\u0007") && lower.contains("\\u202e"),
        out);
    // Still the same JSON value: a consumer reads back exactly what the registry sent.
    String warning = out.lines().filter(l -> l.contains("\"warning\"")).findFirst().orElseThrow();
    assertEquals(HOSTILE, Json.MAPPER.readTree(warning).get("message").asText());
  }
}
