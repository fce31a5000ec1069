package dev.jpull.progress;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One thing that happened during a command. The core emits these to a {@link ProgressListener} and never
 * prints; the CLI's renderers turn them into tty bars, plain lines or the contract's NDJSON.
 */
public sealed interface ProgressEvent
    permits ProgressEvent.Resolved, ProgressEvent.Blob, ProgressEvent.Unpack, ProgressEvent.Warning,
        ProgressEvent.Retry, ProgressEvent.Done, ProgressEvent.Failed {

  /** The reference resolved at the registry. */
  record Resolved(String ref, String digest, String mediaType, long size, String host) implements ProgressEvent {}

  /**
   * A blob changed state or made progress; {@code host} is the host serving it (null before a host is
   * chosen and for blobs already stored), {@code mirror} whether that host is a configured mirror, and
   * {@code resumed} whether the download continued a partial left by an earlier run.
   */
  record Blob(String digest, String mediaType, BlobStatus status, long current, long total, String host,
      boolean mirror, boolean resumed) implements ProgressEvent {
    /** A blob event that names no serving host. */
    public Blob(String digest, String mediaType, BlobStatus status, long current, long total, String host) {
      this(digest, mediaType, status, current, total, host, false, false);
    }
  }

  /** A layer started or finished being applied ({@code index} counts from 0, bottom layer first). */
  record Unpack(String digest, int index, UnpackStatus status) implements ProgressEvent {}

  /** Something the user should know that does not stop the command. */
  record Warning(String message) implements ProgressEvent {}

  /** A request failed transiently and will be tried again after {@code waitMillis}. */
  record Retry(String digest, String host, String reason, int attempt, long waitMillis) implements ProgressEvent {}

  /** The command succeeded; the terminal event. */
  record Done(String ref, String digest, String manifestDigest, String configDigest, String platform,
      String chainId, long size, long downloaded, String rootfs, boolean upToDate, Map<String, Long> sources)
      implements ProgressEvent {
    public Done {
      sources = sources == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(sources));
    }

    /** A terminal event without per-host figures (nothing was fetched, or the command does not count them). */
    public Done(String ref, String digest, String manifestDigest, String configDigest, String platform,
        String chainId, long size, long downloaded, String rootfs, boolean upToDate) {
      this(ref, digest, manifestDigest, configDigest, platform, chainId, size, downloaded, rootfs, upToDate, Map.of());
    }
  }

  /** The command failed; the terminal event. {@code code} is the exit code, {@code kind} its class. */
  record Failed(int code, String kind, String message) implements ProgressEvent {}

  /** States of a blob, in the contract's words. */
  enum BlobStatus {
    WAITING, DOWNLOADING, VERIFYING, DONE, EXISTS, SKIPPED;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** States of a layer being applied. */
  enum UnpackStatus {
    STARTED, DONE;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
