package dev.jpull.cli;

import dev.jpull.progress.ProgressEvent;
import dev.jpull.image.Image;
import java.nio.file.Path;
import java.util.Map;

/** The terminal {@code done} event of a command that resolved an image ({@code image} null: a whole index). */
final class DoneEvent {
  private DoneEvent() {}

  static ProgressEvent.Done of(String ref, String digest, Image image, long size, long downloaded,
      Path rootfs, boolean upToDate, Map<String, Long> sources) {
    return new ProgressEvent.Done(ref, digest,
        image == null ? null : image.manifestDescriptor().digest().toString(),
        image == null ? null : image.configDescriptor().digest().toString(),
        image == null ? null : image.platform().toString(),
        image == null || image.chainId() == null ? null : image.chainId().toString(),
        size, downloaded, rootfs == null ? null : rootfs.toString(), upToDate, sources);
  }
}
