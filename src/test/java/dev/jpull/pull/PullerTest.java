package dev.jpull.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.content.Writer;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.oci.Platform;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.progress.ProgressEvent;
import dev.jpull.progress.ProgressListener;
import dev.jpull.reference.Reference;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pull pipeline with a fake {@link dev.jpull.image.Fetcher} serving an in-memory image: the order of
 * unpack, cancellation with a layer in flight, a failing layer stopping the rest, retries, and that no blob
 * is fetched twice. Every wait is bounded by a 5 s hang guard, never a timing assertion.
 */
class PullerTest {
  private static final Duration GUARD = Duration.ofSeconds(5);
  private static final PlatformMatcher AMD64 = PlatformMatcher.only(Platform.parse("linux/amd64"));

  @TempDir Path dir;
  LocalContentStore store;
  final List<ProgressEvent> events = new CopyOnWriteArrayList<>();
  final ProgressListener listener = events::add;

  @BeforeEach
  void open() throws Exception {
    store = LocalContentStore.open(dir.resolve("store"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** Layer i holds {@code f} = "i" and its own file {@code l<i>}: the tree shows which layer came last. */
  static TestImage image(int layers) {
    List<byte[]> tars = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      // some bulk, so that half a body is a real, nonempty read
      tars.add(new TarBuilder().file("f", "" + i).file("l" + i, "x".repeat(4096) + i).build());
    }
    return TestImage.of(tars, true);
  }

  static FakeRemote serve(TestImage img) {
    FakeRemote remote = new FakeRemote(new Descriptor(img.manifestType, img.manifestDigest, img.manifest.length));
    remote.put(img.manifest);
    img.blobs.values().forEach(remote::put);
    return remote;
  }

  PullResult pull(FakeRemote remote, boolean unpack, int concurrency) throws Exception {
    return pull(new Puller(remote, store, listener), unpack, concurrency);
  }

  static PullResult pull(Puller puller, boolean unpack, int concurrency) throws Exception {
    return puller.pull(Reference.parse("fake.test/app:1"), new PullOptions(AMD64, false, unpack, null, concurrency));
  }

  List<Integer> unpackStarts() {
    return events.stream().filter(e -> e instanceof ProgressEvent.Unpack u
        && u.status() == ProgressEvent.UnpackStatus.STARTED).map(e -> ((ProgressEvent.Unpack) e).index()).toList();
  }

  @Test
  void layersAreAppliedBottomFirstEvenWhenTheyLandOutOfOrder() throws Exception {
    TestImage img = image(3);
    FakeRemote remote = serve(img);
    // layer 0 is served only once layers 1 and 2 have landed in the store
    CountDownLatch upperLanded = new CountDownLatch(2);
    ProgressListener counting = e -> {
      events.add(e);
      if (e instanceof ProgressEvent.Blob b && b.status() == ProgressEvent.BlobStatus.DONE
          && !b.digest().equals(img.layerDigests.get(0).toString()) && MediaTypes.isLayer(b.mediaType())) {
        upperLanded.countDown();
      }
    };
    remote.behaviours.put(img.layerDigests.get(0), FakeRemote.after(upperLanded));
    PullResult r = assertTimeoutPreemptively(GUARD,
        () -> pull(new Puller(remote, store, counting), true, 3));
    List<String> landed = events.stream().filter(e -> e instanceof ProgressEvent.Blob b
        && b.status() == ProgressEvent.BlobStatus.DONE && MediaTypes.isLayer(b.mediaType()))
        .map(e -> ((ProgressEvent.Blob) e).digest()).toList();
    assertEquals(img.layerDigests.get(0).toString(), landed.get(2), "layer 0 landed last: " + landed);
    assertEquals(List.of(0, 1, 2), unpackStarts());
    assertEquals("2", Files.readString(r.rootfs().resolve("f")), "the top layer's f wins");
    assertTrue(Files.exists(r.rootfs().resolve("l0")) && Files.exists(r.rootfs().resolve("l2")));
  }

  @Test
  void aCancelledPullDoesNotStallOnTheUnpackerAbortFlagSetAfterWakingIt() throws Exception {
    // LayerUnpacker.abort completed the waiting futures before setting its flag: an unpacker that asked for
    // its next layer in between waited on a future nobody completed, and the pull joined it for 30 s.
    TestImage img = image(3);
    FakeRemote remote = serve(img);
    CountDownLatch middle = new CountDownLatch(1);
    Digest inFlight = img.layerDigests.get(1);
    remote.behaviours.put(inFlight, remote.blockingMidBody(inFlight, middle));
    Puller puller = new Puller(remote, store, listener);
    Thread canceller = new Thread(() -> {
      try {
        if (middle.await(5, TimeUnit.SECONDS)) {
          puller.cancel();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    canceller.start();
    JpullException e = assertTimeoutPreemptively(GUARD,
        () -> assertThrows(JpullException.class, () -> pull(puller, true, 3)));
    assertEquals(Kind.CANCELLED, e.kind(), e.getMessage());
    assertEquals(List.of(inFlight), remote.closedWhileBlocked, "the blocked body was woken by the cancellation");
    assertTrue(store.lookup("fake.test/app:1").isEmpty(), "a cancelled pull records nothing");
  }

  @Test
  void aFailureInOneLayerStopsTheRest() throws Exception {
    TestImage img = image(4);
    FakeRemote remote = serve(img);
    List<Digest> layers = img.layerDigests;
    CountDownLatch middle = new CountDownLatch(1);
    remote.behaviours.put(layers.get(0), remote.blockingMidBody(layers.get(0), middle));
    remote.behaviours.put(layers.get(1), FakeRemote.failing(middle,
        new JpullException(Kind.NOT_FOUND, "blob " + layers.get(1) + " not found at fake.test")));
    JpullException e = assertTimeoutPreemptively(GUARD,
        () -> assertThrows(JpullException.class, () -> pull(remote, true, 2)));
    assertEquals(Kind.NOT_FOUND, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains(layers.get(1).toString()), e.getMessage());
    assertEquals(List.of(layers.get(0)), remote.closedWhileBlocked, "the other fetch in flight was woken");
    assertEquals(0, remote.fetchCount(layers.get(2)), "no further fetch starts");
    assertEquals(0, remote.fetchCount(layers.get(3)), "no further fetch starts");
  }

  @Test
  void aVerificationFailureAfterAResumeRetriesOnceFromZero() throws Exception {
    TestImage img = image(1);
    FakeRemote remote = serve(img);
    Digest layer = img.layerDigests.get(0);
    byte[] blob = img.blobs.get(layer);
    byte[] tampered = Arrays.copyOf(blob, blob.length / 2);
    tampered[tampered.length / 2] ^= 1;
    try (Writer w = store.writer(new Descriptor(MediaTypes.OCI_LAYER_GZIP, layer, blob.length)).orElseThrow()) {
      w.stream().write(tampered); // a kept partial whose bytes are not the blob's
    }
    PullResult r = assertTimeoutPreemptively(GUARD, () -> pull(remote, true, 2));
    assertEquals(List.of((long) tampered.length, 0L), remote.fetches.get(layer), "resumed, then once from zero");
    assertTrue(events.stream().anyMatch(e -> e instanceof ProgressEvent.Warning w
        && w.message().contains("failed verification after resuming")), events.toString());
    assertEquals("0", Files.readString(r.rootfs().resolve("f")));
  }

  @Test
  void aBadBlobWithoutAResumeIsNotRetried() throws Exception {
    TestImage img = image(1);
    FakeRemote remote = serve(img);
    Digest layer = img.layerDigests.get(0);
    byte[] wrong = img.blobs.get(layer).clone();
    wrong[wrong.length / 2] ^= 1;
    remote.behaviours.put(layer, (bytes, offset) -> new java.io.ByteArrayInputStream(wrong));
    JpullException e = assertTimeoutPreemptively(GUARD,
        () -> assertThrows(JpullException.class, () -> pull(remote, false, 2)));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertEquals(1, remote.fetchCount(layer));
  }

  @Test
  void noBlobIsFetchedTwice() throws Exception {
    // two platforms sharing every layer, and a layer listed twice in one manifest
    List<byte[]> tars = new ArrayList<>();
    byte[] shared = new TarBuilder().file("s", "shared").build();
    tars.add(shared);
    tars.add(new TarBuilder().file("t", "top").build());
    tars.add(shared);
    TestImage amd = TestImage.forPlatform(tars, "linux", "amd64", null);
    TestImage arm = TestImage.forPlatform(tars, "linux", "arm64", "v8");
    byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
        + entry(amd, "amd64", null) + "," + entry(arm, "arm64", "v8") + "]}").getBytes(StandardCharsets.UTF_8);
    FakeRemote remote = new FakeRemote(new Descriptor(MediaTypes.OCI_INDEX, Digest.sha256(index), index.length));
    remote.put(index).put(amd.manifest).put(arm.manifest);
    amd.blobs.values().forEach(remote::put);
    arm.blobs.values().forEach(remote::put);
    Puller puller = new Puller(remote, store, listener);
    PullResult r = assertTimeoutPreemptively(GUARD, () -> puller.pull(Reference.parse("fake.test/app:1"),
        new PullOptions(AMD64, true, true, null, 3)));
    assertEquals(amd.manifestDigest, r.image().manifestDescriptor().digest());
    assertEquals(2 + 2 + 2 + 1, remote.fetches.size(), "index, 2 manifests, 2 configs, 2 distinct layers");
    remote.fetches.forEach((d, offsets) -> assertEquals(1, offsets.size(), d + " fetched " + offsets));
    assertEquals("top", Files.readString(r.rootfs().resolve("t")));
    assertTimeoutPreemptively(GUARD, () -> pull(puller, true, 3));
    remote.fetches.forEach((d, offsets) -> assertEquals(1, offsets.size(), "again: " + d + " fetched " + offsets));
  }

  private static String entry(TestImage img, String arch, String variant) {
    return "{\"mediaType\":\"" + img.manifestType + "\",\"digest\":\"" + img.manifestDigest + "\",\"size\":"
        + img.manifest.length + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"" + arch + "\""
        + (variant != null ? ",\"variant\":\"" + variant + "\"" : "") + "}}";
  }

  @Test
  void aStoredLayerOfTheRightSizeButWrongBytesFailsTheUnpackNamingIt() throws Exception {
    TestImage img = image(2);
    FakeRemote remote = serve(img);
    pull(remote, false, 2);
    Digest layer = img.layerDigests.get(1);
    Path blob = store.blobPath(layer);
    byte[] bytes = Files.readAllBytes(blob);
    bytes[4] ^= 1; // the gzip header's MTIME: no decompressor checks it, the tree and diff ID stay the same
    blob.toFile().setWritable(true);
    Files.write(blob, bytes);
    JpullException e = assertTimeoutPreemptively(GUARD,
        () -> assertThrows(JpullException.class, () -> pull(remote, true, 2)));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertTrue(e instanceof dev.jpull.image.DigestMismatchException, "the verifying stream caught it: " + e);
    assertTrue(e.getMessage().contains(layer.toString()) || e.getMessage().contains(layer.hex()), e.getMessage());
    assertEquals(1, remote.fetchCount(layer), "the stored blob (right size) was used, not fetched again");
  }
}
