package dev.jpull.registry;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * A blob body being received. {@code start} is where the body begins: the offset asked for, or 0 when
 * the server ignored the {@code Range}, in which case the caller restarts the blob from zero.
 * The body is bounded by the descriptor size (more bytes fail with {@code VERIFICATION}) and resumes
 * itself with {@code Range} within the retry budget when the connection drops mid-way.
 *
 * @param host the host (upstream or mirror) that served it, for progress and {@code --debug}
 * @param mirror true when {@code host} is a configured mirror rather than the registry itself
 */
public record BlobStream(InputStream body, long start, String host, boolean mirror) implements Closeable {
  @Override
  public void close() throws IOException {
    body.close();
  }
}
