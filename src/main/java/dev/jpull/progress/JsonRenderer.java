package dev.jpull.progress;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.oci.Json;
import dev.jpull.progress.ProgressEvent.Blob;
import dev.jpull.progress.ProgressEvent.BlobStatus;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;

/**
 * The contract's NDJSON event stream ({@code docs/progress-events.md}): one object per line with
 * {@code type} and {@code schema}; downloading events at most ~10 per second per blob, every state change
 * always; exactly one terminal {@code done} or {@code error}, after which nothing is written.
 */
public final class JsonRenderer implements ProgressListener {
  /** 2: blob events carry {@code mirror} and {@code resumed}, {@code done} carries {@code sources}. */
  public static final int SCHEMA = 2;
  private static final long MIN_NANOS = 100_000_000L;

  private final PrintStream out;
  private final Map<String, Long> lastEmit = new HashMap<>();
  private final Map<String, BlobStatus> lastStatus = new HashMap<>();
  private boolean terminated;

  public JsonRenderer(PrintStream out) {
    this.out = out;
  }

  /**
   * One event as a line; text from the registry (messages, hosts, media types) has its C1 and format
   * controls escaped too, which Jackson alone leaves raw.
   */
  private static String line(ObjectNode n) {
    try {
      return Json.terminalWriter().writeValueAsString(n);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("an ObjectNode always serialises", e);
    }
  }

  @Override
  public synchronized void on(ProgressEvent event) {
    if (terminated) {
      return;
    }
    ObjectNode n = Json.MAPPER.createObjectNode();
    if (event instanceof ProgressEvent.Resolved r) {
      n.put("type", "resolved").put("ref", r.ref()).put("digest", r.digest()).put("mediaType", r.mediaType())
          .put("size", r.size()).put("host", r.host());
    } else if (event instanceof Blob b) {
      long now = System.nanoTime();
      boolean changed = lastStatus.put(b.digest(), b.status()) != b.status();
      Long last = lastEmit.get(b.digest());
      if (!changed && last != null && now - last < MIN_NANOS && b.current() != b.total()) {
        return;
      }
      lastEmit.put(b.digest(), now);
      n.put("type", "blob").put("digest", b.digest()).put("mediaType", b.mediaType()).put("status", b.status().wire())
          .put("current", b.current()).put("total", b.total());
      // host is null until a host serves the blob (waiting) and for blobs the store already holds (exists).
      n.put("host", b.host()).put("mirror", b.mirror()).put("resumed", b.resumed());
    } else if (event instanceof ProgressEvent.Unpack u) {
      n.put("type", "unpack").put("digest", u.digest()).put("index", u.index()).put("status", u.status().wire());
    } else if (event instanceof ProgressEvent.Warning w) {
      n.put("type", "warning").put("message", w.message());
    } else if (event instanceof ProgressEvent.Retry r) {
      n.put("type", "retry").put("digest", r.digest()).put("host", r.host()).put("reason", r.reason())
          .put("attempt", r.attempt()).put("waitMillis", r.waitMillis());
    } else if (event instanceof ProgressEvent.Done d) {
      terminated = true;
      n.put("type", "done").put("ref", d.ref()).put("digest", d.digest()).put("manifestDigest", d.manifestDigest())
          .put("configDigest", d.configDigest()).put("platform", d.platform()).put("chainId", d.chainId())
          .put("size", d.size()).put("downloaded", d.downloaded()).put("rootfs", d.rootfs())
          .put("upToDate", d.upToDate());
      ObjectNode sources = n.putObject("sources");
      d.sources().forEach(sources::put);
    } else if (event instanceof ProgressEvent.Failed f) {
      terminated = true;
      n.put("type", "error").put("code", f.code()).put("kind", f.kind()).put("message", f.message());
    }
    n.put("schema", SCHEMA);
    out.println(line(n));
    out.flush();
  }
}
