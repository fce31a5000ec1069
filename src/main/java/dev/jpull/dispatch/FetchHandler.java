package dev.jpull.dispatch;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.Ingester;
import dev.jpull.content.Provider;
import dev.jpull.content.Writer;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Document;
import dev.jpull.oci.MediaTypes;
import dev.jpull.progress.ProgressEvent.Blob;
import dev.jpull.progress.ProgressEvent.BlobStatus;
import dev.jpull.progress.ProgressListener;
import dev.jpull.reference.Reference;
import dev.jpull.registry.BlobStream;
import dev.jpull.registry.RegistryClient;
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
import java.util.function.BooleanSupplier;

/**
 * Fetches a descriptor into the store unless it is already there (containerd {@code remotes.FetchHandler}).
 * Manifests come through {@link RegistryClient#manifest}, which verifies and parses them; blobs stream
 * into an ingest that hashes as it writes and resumes a partial left by an earlier run.
 */
public final class FetchHandler implements Handler {
  private static final int BUFFER = 1 << 20;
  private static final long PROGRESS_NANOS = 100_000_000L;

  private final RegistryClient client;
  private final Reference ref;
  private final Provider provider;
  private final Ingester ingester;
  private final ProgressListener listener;
  private final BooleanSupplier cancelled;
  private final AtomicLong downloaded = new AtomicLong();
  private final Map<String, LongAdder> sources = new ConcurrentHashMap<>();

  public FetchHandler(RegistryClient client, Reference ref, Provider provider, Ingester ingester,
      ProgressListener listener, BooleanSupplier cancelled) {
    this.client = client;
    this.ref = ref;
    this.provider = provider;
    this.ingester = ingester;
    this.listener = listener;
    this.cancelled = cancelled;
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
    Document doc = client.manifest(ref, d);
    byte[] bytes = doc.bytes();
    downloaded.addAndGet(bytes.length);
    var writer = ingester.writer(doc.descriptor().withMediaType(d.mediaType()));
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

  private Served copy(Descriptor d, Writer w) throws IOException {
    String digest = d.digest().toString();
    long offset = w.offset();
    try (BlobStream bs = client.blob(ref, d, offset)) {
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
        if (cancelled.getAsBoolean()) {
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
}
