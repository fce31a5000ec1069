package dev.jpull.content;

import dev.jpull.image.Cancellation;
import dev.jpull.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A reader of a blob while its ingest is being written, from byte 0: it reads the ingest's file with
 * positional reads up to the length the writer published, waits for more, and ends at the blob's size once
 * it is committed. It hashes nothing itself: the writer hashed these same bytes as it wrote them and
 * commits only a blob of the right size and digest, so a reader that reaches the end (-1) has read a
 * verified blob; one that stops earlier knows nothing yet ({@link #awaitCommitted}). Throws {@link IngestRestartedException} when the ingest restarts from zero or fails, and {@code CANCELLED}
 * as soon as the pull's cancellation fires, also while waiting. Used by one thread.
 */
public final class IngestFollower extends InputStream {
  private final FileChannel channel;
  private final IngestProgress progress;
  private final int generation;
  private final Cancellation cancellation;
  private final String what;
  private long pos;

  private IngestFollower(FileChannel channel, IngestProgress progress, int generation, Cancellation cancellation,
      String what) {
    this.channel = channel;
    this.progress = progress;
    this.generation = generation;
    this.cancellation = cancellation;
    this.what = what;
  }

  static IngestFollower open(StorePaths paths, Digest digest, IngestProgress progress, Cancellation cancellation)
      throws IOException {
    String what = "follow the ingest of blob " + digest;
    int generation = progress.generation(); // before the open: a truncation in between is seen as a restart
    FileChannel ch = openIfPresent(paths.ingestData(digest));
    if (ch == null) {
      // The commit moves the data file to blobs/ atomically: one of the two names holds it, unless the
      // ingest was discarded, which the progress reports as a failure at the first read.
      ch = openIfPresent(paths.blob(digest));
    }
    IngestFollower f = new IngestFollower(ch, progress, generation, cancellation, what);
    cancellation.onCancel(progress::wake);
    return f;
  }

  private static FileChannel openIfPresent(Path p) throws IOException {
    try {
      return FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    long length = progress.await(pos, generation, cancellation, what);
    if (length < 0) {
      return -1;
    }
    if (channel == null) {
      throw new IngestRestartedException(what + ": the ingest's file is gone");
    }
    int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, length - pos)), pos);
    // A truncation during the read may have handed us another generation's bytes, or none.
    progress.check(generation, cancellation, what);
    if (n <= 0) {
      throw new IngestRestartedException(what + ": the file is shorter than its published " + length + " bytes");
    }
    pos += n;
    return n;
  }

  /**
   * Waits for the ingest to end: whether the bytes this reader follows became the committed blob (false as
   * soon as it restarted or failed). Throws {@code CANCELLED} when the pull is cancelled while waiting.
   */
  public boolean awaitCommitted() throws IOException {
    return progress.awaitCommitted(generation, cancellation, what);
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
    }
  }

  @Override
  public String toString() {
    return "IngestFollower[" + what + " at " + pos + ", " + progress + "]";
  }
}
