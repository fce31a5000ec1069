package dev.jpull.content;

import dev.jpull.image.DigestMismatchException;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.FieldException;
import dev.jpull.oci.Fields;
import dev.jpull.oci.Json;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest of one blob ({@code ingest/<hex>/data}), modelled on containerd's local writer: bytes are
 * hashed as written, a partial left by a previous process is re-hashed on open to resume, and commit
 * verifies size and digest before the blob appears, read-only, under {@code blobs/}. Used by one thread,
 * except {@link #view}: what reaches the file (after each flush of the buffer) is published to an
 * {@link IngestProgress}, with the restarts from zero and how the ingest ended, for readers on other threads.
 */
final class IngestWriter implements Writer {
  private static final Logger LOG = LoggerFactory.getLogger(IngestWriter.class);
  private static final int BUFFER = 1 << 20;

  private final StorePaths paths;
  private final Descriptor expected;
  private final Closeable locks;
  private final FileChannel data;
  private final MessageDigest digester;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
  private final OutputStream stream = new Stream();
  private final IngestProgress progress = new IngestProgress();
  private long offset;
  /** Bytes written to the channel, i.e. {@link #offset} less what the buffer holds. */
  private long written;
  private boolean closed;

  private IngestWriter(StorePaths paths, Descriptor expected, Closeable locks, FileChannel data) {
    this.paths = paths;
    this.expected = expected;
    this.locks = locks;
    this.data = data;
    this.digester = expected.digest().newDigester();
  }

  /** Opens (or resumes) the ingest; the caller holds {@code locks} and hands them over. */
  static IngestWriter open(StorePaths paths, Descriptor expected, Closeable locks) throws IOException {
    Digest d = expected.digest();
    FileChannel ch = null;
    try {
      Path dir = paths.ingestDir(d);
      try {
        Files.createDirectory(dir, DurableFiles.privateDirAttr());
      } catch (FileAlreadyExistsException ignored) {
        // a partial from an earlier attempt
      }
      IngestMeta want = new IngestMeta(d, expected.size());
      boolean sameBlob = want.equals(readMeta(paths.ingestMeta(d)));
      if (!sameBlob) {
        Files.deleteIfExists(paths.ingestData(d));
        DurableFiles.replace(paths.ingestMeta(d), dir.resolve("meta.tmp"), Json.MAPPER.writeValueAsBytes(want.toJson()), () -> { });
      } else if (Files.isRegularFile(paths.ingestData(d), LinkOption.NOFOLLOW_LINKS)) {
        // A commit killed between its chmod and its rename leaves a read-only partial: writable again, or
        // every later pull of this blob fails with "permission denied" (except as root).
        DurableFiles.setMode(paths.ingestData(d), DurableFiles.PRIVATE_FILE);
      }
      ch = FileChannel.open(paths.ingestData(d), Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), DurableFiles.privateFileAttr());
      IngestWriter w = new IngestWriter(paths, expected, locks, ch);
      w.resume();
      return w;
    } catch (IOException e) {
      closeQuietly(ch);
      closeQuietly(locks);
      throw StoreFailure.of("open ingest for blob " + d + " in store " + paths.root(), e);
    } catch (RuntimeException e) {
      closeQuietly(ch);
      closeQuietly(locks);
      throw e;
    }
  }

  private static IngestMeta readMeta(Path meta) {
    try {
      if (Files.size(meta) > 4096) {
        return null;
      }
      return IngestMeta.read(Fields.of(Json.MAPPER.readTree(Files.readAllBytes(meta))));
    } catch (IOException | FieldException | RuntimeException e) {
      return null; // missing or damaged: start the blob again
    }
  }

  /** Rebuilds the digester from the bytes already on disk (containerd resumeStatus). */
  private void resume() throws IOException {
    long have = data.size();
    if (have > expected.size()) {
      // moby pull_v2: a partial larger than the blob cannot be a prefix of it.
      LOG.debug("ingest of {} has {} bytes, more than {}: starting again", expected.digest(), have, expected.size());
      truncate();
      return;
    }
    long pos = 0;
    buffer.clear();
    while (pos < have) {
      int n = data.read(buffer, pos);
      if (n < 0) {
        break;
      }
      buffer.flip();
      digester.update(buffer);
      buffer.clear();
      pos += n;
    }
    if (pos != have) {
      truncate();
      return;
    }
    data.position(have);
    offset = have;
    written = have;
    progress.published(have); // a kept partial is readable at once
    if (have > 0) {
      LOG.debug("resuming ingest of {} at {} of {} bytes", expected.digest(), have, expected.size());
    }
  }

  private void truncate() throws IOException {
    buffer.clear();
    data.truncate(0);
    data.position(0);
    digester.reset();
    offset = 0;
    written = 0;
    progress.restarted();
  }

  @Override
  public long offset() {
    return offset;
  }

  @Override
  public OutputStream stream() {
    return stream;
  }

  @Override
  public IngestView view() {
    StorePaths p = paths;
    Digest d = expected.digest();
    IngestProgress shared = progress;
    return cancellation -> { // captures no buffer: a pull keeps one view per blob it fetches
      try {
        return IngestFollower.open(p, d, shared, cancellation);
      } catch (IOException e) {
        throw StoreFailure.of("read the ingest of blob " + d + " in store " + p.root(), e);
      }
    };
  }

  @Override
  public void reset() throws IOException {
    ensureOpen();
    try {
      truncate();
    } catch (IOException e) {
      throw StoreFailure.of(action(), e);
    }
  }

  @Override
  public void commit() throws IOException {
    ensureOpen();
    try {
      verifyAndPlace();
    } catch (IOException e) {
      throw StoreFailure.closeAfter(this, StoreFailure.of(action(), e));
    } catch (RuntimeException e) {
      throw StoreFailure.closeAfter(this, e);
    }
    close();
  }

  private void verifyAndPlace() throws IOException {
    Digest want = expected.digest();
    flushBuffer();
    if (offset != expected.size()) {
      throw new JpullException(Kind.VERIFICATION, "commit blob " + want + ": got " + offset
          + " bytes, want " + expected.size());
    }
    data.force(true);
    Digest got = Digest.of(want.algorithm(), digester);
    if (!got.equals(want)) {
      DigestMismatchException mismatch = new DigestMismatchException(want, got);
      try {
        discard();
      } catch (IOException e) {
        mismatch.addSuppressed(e); // the bad bytes are what to report; gc removes what is left
      }
      throw mismatch;
    }
    Path target = paths.blob(want);
    DurableFiles.ensureSharedDir(target.getParent()); // blobs/sha512 on the first such blob
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      Path staged = paths.ingestData(want);
      // Read-only before it appears, so a committed blob is never writable.
      DurableFiles.setMode(staged, DurableFiles.READ_ONLY);
      Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
      DurableFiles.fsyncDirectory(target.getParent());
    }
    progress.committed();
    try {
      discard();
    } catch (IOException e) {
      // The blob is in place: an ingest directory left behind is gc's to remove, not a failed commit.
      LOG.debug("could not remove the ingest of {} after its commit", want, e);
    }
  }

  /** Drops the ingest directory (after a commit, or because its bytes are wrong). */
  private void discard() throws IOException {
    closed = true;
    data.close();
    Digest d = expected.digest();
    Files.deleteIfExists(paths.ingestData(d));
    Files.deleteIfExists(paths.ingestMeta(d));
    Files.deleteIfExists(paths.ingestDir(d).resolve("meta.tmp"));
    Files.deleteIfExists(paths.ingestDir(d));
  }

  @Override
  public void close() throws IOException {
    progress.failed(); // no effect after a commit
    if (closed && !data.isOpen()) {
      locks.close();
      return;
    }
    closed = true;
    try {
      flushBuffer(); // keep everything written so far for a resume
    } catch (IOException e) {
      throw StoreFailure.of(action(), e);
    } finally {
      closeQuietly(data);
      locks.close();
    }
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("ingest of blob " + expected.digest() + " is closed");
    }
  }

  private String action() {
    return "write blob " + expected.digest() + " to store " + paths.root();
  }

  private void flushBuffer() throws IOException {
    buffer.flip();
    int n = buffer.remaining();
    while (buffer.hasRemaining()) {
      data.write(buffer);
    }
    buffer.clear();
    if (n > 0) {
      written += n;
      progress.published(written);
    }
  }

  private void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    if (len > expected.size() - offset) {
      throw new JpullException(Kind.VERIFICATION, action() + ": blob larger than descriptor size " + expected.size());
    }
    try {
      digester.update(b, off, len);
      if (len > buffer.remaining()) {
        flushBuffer();
      }
      if (len >= buffer.capacity()) {
        ByteBuffer direct = ByteBuffer.wrap(b, off, len);
        while (direct.hasRemaining()) {
          data.write(direct);
        }
        written += len;
        progress.published(written);
      } else {
        buffer.put(b, off, len);
      }
      offset += len;
    } catch (IOException e) {
      // The digester now disagrees with the file: give the writer up; a new one re-hashes the partial.
      buffer.clear();
      closed = true;
      progress.failed();
      closeQuietly(data);
      closeQuietly(locks);
      throw StoreFailure.of(action(), e);
    }
  }

  private static void closeQuietly(Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // already failing
      }
    }
  }

  /** The caller's view: a plain OutputStream whose flush() puts buffered bytes in the file. */
  private final class Stream extends OutputStream {
    private final byte[] one = new byte[1];

    @Override
    public void write(int b) throws IOException {
      one[0] = (byte) b;
      IngestWriter.this.write(one, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      IngestWriter.this.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      ensureOpen();
      try {
        flushBuffer();
      } catch (IOException e) {
        throw StoreFailure.of(action(), e);
      }
    }
  }
}
