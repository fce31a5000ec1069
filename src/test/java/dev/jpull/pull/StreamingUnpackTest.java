package dev.jpull.pull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import dev.jpull.progress.ProgressEvent.Unpack;
import dev.jpull.progress.ProgressEvent.UnpackStatus;
import dev.jpull.progress.ProgressListener;
import dev.jpull.reference.Reference;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15: a layer is applied while its bytes arrive, followed from its ingest. Each case pauses a layer's
 * body half-way until the unpack of that layer has visibly begun, so a pull that waited for the whole blob
 * would hang (and fail the 5 s guard) instead of passing by luck. The digest and diff ID are still checked
 * at the end, and an ingest that restarts sends the unpack back to a fresh tree.
 */
class StreamingUnpackTest {
  private static final Duration GUARD = Duration.ofSeconds(5);
  private static final PlatformMatcher AMD64 = PlatformMatcher.only(Platform.parse("linux/amd64"));

  @TempDir Path dir;
  LocalContentStore store;
  final List<ProgressEvent> events = new CopyOnWriteArrayList<>();
  /** Counted down when the unpack of layer 1 starts. */
  final CountDownLatch layer1Started = new CountDownLatch(1);
  final ProgressListener listener = e -> {
    events.add(e);
    if (e instanceof Unpack u && u.index() == 1 && u.status() == UnpackStatus.STARTED) {
      layer1Started.countDown();
    }
  };

  @BeforeEach
  void open() throws Exception {
    store = LocalContentStore.open(dir.resolve("store"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  PullResult pull(FakeRemote remote, Path rootfs) throws Exception {
    return new Puller(remote, store, listener).pull(Reference.parse("fake.test/app:1"),
        new PullOptions(AMD64, false, true, rootfs, 3));
  }

  List<Integer> unpackStarts() {
    return events.stream().filter(e -> e instanceof Unpack u && u.status() == UnpackStatus.STARTED)
        .map(e -> ((Unpack) e).index()).toList();
  }

  /** The position in the events of layer {@code d}'s download being done. */
  int blobDone(Digest d) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i) instanceof ProgressEvent.Blob b && b.status() == ProgressEvent.BlobStatus.DONE
          && b.digest().equals(d.toString())) {
        return i;
      }
    }
    return -1;
  }

  int layer1At(UnpackStatus status) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i) instanceof Unpack u && u.index() == 1 && u.status() == status) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void aLayerStartsUnpackingBeforeItsBodyIsComplete() throws Exception {
    TestImage img = PullerTest.image(3);
    FakeRemote remote = PullerTest.serve(img);
    Digest layer = img.layerDigests.get(1);
    byte[] blob = img.blobs.get(layer);
    remote.behaviours.put(layer, FakeRemote.pausingAt(blob.length / 2, blob, layer1Started::await));
    PullResult r = assertTimeoutPreemptively(GUARD, () -> pull(remote, null));
    assertTrue(layer1At(UnpackStatus.STARTED) < blobDone(layer), "unpack of layer 1 started before its download "
        + "was done: " + events);
    assertTrue(blobDone(layer) < layer1At(UnpackStatus.DONE), "but is done after it (renderers end on "
        + "\"Pull complete\"): " + events);
    assertEquals(List.of(0, 1, 2), unpackStarts());
    assertEquals("2", Files.readString(r.rootfs().resolve("f")));
    assertTrue(Files.exists(r.rootfs().resolve("l1")));
  }

  @Test
  void aLayerWritesItsFirstFilesWhileTheRestOfItsBodyIsStillToCome() throws Exception {
    byte[] big = new byte[6 << 20]; // incompressible, so half the body holds whole MiB of the tar
    new Random(15).nextBytes(big);
    TestImage img = TestImage.of(List.of(new TarBuilder().file("base", "0").build(),
        new TarBuilder().file("first", "1").file("big", 0644, big).build()), true);
    FakeRemote remote = PullerTest.serve(img);
    Digest layer = img.layerDigests.get(1);
    byte[] blob = img.blobs.get(layer);
    Path rootfs = dir.resolve("tree");
    remote.behaviours.put(layer, FakeRemote.pausingAt(blob.length / 2, blob, () -> {
      while (!Files.exists(rootfs.resolve("first"))) {
        Thread.sleep(5); // the test's own wait, bounded by the guard
      }
    }));
    assertTimeoutPreemptively(GUARD, () -> pull(remote, rootfs));
    assertArrayEquals(big, Files.readAllBytes(rootfs.resolve("big")));
    assertEquals("0", Files.readString(rootfs.resolve("base")));
  }

  /** Streamed bytes of the right size but another digest: a byte flipped where gzip does not look, or where it does. */
  @ParameterizedTest(name = "byte {0} flipped")
  @ValueSource(strings = {"gzip MTIME (the tree looks right)", "deflate data (the decompressor fails first)"})
  void aStreamedLayerWithTheWrongDigestFailsThePullNamingItAndLeavesNoTree(String where) throws Exception {
    TestImage img = PullerTest.image(2);
    FakeRemote remote = PullerTest.serve(img);
    Digest layer = img.layerDigests.get(1);
    byte[] wrong = img.blobs.get(layer).clone();
    wrong[where.startsWith("gzip") ? 4 : wrong.length / 2] ^= 1;
    remote.behaviours.put(layer, FakeRemote.pausingAt(wrong.length / 2, wrong, layer1Started::await));
    JpullException e = assertTimeoutPreemptively(GUARD,
        () -> assertThrows(JpullException.class, () -> pull(remote, null)));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains(layer.toString()), e.getMessage());
    assertEquals(List.of(0, 1), unpackStarts(), "layer 1 was being followed");
    assertEquals(List.of(), list(store.root().resolve("rootfs")), "no tree");
    assertEquals(List.of(), list(store.root().resolve("tmp")), "no half-made tree");
    assertTrue(store.lookup("fake.test/app:1").isEmpty());
  }

  @Test
  void aStreamedLayerWithTheWrongDiffIdFailsThePullAndLeavesNoRootfs() throws Exception {
    List<byte[]> tars = List.of(new TarBuilder().file("a", "0").build(), new TarBuilder().file("b", "1").build());
    TestImage img = TestImage.withDiffIds(tars, List.of(Digest.sha256(tars.get(0)).toString(),
        Digest.sha256("not layer 1".getBytes()).toString()));
    FakeRemote remote = PullerTest.serve(img);
    Digest layer = img.layerDigests.get(1);
    byte[] blob = img.blobs.get(layer);
    remote.behaviours.put(layer, FakeRemote.pausingAt(blob.length / 2, blob, layer1Started::await));
    Path rootfs = dir.resolve("tree");
    JpullException e = assertTimeoutPreemptively(GUARD,
        () -> assertThrows(JpullException.class, () -> pull(remote, rootfs)));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains("diff id") && e.getMessage().contains(layer.toString()), e.getMessage());
    assertEquals(List.of(), list(rootfs), "--rootfs is left empty");
  }

  @Test
  void aFollowedPartialThatFailsVerificationRestartsTheUnpackFromTheStoreAndYieldsTheRightTree() throws Exception {
    TestImage img = PullerTest.image(2);
    FakeRemote remote = PullerTest.serve(img);
    Digest layer = img.layerDigests.get(1);
    byte[] blob = img.blobs.get(layer);
    byte[] tampered = Arrays.copyOf(blob, blob.length / 2);
    tampered[tampered.length / 2] ^= 1;
    keepPartial(layer, blob.length, tampered);
    // the rest of the resumed body, and the retry from zero, only once layer 1 is being followed
    remote.behaviours.put(layer, FakeRemote.pausingAt(tampered.length, blob, layer1Started::await));
    PullResult r = assertTimeoutPreemptively(GUARD, () -> pull(remote, null));
    assertEquals(List.of((long) tampered.length, 0L), remote.fetches.get(layer), "resumed, then once from zero");
    assertEquals(List.of(0, 1, 0, 1), unpackStarts(), "the followed tree was dropped and made again");
    assertEquals("1", Files.readString(r.rootfs().resolve("f")));
    assertTrue(Files.exists(r.rootfs().resolve("l0")) && Files.exists(r.rootfs().resolve("l1")));
    assertEquals(1, list(store.root().resolve("rootfs")).stream().filter(n -> !n.endsWith(".complete")).count());
  }

  @Test
  void aPartialKeptByAnEarlierProcessIsFollowedThenTheNetwork() throws Exception {
    TestImage img = PullerTest.image(2);
    FakeRemote remote = PullerTest.serve(img);
    Digest layer = img.layerDigests.get(1);
    byte[] blob = img.blobs.get(layer);
    keepPartial(layer, blob.length, Arrays.copyOf(blob, blob.length / 2));
    remote.behaviours.put(layer, FakeRemote.pausingAt(blob.length / 2, blob, layer1Started::await));
    PullResult r = assertTimeoutPreemptively(GUARD, () -> pull(remote, null));
    assertEquals(List.of((long) blob.length / 2), remote.fetches.get(layer), "resumed where the partial ended");
    assertEquals(List.of(0, 1), unpackStarts(), "no restart");
    assertEquals("1", Files.readString(r.rootfs().resolve("f")));
    assertEquals("x".repeat(4096) + 1, Files.readString(r.rootfs().resolve("l1")));
  }

  @Test
  void aRefetchFromZeroRestartsTheUnpackOnAFreshTree() throws Exception {
    TestImage img = PullerTest.image(2);
    FakeRemote remote = PullerTest.serve(img);
    Digest layer = img.layerDigests.get(1);
    byte[] blob = img.blobs.get(layer);
    keepPartial(layer, blob.length, Arrays.copyOf(blob, blob.length / 2));
    remote.ignoringRange.add(layer); // the partial is dropped and the blob written again from byte 0
    remote.behaviours.put(layer, FakeRemote.after(layer1Started)); // once the partial is being followed
    PullResult r = assertTimeoutPreemptively(GUARD, () -> pull(remote, null));
    assertEquals(List.of((long) blob.length / 2), remote.fetches.get(layer));
    assertEquals(List.of(0, 1, 0, 1), unpackStarts(), "the tree made from the dropped partial was made again");
    assertEquals("1", Files.readString(r.rootfs().resolve("f")));
    assertEquals("x".repeat(4096) + 1, Files.readString(r.rootfs().resolve("l1")));
  }

  /** What a killed earlier pull leaves: an ingest closed without a commit. */
  void keepPartial(Digest layer, long size, byte[] bytes) throws Exception {
    try (Writer w = store.writer(new Descriptor(MediaTypes.OCI_LAYER_GZIP, layer, size)).orElseThrow()) {
      w.stream().write(bytes);
    }
  }

  static List<String> list(Path d) throws Exception {
    if (!Files.exists(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
