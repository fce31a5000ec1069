package dev.jpull.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.image.Cancellation;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DispatcherTest {
  private final ExecutorService blobs = Executors.newFixedThreadPool(1);
  private final ExecutorService meta = Executors.newFixedThreadPool(1);

  @AfterEach
  void stop() {
    blobs.shutdownNow();
    meta.shutdownNow();
  }

  private static Descriptor d(String name, String mediaType) {
    return new Descriptor(mediaType, Digest.sha256(name.getBytes(StandardCharsets.UTF_8)), 1);
  }

  @Test
  @Timeout(10)
  void walksTheWholeTreeWithPoolsOfOneWithoutDeadlock() throws Exception {
    Descriptor index = d("index", MediaTypes.OCI_INDEX);
    Descriptor m1 = d("m1", MediaTypes.OCI_MANIFEST);
    Descriptor m2 = d("m2", MediaTypes.OCI_MANIFEST);
    List<Descriptor> layers = List.of(d("l1", MediaTypes.OCI_LAYER_GZIP), d("l2", MediaTypes.OCI_LAYER_GZIP),
        d("l3", MediaTypes.OCI_LAYER_GZIP));
    Map<Descriptor, List<Descriptor>> tree = Map.of(index, List.of(m1, m2), m1, layers, m2, layers);
    Map<Digest, AtomicInteger> calls = new ConcurrentHashMap<>();
    new Dispatcher(blobs, meta, new Cancellation()).dispatch(desc -> {
      calls.computeIfAbsent(desc.digest(), k -> new AtomicInteger()).incrementAndGet();
      return tree.getOrDefault(desc, List.of());
    }, List.of(index));
    assertEquals(6, calls.size(), "every descriptor handled");
    calls.values().forEach(c -> assertEquals(1, c.get(), "a digest referenced twice is handled once"));
  }

  @Test
  @Timeout(10)
  void manifestsDoNotQueueBehindLayers() throws Exception {
    Descriptor root = d("root", MediaTypes.OCI_INDEX);
    Descriptor slowLayer = d("slow", MediaTypes.OCI_LAYER_GZIP);
    Descriptor manifest = d("m", MediaTypes.OCI_MANIFEST);
    CountDownLatch manifestDone = new CountDownLatch(1);
    new Dispatcher(blobs, meta, new Cancellation()).dispatch(desc -> {
      if (desc.equals(root)) {
        return List.of(slowLayer, manifest);
      }
      if (desc.equals(slowLayer)) {
        // The only blob thread waits for the manifest: it must run on the other executor.
        assertTrue(manifestDone.await(5, TimeUnit.SECONDS), "manifest queued behind a layer");
      }
      if (desc.equals(manifest)) {
        manifestDone.countDown();
      }
      return List.of();
    }, List.of(root));
  }

  @Test
  @Timeout(10)
  void firstErrorCancelsTheRestAndIsRethrown() throws Exception {
    Descriptor root = d("root", MediaTypes.OCI_MANIFEST);
    List<Descriptor> layers = List.of(d("a", MediaTypes.OCI_LAYER), d("b", MediaTypes.OCI_LAYER),
        d("c", MediaTypes.OCI_LAYER), d("e", MediaTypes.OCI_LAYER));
    AtomicInteger cancels = new AtomicInteger();
    AtomicInteger handledAfterFailure = new AtomicInteger();
    JpullException boom = new JpullException(Kind.NOT_FOUND, "boom");
    Cancellation token = new Cancellation();
    token.onCancel(cancels::incrementAndGet);
    Dispatcher dispatcher = new Dispatcher(blobs, meta, token);
    JpullException thrown = assertThrows(JpullException.class, () -> dispatcher.dispatch(desc -> {
      if (desc.equals(root)) {
        return layers;
      }
      if (desc.equals(layers.get(0))) {
        throw boom;
      }
      handledAfterFailure.incrementAndGet();
      return List.of();
    }, List.of(root)));
    assertSame(boom, thrown);
    assertEquals(1, cancels.get(), "onCancel runs once");
    assertEquals(0, handledAfterFailure.get(), "tasks queued after the failure are skipped");
    assertTrue(dispatcher.cancelled());
  }

  @Test
  @Timeout(10)
  void aTokenCancelledElsewhereStopsTheWalkAndIsRethrown() throws Exception {
    Descriptor root = d("root", MediaTypes.OCI_MANIFEST);
    List<Descriptor> layers = List.of(d("a", MediaTypes.OCI_LAYER), d("b", MediaTypes.OCI_LAYER));
    Cancellation token = new Cancellation();
    JpullException interrupted = new JpullException(Kind.CANCELLED, "interrupted");
    AtomicInteger layersHandled = new AtomicInteger();
    JpullException thrown = assertThrows(JpullException.class, () -> new Dispatcher(blobs, meta, token)
        .dispatch(desc -> {
          if (desc.equals(root)) {
            token.cancel(interrupted); // as Puller.cancel does from the signal thread
            return layers;
          }
          layersHandled.incrementAndGet();
          return List.of();
        }, List.of(root)));
    assertSame(interrupted, thrown);
    assertEquals(0, layersHandled.get());
  }
}
