package dev.jpull.image;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * A blob body being received from a {@link Fetcher}. {@code start} is where the body begins: the offset
 * asked for, or 0 when the source ignored it, in which case the caller restarts the blob from zero.
 *
 * @param host the host (upstream or mirror) that served it, for progress and {@code --debug}
 * @param mirror true when {@code host} is a configured mirror rather than the registry itself
 */
public record Fetched(InputStream body, long start, String host, boolean mirror) implements Closeable {
  @Override
  public void close() throws IOException {
    body.close();
  }
}
