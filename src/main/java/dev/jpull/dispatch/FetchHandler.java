package dev.jpull.dispatch;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.Ingester;
import dev.jpull.content.Provider;
import dev.jpull.content.Writer;
import dev.jpull.image.Cancellation;
import dev.jpull.image.Fetched;
import dev.jpull.image.Fetcher;
import dev.jpull.image.VerifyingInputStream;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Document;
import dev.jpull.oci.MediaTypes;
import dev.jpull.progress.ProgressEvent.Blob;
import dev.jpull.progress.ProgressEvent.BlobStatus;
import dev.jpull.progress.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fetches a descriptor into the store unless it is already there (containerd {@code remotes.FetchHandler}).
 * Everything comes through one {@link Fetcher} (the registry, or a fake in tests): a manifest is read whole,
 * bounded and verified, before it is stored; a blob streams into an ingest that hashes as it writes and
 * resumes a partial left by an earlier run. The pull's {@link Cancellation} stops a copy between reads and
 * closes the bodies in flight, so a read blocked on a stalled server is woken at once.
 */
public final class FetchHandler implements Handler {
  private static final int BUFFER = 1 << 20;
  private static final long PROGRESS_NANOS = 100_000_000L;

  private final Fetcher fetcher;
  private final Provider provider;
  private final Ingester ingester;
  private final ProgressListener listener;
  private final Cancellation cancellation;
  private final AtomicLong downloaded = new AtomicLong();
  private final Map<String, LongAdder> sources = new ConcurrentHashMap<>();

  public FetchHandler(Fetcher fetcher, Provider provider, Ingester ingester, ProgressListener listener,
      Cancellation cancellation) {
    this.fetcher = fetcher;
    this.provider = provider;
    this.ingester = ingester;
    this.listener = listener;
    this.cancellation = cancellation;
  }

  /** Bytes received from the network by this handler so far. */
  public long downloaded() {
    return downloaded.get();
  }

  /** Bytes of blobs received so far from each host (upstream or mirror), for the {@code done} event. */
  public Map<String, Long> sources() {
    Map<String, Long> out = new TreeMap<>();
    sources.forEach((host, n) -> out.put(host, n.sum()));
    return out;
  }

  @Override
  public List<Descriptor> handle(Descriptor d) throws IOException, InterruptedException {
    String mt = d.mediaType();
    cancellation.check("fetch of " + d.digest()); // a walk cancelled while this task was queued starts nothing
    if (provider.contains(d)) {
      listener.on(new Blob(d.digest().toString(), mt, BlobStatus.EXISTS, d.size(), d.size(), null));
      return List.of();
    }
    if (MediaTypes.isIndex(mt) || MediaTypes.isManifest(mt)) {
      fetchManifest(d);
    } else {
      fetchBlob(d);
    }
    return List.of();
  }

  private void fetchManifest(Descriptor d) throws IOException, InterruptedException {
    byte[] bytes;
    try (Fetched f = open(d, 0)) {
      // bounded before it is read, verified as it is read: what is stored is what the digest names
      bytes = VerifyingInputStream.readAll(f.body(), d, Document.MAX_SIZE);
    }
    Document.parse(bytes, null, d); // the document rules, before a malformed manifest is stored
    downloaded.addAndGet(bytes.length);
    var writer = ingester.writer(d);
    if (writer.isEmpty()) {
      return;
    }
    try (Writer w = writer.get()) {
      if (w.offset() != 0) {
        w.reset();
      }
      w.stream().write(bytes);
      w.commit();
    }
  }

  private void fetchBlob(Descriptor d) throws IOException, InterruptedException {
    String digest = d.digest().toString();
    for (int attempt = 0; ; attempt++) {
      // A failed commit discards its ingest and closes its writer: a retry needs a writer of its own.
      var opened = ingester.writer(d);
      if (opened.isEmpty()) {
        // Another pull (thread or process) committed it while we waited for its lock.
        listener.on(new Blob(digest, d.mediaType(), BlobStatus.EXISTS, d.size(), d.size(), null));
        return;
      }
      try (Writer w = opened.get()) {
        if (attempt > 0 && w.offset() != 0) {
          w.reset();
        }
        boolean resumed = w.offset() > 0;
        try {
          Served s = copy(d, w);
          listener.on(s.event(d, BlobStatus.VERIFYING, d.size()));
          w.commit();
          listener.on(s.event(d, BlobStatus.DONE, d.size()));
          return;
        } catch (JpullException e) {
          // moby pull_v2: a digest failure after a resume may be the partial's fault; retry once from zero.
          if (e.kind() != Kind.VERIFICATION || !resumed || attempt > 0) {
            throw e;
          }
          listener.warn("blob " + d.digest().shortHex() + " failed verification after resuming; downloading it again");
        }
      }
    }
  }

  /** Where a blob's bytes came from, for the events that follow its download. */
  private record Served(String host, boolean mirror, boolean resumed) {
    Blob event(Descriptor d, BlobStatus status, long current) {
      return new Blob(d.digest().toString(), d.mediaType(), status, current, d.size(), host, mirror, resumed);
    }
  }

  private Served copy(Descriptor d, Writer w) throws IOException, InterruptedException {
    String digest = d.digest().toString();
    long offset = w.offset();
    try (Fetched bs = open(d, offset)) {
      if (bs.start() != offset) {
        w.reset();
      }
      long current = w.offset();
      Served served = new Served(bs.host(), bs.mirror(), current > 0);
      LongAdder byHost = sources.computeIfAbsent(bs.host(), h -> new LongAdder());
      listener.on(served.event(d, BlobStatus.DOWNLOADING, current));
      OutputStream out = w.stream();
      InputStream in = bs.body();
      byte[] buf = new byte[BUFFER];
      long last = System.nanoTime();
      int n;
      while ((n = in.read(buf)) > 0) {
        if (cancellation.isCancelled()) {
          throw new InterruptedIOException("fetch of " + digest + " cancelled");
        }
        out.write(buf, 0, n);
        current += n;
        downloaded.addAndGet(n);
        byHost.add(n);
        long now = System.nanoTime();
        if (now - last >= PROGRESS_NANOS) {
          last = now;
          listener.on(served.event(d, BlobStatus.DOWNLOADING, current));
        }
      }
      listener.on(served.event(d, BlobStatus.DOWNLOADING, current));
      return served;
    }
  }

  /** Opens a body that the pull's cancellation closes, waking a read blocked on it. */
  private Fetched open(Descriptor d, long offset) throws IOException, InterruptedException {
    Fetched f = fetcher.fetch(d, offset);
    cancellation.onCancel(() -> {
      try {
        f.close();
      } catch (IOException | RuntimeException ignored) {
        // closing only to wake the reader; its read reports the cancellation
      }
    });
    return f;
  }
}
