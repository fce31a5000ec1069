package dev.jpull.registry;

import dev.jpull.image.Cancellation;

import static dev.jpull.registry.Fixtures.dispatch;
import static dev.jpull.registry.Fixtures.ref;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.content.Writer;
import dev.jpull.dispatch.FetchHandler;
import dev.jpull.oci.Descriptor;
import dev.jpull.progress.ProgressEvent;
import dev.jpull.registry.hosts.RegistryHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: a partial download whose bytes were changed on disk fails verification once resumed; jpull
 * then discards it and fetches the blob again from byte 0, once. It used to fail with "ingest of blob …
 * is closed" (exit 1), because the retry reused the writer the failed commit had already discarded.
 */
class TamperedPartialTest {
  static final byte[] BLOB = BlobTest.BLOB;
  static final Descriptor DESC = BlobTest.DESC;

  @StartStop final MockWebServer registry = new MockWebServer();
  final Fixtures fx = new Fixtures();
  final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  final List<String> warnings = new CopyOnWriteArrayList<>();

  @TempDir Path dir;

  /** Leaves a partial of {@code length} bytes that are not the blob's. */
  private LocalContentStore storeWithTamperedPartial(int length) throws Exception {
    LocalContentStore store = LocalContentStore.open(dir.resolve("store"));
    byte[] tampered = Arrays.copyOf(BLOB, length);
    tampered[length / 2] ^= 1;
    try (Writer w = store.writer(DESC).orElseThrow()) {
      w.stream().write(tampered);
    }
    return store;
  }

  private void fetch(LocalContentStore store) throws Exception {
    try (OkHttpRegistryClient c = fx.builder(StaticHosts.direct("http", RegistryHost.Tls.SYSTEM)).build()) {
      Cancellation token = new Cancellation();
      FetchHandler h = new FetchHandler(new RegistryFetcher(c, ref(Fixtures.name(registry) + "/a:1"), token), store,
          store, e -> {
            if (e instanceof ProgressEvent.Warning w) {
              warnings.add(w.message());
            }
          }, token);
      h.handle(DESC);
    }
  }

  @Test
  void aTamperedPartialDownloadIsDiscardedAndFetchedAgainFromZeroOnce() throws Exception {
    LocalContentStore store = storeWithTamperedPartial(BLOB.length / 2);
    registry.setDispatcher(dispatch(r -> {
      requests.add(r);
      long from = BlobTest.rangeStart(r);
      return from == 0 ? BlobTest.full() : BlobTest.from(from);
    }));
    fetch(store);
    assertTrue(store.contains(DESC));
    assertArrayEquals(BLOB, Files.readAllBytes(store.blobPath(DESC.digest())));
    assertEquals(2, requests.size(), "one resume, then one fetch from zero");
    assertEquals("bytes=" + BLOB.length / 2 + "-", requests.get(0).getHeaders().get("Range"));
    assertNull(requests.get(1).getHeaders().get("Range"), "the second attempt starts at byte 0");
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("downloading it again"), warnings.toString());
    assertTrue(Files.notExists(dir.resolve("store/ingest").resolve(DESC.digest().hex())), "no ingest left");
  }

  @Test
  void aBlobThatFailsAgainFromZeroIsAVerificationErrorNotARetryLoop() throws Exception {
    LocalContentStore store = storeWithTamperedPartial(BLOB.length / 2);
    byte[] wrong = BLOB.clone();
    wrong[0] ^= 1;
    registry.setDispatcher(dispatch(r -> {
      requests.add(r);
      long from = BlobTest.rangeStart(r);
      return new MockResponse.Builder().code(from == 0 ? 200 : 206)
          .addHeader("Content-Range", "bytes " + from + "-" + (BLOB.length - 1) + "/" + BLOB.length)
          .body(new okio.Buffer().write(Arrays.copyOfRange(wrong, (int) from, wrong.length))).build();
    }));
    JpullException e = assertThrows(JpullException.class, () -> fetch(store));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertEquals(2, requests.size());
    assertTrue(!store.contains(DESC.digest()), "nothing unverified is committed");
  }
}
