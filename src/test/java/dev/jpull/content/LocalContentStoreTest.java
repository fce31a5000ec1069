package dev.jpull.content;

import dev.jpull.image.DigestMismatchException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LocalContentStoreTest extends ContentStoreContract<LocalContentStore> {
  private static final String REF = "registry.test/app:1";

  @Override
  protected LocalContentStore newStore(Path root) throws IOException {
    return LocalContentStore.open(root);
  }

  @Override
  protected void overwritePartial(Digest d, byte[] bytes) throws IOException {
    Files.write(store.root().resolve("ingest").resolve(d.hex()).resolve("data"), bytes);
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  private List<String> blobFiles() throws IOException {
    try (Stream<Path> s = Files.list(store.root().resolve("blobs/sha256"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  // --- layout ---------------------------------------------------------------------------------------

  @Test
  void createsAnOciLayoutWithPrivateAreas() throws IOException {
    Path root = store.root();
    assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(root.resolve("oci-layout")));
    JsonNode index = Json.MAPPER.readTree(root.resolve("index.json").toFile());
    assertEquals(2, index.get("schemaVersion").asInt());
    assertEquals(0, index.get("manifests").size());
    assertEquals("rwx------", mode(root));
    for (String area : List.of("ingest", "locks", "rootfs", "tmp")) {
      assertEquals("rwx------", mode(root.resolve(area)), area);
    }
    assertTrue(Files.isDirectory(root.resolve("blobs/sha256")));
    LocalContentStore.open(root); // reopening an existing store is fine
  }

  static Stream<Arguments> unusableStores() {
    return Stream.of(
        Arguments.of("a regular file", (Setup) p -> Files.writeString(p, "x"), "is not a directory"),
        Arguments.of("a non-empty directory without a layout", (Setup) p -> {
          Files.createDirectories(p);
          Files.writeString(p.resolve("notes.txt"), "mine");
        }, "not empty and holds no OCI image layout"),
        Arguments.of("a future layout version", (Setup) p -> {
          Files.createDirectories(p);
          Files.writeString(p.resolve("oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}");
        }, "imageLayoutVersion \"2.0.0\""),
        Arguments.of("a damaged oci-layout", (Setup) p -> {
          Files.createDirectories(p);
          Files.writeString(p.resolve("oci-layout"), "{not json");
        }, "oci-layout is not valid JSON"));
  }

  interface Setup {
    void apply(Path p) throws IOException;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unusableStores")
  void refusesAnUnusableDirectory(String name, Setup setup, String reason) throws IOException {
    Path p = dir.resolve("bad");
    setup.apply(p);
    JpullException e = assertThrows(JpullException.class, () -> LocalContentStore.open(p));
    assertEquals(Kind.LOCAL_IO, e.kind());
    assertTrue(e.getMessage().startsWith("store " + p + " is unusable: "), e.getMessage());
    assertTrue(e.getMessage().contains(reason), e.getMessage());
  }

  @Test
  void committedBlobsAreReadOnlyAndOnlyVerifiedOnesAppear() throws Exception {
    byte[] good = random(4000, 20);
    Descriptor d = descriptorOf(good);
    try (Writer w = open(d)) {
      w.stream().write(random(4000, 21));
      assertThrows(DigestMismatchException.class, w::commit);
    }
    assertEquals(List.of(), blobFiles(), "nothing reaches blobs/ unverified");
    assertFalse(Files.exists(store.root().resolve("ingest").resolve(d.digest().hex())), "ingest discarded");
    try (Writer w = open(d)) {
      w.stream().write(good);
      w.commit();
    }
    assertEquals(List.of(d.digest().hex()), blobFiles());
    assertEquals("r--r--r--", mode(store.blobPath(d.digest())));
    assertFalse(Files.exists(store.root().resolve("ingest").resolve(d.digest().hex())), "ingest removed");
  }

  @Test
  void aBlobThatAppearedDuringTheIngestIsSuccess() throws Exception {
    byte[] blob = random(1000, 22);
    Descriptor d = descriptorOf(blob);
    try (Writer w = open(d)) {
      w.stream().write(blob);
      Files.write(store.blobPath(d.digest()), blob); // e.g. skopeo copied it into the layout meanwhile
      w.commit();
    }
    assertArrayEquals(blob, Files.readAllBytes(store.blobPath(d.digest())));
    assertFalse(Files.exists(store.root().resolve("ingest").resolve(d.digest().hex())));
  }

  @Test
  void readSmallBlobIsBoundedAndReverified() throws Exception {
    byte[] blob = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    Descriptor d = descriptorOf(blob);
    try (Writer w = open(d)) {
      w.stream().write(blob);
      w.commit();
    }
    assertArrayEquals(blob, store.read(d, 100));
    assertEquals(Kind.VERIFICATION, assertThrows(JpullException.class, () -> store.read(d, 3)).kind());
    corrupt(d.digest());
    assertThrows(DigestMismatchException.class, () -> store.read(d, 100));
  }

  private void corrupt(Digest d) throws IOException {
    Path p = store.blobPath(d);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    byte[] b = Files.readAllBytes(p);
    b[0] ^= 0x20;
    Files.write(p, b, StandardOpenOption.TRUNCATE_EXISTING);
  }

  // --- index.json -----------------------------------------------------------------------------------

  @Test
  void recordsLooksUpReplacesAndRemovesReferences() throws Exception {
    Descriptor a = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[] {1}), 10);
    Descriptor b = new Descriptor(MediaTypes.OCI_INDEX, Digest.sha256(new byte[] {2}), 20);
    store.record(REF, a);
    Descriptor got = store.lookup(REF).orElseThrow();
    assertEquals(a.digest(), got.digest());
    assertEquals(Map.of(Descriptor.REF_NAME, REF, Descriptor.CONTAINERD_NAME, REF), got.annotations());
    store.record(REF, b);
    assertEquals(b.digest(), store.lookup(REF).orElseThrow().digest());
    assertEquals(1, store.references().size(), "one descriptor per name");
    assertTrue(store.remove(REF));
    assertFalse(store.remove(REF));
    assertEquals(Optional.empty(), store.lookup(REF));
  }

  @Test
  void keepsWhatOtherToolsWroteInIndexJson() throws Exception {
    String foreign = "{\"schemaVersion\":2,\"annotations\":{\"tool\":\"umoci\"},\"manifests\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + Digest.sha256(new byte[] {9})
        + "\",\"size\":5,\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"},\"x-extra\":[1,2]},"
        + "{\"digest\":\"sha384:abc\",\"size\":1}]}";
    Files.writeString(store.root().resolve("index.json"), foreign);
    store.record(REF, new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[] {1}), 10));
    JsonNode index = Json.MAPPER.readTree(store.root().resolve("index.json").toFile());
    assertEquals("umoci", index.get("annotations").get("tool").asText());
    assertEquals(3, index.get("manifests").size());
    assertEquals("[1,2]", index.get("manifests").get(0).get("x-extra").toString());
    assertEquals("sha384:abc", index.get("manifests").get(1).get("digest").asText());
    assertTrue(store.lookup("latest").isPresent());
    assertEquals(2, store.references().size(), "an entry jpull cannot read is kept but not listed");
  }

  @Test
  void aDamagedIndexIsReportedNotOverwritten() throws Exception {
    Files.writeString(store.root().resolve("index.json"), "{\"manifests\": [");
    JpullException e = assertThrows(JpullException.class,
        () -> store.record(REF, new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[] {1}), 1)));
    assertEquals(Kind.LOCAL_IO, e.kind());
    assertTrue(e.getMessage().contains("index.json is not valid JSON"), e.getMessage());
    assertEquals("{\"manifests\": [", Files.readString(store.root().resolve("index.json")));
  }

  @Test
  @Timeout(60)
  void eightThreadsRecordingDifferentNamesAllSurvive() throws Exception {
    int n = 8;
    CyclicBarrier start = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<Void>> done = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int id = i;
        // Each thread opens its own store instance: the locks must still agree within one JVM.
        Callable<Void> task = () -> {
          LocalContentStore mine = LocalContentStore.open(store.root());
          start.await();
          for (int round = 0; round < 5; round++) {
            mine.record("registry.test/app:" + id, descriptorOf(new byte[] {(byte) id, (byte) round}));
          }
          return null;
        };
        done.add(pool.submit(task));
      }
      for (Future<Void> f : done) {
        f.get(50, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Set<String> names = store.references().stream()
        .map(d -> d.annotations().get(Descriptor.CONTAINERD_NAME)).collect(Collectors.toSet());
    assertEquals(n, names.size(), names.toString());
    for (int i = 0; i < n; i++) {
      assertEquals(descriptorOf(new byte[] {(byte) i, 4}).digest(),
          store.lookup("registry.test/app:" + i).orElseThrow().digest(), "the last record wins");
    }
  }

  // --- trees ----------------------------------------------------------------------------------------

  @Test
  void treesAreCommittedOnceAndReused() throws Exception {
    Digest chain = Digest.sha256("chain".getBytes(StandardCharsets.UTF_8));
    assertEquals(Optional.empty(), store.completeTree(chain));
    Path temp = store.beginTree(chain);
    assertTrue(temp.startsWith(store.root()));
    assertEquals("rwx------", mode(temp));
    Files.writeString(temp.resolve("hello"), "world");
    Path tree = store.commitTree(chain, temp);
    assertEquals(Optional.of(tree), store.completeTree(chain));
    assertEquals("world", Files.readString(tree.resolve("hello")));
    assertFalse(Files.exists(temp));

    Path second = store.beginTree(chain);
    Files.writeString(second.resolve("hello"), "late");
    assertEquals(tree, store.commitTree(chain, second), "the first complete tree wins");
    assertFalse(Files.exists(second), "the loser's temp tree is discarded");
    assertEquals("world", Files.readString(tree.resolve("hello")));
  }

  @Test
  void aTreeWithoutItsMarkerIsNotCompleteAndIsReplaced() throws Exception {
    Digest chain = Digest.sha256("half".getBytes(StandardCharsets.UTF_8));
    Path stale = store.root().resolve("rootfs").resolve(chain.hex());
    Files.createDirectories(stale.resolve("partial"));
    assertEquals(Optional.empty(), store.completeTree(chain), "an unpack killed before its marker");
    Path temp = store.beginTree(chain);
    Files.writeString(temp.resolve("full"), "yes");
    Path tree = store.commitTree(chain, temp);
    assertTrue(Files.exists(tree.resolve("full")));
    assertFalse(Files.exists(tree.resolve("partial")));
  }

  @Test
  void discardsATreeWithUnreadableAndReadOnlyDirectories() throws Exception {
    Path temp = store.beginTree(Digest.sha256(new byte[] {7}));
    Path locked = Files.createDirectories(temp.resolve("a/locked"));
    Files.writeString(locked.resolve("secret"), "s");
    Path readOnly = Files.createDirectories(temp.resolve("b/ro"));
    Files.writeString(readOnly.resolve("file"), "f");
    Files.createSymbolicLink(temp.resolve("escape"), dir); // must not be followed
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
    Files.setPosixFilePermissions(temp.resolve("b"), PosixFilePermissions.fromString("r-xr-xr-x"));
    Path deep = temp;
    for (int i = 0; i < 2000; i++) {
      deep = deep.resolve("d");
    }
    Files.createDirectories(deep);
    store.discardTree(temp);
    assertFalse(Files.exists(temp, LinkOption.NOFOLLOW_LINKS));
    assertTrue(Files.exists(dir.resolve("store")), "the symlink target survived");
    assertThrows(IllegalArgumentException.class, () -> store.discardTree(dir));
  }

  // --- gc and fsck ----------------------------------------------------------------------------------

  private TestImage pulledImage(String seed) throws Exception {
    TestImage image = TestImage.of(seed, 2);
    image.writeBlobs(store);
    store.record("registry.test/" + seed + ":1", image.manifest());
    Path temp = store.beginTree(image.chainId());
    Files.writeString(temp.resolve("file"), seed);
    store.commitTree(image.chainId(), temp);
    return image;
  }

  @Test
  void gcKeepsWhatReferencesUseAndRemovesTheRest() throws Exception {
    TestImage kept = pulledImage("kept");
    TestImage dropped = pulledImage("dropped");
    assertTrue(store.remove("registry.test/dropped:1"));
    byte[] partial = random(1000, 30);
    try (Writer w = open(descriptorOf(partial))) {
      w.stream().write(partial, 0, 500);
    }
    Path strayTree = store.beginTree(Digest.sha256(new byte[] {3}));
    Files.writeString(store.root().resolve("index.json.tmp"), "{");

    GcReport report = store.gc();

    assertEquals(dropped.blobs().size(), report.blobsRemoved(), report.toString());
    assertEquals(kept.blobs().size(), report.blobsKept());
    assertEquals(1, report.ingestsRemoved());
    assertEquals(1, report.treesRemoved());
    assertEquals(1, report.treesKept());
    assertTrue(report.bytesFreed() >= 500, report.toString());
    for (Descriptor l : kept.layers()) {
      assertTrue(store.contains(l.digest()));
    }
    assertTrue(store.contains(kept.manifest().digest()));
    assertTrue(store.completeTree(kept.chainId()).isPresent());
    assertFalse(store.contains(dropped.manifest().digest()));
    assertFalse(store.contains(dropped.config().digest()));
    assertTrue(store.completeTree(dropped.chainId()).isEmpty());
    assertFalse(Files.exists(strayTree));
    assertFalse(Files.exists(store.root().resolve("index.json.tmp")));
    try (Writer w = open(descriptorOf(partial))) {
      assertEquals(0, w.offset(), "the stale ingest is gone");
    }
    assertEquals(0, store.gc().blobsRemoved(), "a second gc finds nothing more");
  }

  /**
   * Bug: every blob a pull writes leaves its lock file in locks/ (a kernel lock needs a file), and gc
   * counted each one it deleted as a "stray file", so a gc after any pull reported dozens of strays.
   */
  @Test
  void gcDoesNotCountBlobLockFilesAsStrayFiles() throws Exception {
    pulledImage("kept");
    TestImage dropped = pulledImage("dropped");
    assertTrue(store.remove("registry.test/dropped:1"));
    try (var locks = Files.list(store.root().resolve("locks"))) {
      assertTrue(locks.count() > 2, "the pulls left their per-blob lock files");
    }
    GcReport report = store.gc();
    assertEquals(dropped.blobs().size(), report.blobsRemoved(), report.toString());
    assertEquals(0, report.strayFilesRemoved(), report.toString());
  }

  @SuppressWarnings("try") // the resource is a lock, held for the block
  @Test
  @Timeout(30)
  void gcWaitsForAnActiveLease() throws Exception {
    byte[] orphan = random(100, 31);
    try (Writer w = open(descriptorOf(orphan))) {
      w.stream().write(orphan);
      w.commit();
    }
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<GcReport> gc;
      try (var lease = store.lease()) {
        gc = pool.submit(() -> store.gc());
        Thread.sleep(500);
        assertFalse(gc.isDone(), "gc must wait while a pull holds a lease");
        assertTrue(store.contains(descriptorOf(orphan).digest()), "nothing swept under the lease");
      }
      assertEquals(1, gc.get(10, TimeUnit.SECONDS).blobsRemoved());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void fsckFindsCorruptZeroLengthAndStrayFilesAndRepairDropsThem() throws Exception {
    TestImage image = pulledImage("fsck");
    assertTrue(store.fsck(false).ok(), store.fsck(false).toString());
    Digest layer = image.layers().get(0).digest();
    corrupt(layer);
    Digest empty = Digest.sha256(new byte[] {5, 5});
    Files.createFile(store.blobPath(empty));
    Files.writeString(store.root().resolve("blobs/sha256/oci-put-blob123"), "temp");

    FsckReport found = store.fsck(false);
    assertFalse(found.ok());
    assertEquals(Set.of(layer, empty), Set.copyOf(found.corruptBlobs()));
    assertEquals(List.of("blobs/sha256/oci-put-blob123"), found.strayFiles());
    assertEquals(0, found.removed());
    assertTrue(store.contains(layer), "a check without repair changes nothing");

    FsckReport repaired = store.fsck(true);
    assertEquals(3, repaired.removed());
    assertFalse(store.contains(layer));
    FsckReport after = store.fsck(false);
    assertEquals(List.of(), after.corruptBlobs());
    assertEquals(1, after.referenceProblems().size(), after.toString());
    assertTrue(after.referenceProblems().get(0).contains(layer + " is missing"), after.toString());
  }

  @Test
  void fsckReportsAReferenceWithoutItsTree() throws Exception {
    TestImage image = TestImage.of("notree", 1);
    image.writeBlobs(store);
    store.record("registry.test/notree:1", image.manifest());
    FsckReport r = store.fsck(false);
    assertTrue(r.ok(), r.toString());
    assertEquals(1, r.referencesWithoutTree().size());
  }

  // --- store trust (issue 12) -----------------------------------------------------------------------

  @Test
  void aFirstOpenThatStopsAfterItsFirstStepStillLeavesALayout() throws IOException {
    Path p = dir.resolve("half");
    Files.createDirectories(p);
    Files.writeString(p.resolve("blobs"), "not a directory"); // the step after the layout fails
    assertThrows(IOException.class, () -> LocalContentStore.open(p));
    assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(p.resolve("oci-layout")),
        "oci-layout is written before anything else");
    try (Stream<Path> s = Files.list(p)) {
      assertEquals(List.of("blobs", "oci-layout"), s.map(f -> f.getFileName().toString()).sorted().toList(),
          "no temp file left behind");
    }
  }

  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"rwxrwx---", "rwx---rwx", "rwxrwxrwx"})
  void refusesAStoreRootThatGroupOrOthersCanWrite(String mode) throws IOException {
    Path root = store.root();
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString(mode));
    try {
      JpullException e = assertThrows(JpullException.class, () -> LocalContentStore.open(root));
      assertEquals(Kind.LOCAL_IO, e.kind());
      assertEquals("store " + root + " is unusable: group or others can write to it (" + mode + ")", e.getMessage());
      assertTrue(e.hint().contains("chmod go-w " + root), e.hint());
    } finally {
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    }
    LocalContentStore.open(root);
  }

  @Test
  void aStickyWorldWritableStoreRootIsRefusedToo() throws IOException {
    Path root = store.root();
    Files.setAttribute(root, "unix:mode", 01777);
    try {
      JpullException e = assertThrows(JpullException.class, () -> LocalContentStore.open(root));
      assertEquals(Kind.LOCAL_IO, e.kind());
    } finally {
      Files.setAttribute(root, "unix:mode", 0700);
    }
  }

  @Test
  void aNewStoresDirectoriesAreNotWritableByGroupOrOthers() throws IOException {
    Path root = store.root();
    for (String d : List.of("", "blobs", "blobs/sha256", "ingest", "locks", "rootfs", "tmp")) {
      Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(root.resolve(d),
          LinkOption.NOFOLLOW_LINKS);
      assertFalse(perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE), d);
      assertFalse(perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE), d);
    }
  }

  private byte[] storeBlob(byte[] bytes) throws Exception {
    Descriptor d = descriptorOf(bytes);
    try (Writer w = store.writer(d).orElseThrow()) {
      w.stream().write(bytes);
      w.commit();
    }
    return bytes;
  }

  /** Rewrites a committed (read-only) blob, as a crash or a disk error would. */
  private void damage(Digest d, byte[] bytes) throws IOException {
    Path blob = store.blobPath(d);
    Files.setPosixFilePermissions(blob, PosixFilePermissions.fromString("rw-------"));
    Files.write(blob, bytes);
    Files.setPosixFilePermissions(blob, PosixFilePermissions.fromString("r--r--r--"));
  }

  @Test
  void aBlobTruncatedOnDiskIsMissingAndFetchedAgain() throws Exception {
    byte[] bytes = storeBlob("a layer that a crash cut short".getBytes(StandardCharsets.UTF_8));
    Descriptor d = descriptorOf(bytes);
    damage(d.digest(), java.util.Arrays.copyOf(bytes, 7));
    assertFalse(store.contains(d), "a blob of another size than its descriptor counts as missing");
    Optional<Writer> again = store.writer(d);
    assertTrue(again.isPresent(), "the damaged blob is fetched again");
    try (Writer w = again.get()) {
      assertEquals(0, w.offset());
      w.stream().write(bytes);
      w.commit();
    }
    assertTrue(store.contains(d));
    assertArrayEquals(bytes, Files.readAllBytes(store.blobPath(d.digest())));
  }

  @Test
  void aDescriptorThatLiesAboutAGoodBlobsSizeDoesNotCostTheBlob() throws Exception {
    byte[] bytes = storeBlob("shared by another image".getBytes(StandardCharsets.UTF_8));
    Descriptor lie = new Descriptor("", Digest.sha256(bytes), bytes.length + 5L);
    assertFalse(store.contains(lie));
    JpullException e = assertThrows(JpullException.class, () -> store.writer(lie));
    assertEquals(Kind.VERIFICATION, e.kind());
    assertTrue(e.getMessage().contains("the descriptor says " + (bytes.length + 5) + " bytes, the blob has "
        + bytes.length), e.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(store.blobPath(lie.digest())), "the good blob stays");
    assertTrue(store.writer(descriptorOf(bytes)).isEmpty(), "and its lock was released");
  }

  @Test
  void fsckReportsABlobWhoseSizeDiffersFromItsDescriptorAndRepairDropsIt() throws Exception {
    TestImage image = pulledImage("short");
    Descriptor layer = image.layers().get(0);
    damage(layer.digest(), new byte[10]);
    FsckReport found = store.fsck(false);
    assertFalse(found.ok());
    assertEquals(List.of(layer.digest()), found.corruptBlobs());
    assertTrue(found.referenceProblems().stream().anyMatch(p -> p.contains(layer.digest()
        + " does not have the descriptor's size of " + layer.size() + " bytes")), found.toString());
    assertEquals(1, store.fsck(true).removed());
    assertFalse(store.contains(layer.digest()));
  }

  @Test
  void gcKeepsALiveTreeKeyedByASha512ChainId() throws Exception {
    byte[] tar = new dev.jpull.testing.TarBuilder().mtime(0).file("etc/sha512", "x").build();
    Descriptor layer = new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(tar), tar.length);
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-512");
    md.update(tar);
    Digest diffId = Digest.of("sha512", md);
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
    Descriptor configDesc = new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
        + json(configDesc) + ",\"layers\":[" + json(layer) + "]}").getBytes(StandardCharsets.UTF_8);
    Descriptor manifestDesc = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(manifest), manifest.length);
    for (byte[] b : List.of(tar, config, manifest)) {
      storeBlob(b);
    }
    store.record("registry.test/sha512:1", manifestDesc);
    Path temp = store.beginTree(diffId);
    Files.writeString(temp.resolve("file"), "kept");
    Path tree = store.commitTree(diffId, temp);

    GcReport r = store.gc();
    assertEquals(0, r.treesRemoved(), r.toString());
    assertEquals(1, r.treesKept(), r.toString());
    assertEquals(Optional.of(tree), store.completeTree(diffId));
    assertEquals("kept", Files.readString(tree.resolve("file")));
  }

  private static String json(Descriptor d) {
    return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void gcAndFsckNeverOpenAFifoOrADeviceInTheStore() throws Exception {
    Digest fake = Digest.sha256(new byte[] {9, 9});
    List<Path> nodes = new ArrayList<>();
    nodes.add(store.blobPath(fake));
    Path ingest = Files.createDirectories(store.root().resolve("ingest").resolve(fake.hex()));
    nodes.add(ingest.resolve("data"));
    Path temp = store.beginTree(fake);
    nodes.add(temp.resolve("fifo"));
    Path stale = Files.createDirectories(store.root().resolve("rootfs").resolve(fake.hex()));
    nodes.add(stale.resolve("fifo"));
    for (Path n : nodes) {
      mknod(n, "p");
    }
    if ("root".equals(System.getProperty("user.name"))) { // an ordinary user cannot make devices; root also checks them
      mknod(temp.resolve("null"), "c", "1", "3");
      mknod(stale.resolve("tty"), "c", "5", "0");
    }
    FsckReport f = store.fsck(false);
    assertEquals(List.of("blobs/sha256/" + fake.hex()), f.strayFiles(), f.toString());
    store.fsck(true);
    GcReport r = store.gc();
    assertTrue(r.ingestsRemoved() == 1 && r.strayFilesRemoved() >= 1, r.toString());
    for (Path n : nodes) {
      assertFalse(Files.exists(n, LinkOption.NOFOLLOW_LINKS), n.toString());
    }
  }

  private static void mknod(Path p, String... typeAndNumbers) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(typeAndNumbers[0].equals("p") ? "mkfifo" : "mknod", p.toString()));
    if (!typeAndNumbers[0].equals("p")) {
      cmd.addAll(List.of(typeAndNumbers));
    }
    Process proc = new ProcessBuilder(cmd).inheritIO().start();
    assertEquals(0, proc.waitFor(), String.join(" ", cmd));
  }
}
