package dev.jpull.content;

/**
 * What a garbage collection removed and kept.
 *
 * @param blobsRemoved unreferenced blobs deleted from {@code blobs/}
 * @param ingestsRemoved partial downloads deleted from {@code ingest/}
 * @param treesRemoved unreferenced or incomplete trees deleted from {@code rootfs/}
 * @param strayFilesRemoved temp files and stale markers left by killed processes (the per-blob lock files
 *     every pull leaves are removed without being counted)
 * @param bytesFreed bytes of regular files deleted
 * @param blobsKept blobs reachable from a reference
 * @param treesKept complete trees a reference uses
 */
public record GcReport(int blobsRemoved, int ingestsRemoved, int treesRemoved, int strayFilesRemoved,
    long bytesFreed, int blobsKept, int treesKept) {}
