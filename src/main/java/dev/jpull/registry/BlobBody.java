package dev.jpull.registry;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Response;

/**
 * A blob body bounded by the descriptor size that resumes itself. A dropped connection, premature EOF or
 * read-idle timeout (a stalled CDN, skopeo#2878) re-requests {@code Range: bytes=<position>-} within the
 * retry budget. Range answers are checked as distribution does (206 with a {@code Content-Range} starting
 * at the offset and a total equal to the size or {@code *}); a server that ignores the range is answered
 * as containerd does, by discarding the prefix already delivered, so the caller's hash stays continuous.
 * A byte past the descriptor size fails with {@code VERIFICATION} (CVE-2017-14992 class).
 */
final class BlobBody extends InputStream {
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d{1,19})-(\\d{1,19})/(\\d{1,19}|\\*)");

  /** Opens the blob at an offset (0: no {@code Range}); returns only 200, 206 or 416 responses. */
  @FunctionalInterface
  interface Source {
    Response open(long offset) throws IOException;
  }

  /** A body (or null for an empty one) and the offset it begins at. */
  record Opened(Response response, long start) {}

  private final Source source;
  private final long size;
  private final Transport transport;
  private final Transport.Context ctx;
  private final DebugLog log;
  private InputStream in;
  private Response response;
  private long position;
  private long skip;
  private int failuresWithoutProgress;
  private int resumes;
  private boolean progressed;
  private boolean finished;
  private boolean closed;

  BlobBody(Source source, long size, Opened first, Transport transport, Transport.Context ctx, DebugLog log) {
    this.source = source;
    this.log = log;
    this.size = size;
    this.transport = transport;
    this.ctx = ctx;
    this.position = first.start();
    attach(first.response());
  }

  /** Opens at {@code offset} following the Range rules; the returned start is offset, 0 or size. */
  static Opened open(Source source, long size, long offset, Transport.Context ctx, DebugLog log) throws IOException {
    if (offset < 0 || offset > size) {
      offset = 0; // a partial larger than the blob is worthless: start over (moby pull_v2)
    }
    Response r = source.open(offset);
    int code = r.code();
    if (offset > 0 && code == 416 && offset == size) {
      r.close();
      return new Opened(null, size);
    }
    if (offset > 0 && code == 206 && rangeMatches(r.header("Content-Range"), offset, size)) {
      return new Opened(checkLength(r, size - offset, size, ctx), offset);
    }
    if (code == 200) {
      return new Opened(checkLength(r, size, size, ctx), 0);
    }
    String contentRange = r.header("Content-Range");
    r.close();
    if (offset == 0) {
      throw new JpullException(Kind.NETWORK, ctx.action() + " at " + ctx.host() + ": unexpected HTTP " + code
          + " to a request without Range");
    }
    log.log(ctx.action() + " at " + ctx.host() + ": Range bytes=" + offset + "- answered with " + code + " "
        + ErrorResponse.clean(contentRange) + ", starting again from 0");
    return open(source, size, 0, ctx, log);
  }

  static boolean rangeMatches(String contentRange, long offset, long size) {
    if (contentRange == null) {
      return false;
    }
    Matcher m = CONTENT_RANGE.matcher(contentRange.trim());
    if (!m.matches()) {
      return false;
    }
    try {
      long first = Long.parseLong(m.group(1));
      long last = Long.parseLong(m.group(2));
      String total = m.group(3);
      return first == offset && last >= first && last < size && (total.equals("*") || Long.parseLong(total) == size);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Refuses a declared length larger than what is left, before a byte is read (HOSTILE-INPUTS B3). */
  private static Response checkLength(Response r, long remaining, long size, Transport.Context ctx)
      throws JpullException {
    long declared = r.body().contentLength();
    if (declared > remaining) {
      r.close();
      throw new JpullException(Kind.VERIFICATION, ctx.action() + " at " + ctx.host()
          + ": blob larger than descriptor size " + size + " (Content-Length " + declared + " for the "
          + remaining + " bytes left)");
    }
    return r;
  }

  private void attach(Response r) {
    response = r;
    in = r == null ? null : r.body().byteStream();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (len == 0) {
      return 0;
    }
    while (true) {
      if (position >= size) {
        return finish();
      }
      try {
        if (in == null) {
          resume();
          continue;
        }
        if (skip > 0) {
          long n = in.read(b, off, (int) Math.min(len, skip));
          if (n < 0) {
            failed(new EOFException("premature end of body while skipping to byte " + position));
          } else {
            skip -= n;
          }
          continue;
        }
        int n = in.read(b, off, (int) Math.min(len, size - position));
        if (n < 0) {
          failed(new EOFException("premature end of body at byte " + position + " of " + size));
          continue;
        }
        position += n;
        progressed = true;
        return n;
      } catch (JpullException e) {
        throw e;
      } catch (IOException e) {
        transport.checkCancelled(ctx);
        failed(e);
      }
    }
  }

  /** At the descriptor size: one more byte from the server means it sent more than the descriptor says. */
  private int finish() throws IOException {
    if (!finished) {
      finished = true;
      if (in != null && skip == 0) {
        int extra;
        try {
          extra = in.read();
        } catch (IOException e) {
          extra = -1; // the blob is complete; a failure after its last byte does not matter
        }
        if (extra >= 0) {
          close();
          throw new JpullException(Kind.VERIFICATION, ctx.action() + " at " + ctx.host()
              + ": blob larger than descriptor size " + size);
        }
      }
    }
    return -1;
  }

  private void failed(IOException e) throws IOException {
    closeResponse();
    if (progressed) {
      failuresWithoutProgress = 0;
      progressed = false;
    }
    failuresWithoutProgress++;
    resumes++;
    int budget = transport.options().attempts();
    String reason = "connection lost at byte " + position + " of " + size + " ("
        + ErrorResponse.clean(e.getClass().getSimpleName() + ": " + e.getMessage()) + ")";
    if (failuresWithoutProgress >= budget || resumes >= budget * 4) {
      throw new JpullException(Kind.NETWORK, ctx.action() + " at " + ctx.host() + ": " + reason + ", giving up after "
          + resumes + " attempts", e);
    }
    transport.retrying(ctx, reason, resumes, transport.backoff(failuresWithoutProgress));
  }

  private void resume() throws IOException {
    Opened o = open(source, size, position, ctx, log);
    if (o.start() == position) {
      skip = 0;
    } else if (o.start() == 0) {
      skip = position; // the server ignored Range: drop what the caller already has
    } else {
      closeQuietly(o.response());
      throw new JpullException(Kind.NETWORK, ctx.action() + " at " + ctx.host() + ": resuming at " + position
          + " returned data from " + o.start());
    }
    attach(o.response());
    if (in == null) {
      throw new JpullException(Kind.NETWORK, ctx.action() + " at " + ctx.host() + ": resume at " + position
          + " returned no body");
    }
  }

  private static void closeQuietly(Response r) {
    if (r != null) {
      r.close();
    }
  }

  private void closeResponse() {
    closeQuietly(response);
    response = null;
    in = null;
  }

  @Override
  public void close() {
    closed = true;
    closeResponse();
  }
}
