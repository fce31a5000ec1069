package dev.jpull.progress;

import dev.jpull.progress.ProgressEvent.Blob;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Live per-blob lines redrawn in place on stderr (at most ten times a second), with sizes, speed and an
 * overall line with throughput and ETA; every line fits the terminal width. No colours are used, so
 * {@code NO_COLOR} holds by construction; the cursor is hidden while drawing and always restored by
 * {@link #finish()}.
 */
public final class TtyRenderer implements ProgressListener {
  static final String HIDE_CURSOR = "\u001b[?25l";
  static final String SHOW_CURSOR = "\u001b[?25h";
  private static final long FRAME_NANOS = 100_000_000L;

  private final PrintStream err;
  private final int width;
  private final long start = System.nanoTime();
  private final Map<String, String[]> lines = new LinkedHashMap<>();
  private final Map<String, long[]> bytes = new LinkedHashMap<>();
  private String header = "";
  private int drawn;
  private long lastFrame;
  private boolean finished;
  private boolean cursorHidden;

  public TtyRenderer(PrintStream err, int width) {
    this.err = err;
    this.width = Math.max(20, width);
  }

  /** The terminal width from {@code $COLUMNS}, else 80. */
  public static int width(Map<String, String> env) {
    try {
      return Integer.parseInt(env.getOrDefault("COLUMNS", "80").trim());
    } catch (NumberFormatException e) {
      return 80;
    }
  }

  @Override
  public synchronized void on(ProgressEvent event) {
    if (finished) {
      return;
    }
    boolean force = false;
    if (event instanceof ProgressEvent.Resolved r) {
      header = "Pulling " + r.ref();
      force = true;
    } else if (event instanceof Blob b) {
      String id = shortId(b.digest());
      String state = switch (b.status()) {
        case WAITING -> "Waiting";
        case DOWNLOADING -> "Downloading";
        case VERIFYING -> "Verifying Checksum";
        case DONE -> "Download complete";
        case EXISTS -> "Already exists";
        case SKIPPED -> "Skipped";
      };
      String[] previous = lines.put(b.digest(), new String[] {id, state});
      bytes.put(b.digest(), new long[] {b.current(), b.total()});
      force = previous == null || !previous[1].equals(state);
    } else if (event instanceof ProgressEvent.Unpack u && u.status() == ProgressEvent.UnpackStatus.DONE) {
      lines.put(u.digest(), new String[] {shortId(u.digest()), "Pull complete"});
      force = true;
    } else if (event instanceof ProgressEvent.Warning w) {
      clear();
      err.println(fit("warning: " + w.message()));
      force = true;
    } else if (event instanceof ProgressEvent.Retry r) {
      clear();
      err.println(fit("retrying in " + (r.waitMillis() + 999) / 1000 + "s: " + r.reason()));
      force = true;
    } else if (event instanceof ProgressEvent.Done d) {
      draw();
      // The summary is never cut: scripts and people copy the digest from it.
      err.println(dev.jpull.Quoted.text("Digest: " + d.digest()));
      err.println(dev.jpull.Quoted.text("Status: " + (d.upToDate() ? "Image is up to date for "
          : "Downloaded newer image for ") + d.ref()));
      finish();
      return;
    } else if (event instanceof ProgressEvent.Failed) {
      draw();
      finish();
      return;
    }
    long now = System.nanoTime();
    if (force || now - lastFrame >= FRAME_NANOS) {
      lastFrame = now;
      draw();
    }
  }

  /** Restores the cursor; idempotent (the interrupt hook may call it too). */
  public synchronized void finish() {
    if (!finished) {
      finished = true;
      if (cursorHidden) {
        err.print(SHOW_CURSOR);
      }
      err.flush();
    }
  }

  private void clear() {
    if (drawn > 0) {
      err.print("\u001b[" + drawn + "A\u001b[J");
      drawn = 0;
    }
  }

  private void draw() {
    if (!cursorHidden) {
      err.print(HIDE_CURSOR);
      cursorHidden = true;
    }
    clear();
    StringBuilder out = new StringBuilder();
    int n = 0;
    if (!header.isEmpty()) {
      out.append("\u001b[2K").append(fit(header)).append('\n');
      n++;
    }
    long done = 0;
    long total = 0;
    for (Map.Entry<String, String[]> e : lines.entrySet()) {
      long[] b = bytes.getOrDefault(e.getKey(), new long[] {0, 0});
      done += b[0];
      total += b[1];
      String state = e.getValue()[1];
      String text = e.getValue()[0] + ": " + state;
      if (state.equals("Downloading") && b[1] > 0) {
        text += " " + bar(b[0], b[1]) + " " + Sizes.human(b[0]) + "/" + Sizes.human(b[1]);
      }
      out.append("\u001b[2K").append(fit(text)).append('\n');
      n++;
    }
    double secs = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
    double rate = done / secs;
    String eta = rate > 0 && total > done ? String.format(Locale.ROOT, ", ETA %ds", (long) ((total - done) / rate)) : "";
    out.append("\u001b[2K").append(fit("Total " + Sizes.human(done) + "/" + Sizes.human(total) + " at " + Sizes.human((long) rate) + "/s" + eta))
        .append('\n');
    n++;
    err.print(out);
    err.flush();
    drawn = n;
  }

  private String bar(long current, long total) {
    int cells = Math.max(0, Math.min(30, width - 60));
    if (cells == 0) {
      return "";
    }
    int full = (int) (cells * Math.min(1.0, (double) current / total));
    return "[" + "=".repeat(full) + (full < cells ? ">" + " ".repeat(cells - full - 1) : "") + "]";
  }

  /** Escaped (registry text may hold C0 or C1 controls), then cut to the width. */
  private String fit(String s) {
    String t = dev.jpull.Quoted.text(s);
    return t.length() < width ? t : t.substring(0, width - 1);
  }


  private static String shortId(String digest) {
    int colon = digest.indexOf(':');
    String hex = colon >= 0 ? digest.substring(colon + 1) : digest;
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }
}
