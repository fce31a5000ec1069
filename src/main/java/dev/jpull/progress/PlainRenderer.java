package dev.jpull.progress;

import dev.jpull.progress.ProgressEvent.Blob;
import dev.jpull.progress.ProgressEvent.BlobStatus;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;

/**
 * One line per state change in docker's wording, no escape sequences: readable in CI logs. Ends with
 * docker's {@code Digest:} and {@code Status:} lines.
 */
public final class PlainRenderer implements ProgressListener {
  private final PrintStream err;
  private final Map<String, BlobStatus> last = new HashMap<>();

  public PlainRenderer(PrintStream err) {
    this.err = err;
  }

  @Override
  public synchronized void on(ProgressEvent event) {
    if (event instanceof ProgressEvent.Resolved r) {
      int colon = r.ref().lastIndexOf(':');
      int at = r.ref().indexOf('@');
      String name = at > 0 ? r.ref().substring(0, at) : colon > r.ref().lastIndexOf('/') ? r.ref().substring(0, colon) : r.ref();
      String tag = at > 0 ? r.ref().substring(at + 1) : colon > r.ref().lastIndexOf('/') ? r.ref().substring(colon + 1) : "";
      line(tag + ": Pulling from " + name);
    } else if (event instanceof Blob b) {
      if (last.put(b.digest(), b.status()) == b.status()) {
        return;
      }
      String id = shortId(b.digest());
      switch (b.status()) {
        case WAITING -> line(id + ": Pulling fs layer");
        case DOWNLOADING -> line(id + ": Downloading" + (b.host() != null ? " from " + b.host() : ""));
        case VERIFYING -> line(id + ": Verifying Checksum");
        case DONE -> line(id + ": Download complete");
        case EXISTS -> line(id + ": Already exists");
        case SKIPPED -> line(id + ": Skipped");
      }
    } else if (event instanceof ProgressEvent.Unpack u) {
      if (u.status() == ProgressEvent.UnpackStatus.DONE) {
        line(shortId(u.digest()) + ": Pull complete");
      }
    } else if (event instanceof ProgressEvent.Warning w) {
      line("warning: " + w.message());
    } else if (event instanceof ProgressEvent.Retry r) {
      line((r.digest() != null ? shortId(r.digest()) + ": " : "") + "Retrying in " + (r.waitMillis() + 999) / 1000
          + "s (" + r.reason() + ")");
    } else if (event instanceof ProgressEvent.Done d) {
      line("Digest: " + d.digest());
      line("Status: " + (d.upToDate() ? "Image is up to date for " : "Downloaded newer image for ") + d.ref());
    }
  }

  private static String shortId(String digest) {
    int colon = digest.indexOf(':');
    String hex = colon >= 0 ? digest.substring(colon + 1) : digest;
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }

  /** Every line may carry registry text (a warning, a host, a reason): escaped, C1 controls included. */
  private void line(String s) {
    err.println(dev.jpull.Quoted.text(s));
    err.flush();
  }
}
