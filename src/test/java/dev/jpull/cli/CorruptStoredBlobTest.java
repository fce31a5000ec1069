package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.testing.PullEvents;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 14, "every blob read from the store goes through the verifying stream": a stored blob overwritten with
 * bytes of the same size but other content (so it still counts as present) fails whatever reads it, with exit 7
 * and an error line that names it — {@code pull} (whose unpack reads it from the store), {@code unpack},
 * {@code export} in every format, {@code inspect --local} — and {@code fsck} reports it. A blob of the wrong
 * size is missing instead: {@code pull} fetches it again and succeeds.
 *
 * <p>Each corruption keeps the blob meaningful, so only its digest can tell: the layer differs in its gzip
 * header's MTIME (the same tar inflates, so the diff ID still matches), the config in one digit of
 * {@code created} (the same JSON shape), the manifest in the order of its first two members (the same
 * manifest). Runs in process against a scripted registry on loopback.
 */
class CorruptStoredBlobTest {
  @StartStop
  final MockWebServer server = new MockWebServer();

  @TempDir
  Path dir;

  private static final String REPO = "corrupt/image";
  /** Two layers, gzip, OCI media types. */
  static final TestImage IMAGE = TestImage.of(List.of(
      new TarBuilder().dir("etc").file("etc/base", "base\n").build(),
      new TarBuilder().dir("app").file("app/top", "top\n").build()), true);

  /** Requests by method and path, e.g. "GET /v2/corrupt/image/blobs/sha256:…". */
  private final Map<String, Integer> requests = new ConcurrentHashMap<>();
  private Path store;
  private String ref;
  /** The store's tree of the image after the first pull. */
  private Path tree;

  /** Which stored blob is overwritten. */
  enum Victim {
    LAYER, CONFIG, MANIFEST;

    Digest digest() {
      return switch (this) {
        case LAYER -> IMAGE.layerDigests.get(1);
        case CONFIG -> IMAGE.configDigest;
        case MANIFEST -> IMAGE.manifestDigest;
      };
    }

    /** The same number of bytes, other content, still meaningful: only the digest can tell. */
    byte[] corrupted() {
      byte[] good = IMAGE.blobs.getOrDefault(digest(), IMAGE.manifest).clone();
      byte[] bad = switch (this) {
        case LAYER -> {
          // RFC 1952: bytes 4 to 7 are MTIME, which no decoder checks; the deflate data is untouched.
          assertEquals(0x1f, good[0] & 0xff, "a gzip layer");
          good[4] ^= 0x01;
          yield good;
        }
        case CONFIG -> replaceOnce(good, "\"created\":\"2024-01-01T00:00:00Z\"", "\"created\":\"2024-01-02T00:00:00Z\"");
        case MANIFEST -> replaceOnce(good, "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",",
            "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"schemaVersion\":2,");
      };
      assertEquals(IMAGE.blobs.getOrDefault(digest(), IMAGE.manifest).length, bad.length, "same size");
      assertFalse(Digest.sha256(bad).equals(digest()), "other content");
      return bad;
    }
  }

  private static byte[] replaceOnce(byte[] bytes, String from, String to) {
    String s = new String(bytes, StandardCharsets.UTF_8);
    assertTrue(s.contains(from), "fixture has " + from + ": " + s);
    return s.replace(from, to).getBytes(StandardCharsets.UTF_8);
  }

  @BeforeEach
  void pullTheImageOnce() throws IOException {
    server.setDispatcher(new Registry());
    ref = server.getHostName() + ":" + server.getPort() + "/" + REPO + ":1";
    store = dir.resolve("store");
    InProcess.Result first = jpull("pull", "--plain-http", "--progress", "json", ref);
    assertEquals(0, first.exit(), first.toString());
    JsonNode done = PullEvents.terminal(PullEvents.parse(first.stdout()), "done");
    tree = Path.of(done.get("rootfs").asText());
    assertEquals("top\n", Files.readString(tree.resolve("app/top")), "the fixture unpacks");
    for (Digest d : IMAGE.blobs.keySet()) {
      assertEquals(1, gets(d), "each blob fetched once by the first pull: " + requests);
    }
    InProcess.Result fsck = jpull("fsck");
    assertEquals(0, fsck.exit(), "a clean store to start from: " + fsck);
  }

  // --- same size, other bytes: exit 7 naming the blob -------------------------------------------------------

  /** {@code pull --rootfs DIR}: never "up to date", so the unpack reads every layer from the store. */
  @ParameterizedTest
  @EnumSource(Victim.class)
  void pullIntoAFreshRootfsFailsNamingTheCorruptBlob(Victim victim) throws IOException {
    corrupt(victim);
    Path rootfs = dir.resolve("fresh-rootfs");
    InProcess.Result r = jpull("pull", "--plain-http", "--rootfs", rootfs.toString(), ref);
    assertExit7NamingIt(r, victim);
    assertAbsentOrEmpty(rootfs);
    assertNotFetchedAgain(victim);
  }

  /** The store's own tree removed: the pull unpacks again, reading the blobs it holds. */
  @ParameterizedTest
  @EnumSource(Victim.class)
  void pullAfterItsTreeIsRemovedFailsNamingTheCorruptBlob(Victim victim) throws IOException {
    corrupt(victim);
    removeTree();
    InProcess.Result r = jpull("pull", "--plain-http", ref);
    assertExit7NamingIt(r, victim);
    assertFalse(Files.exists(tree, LinkOption.NOFOLLOW_LINKS), "no tree is committed from a corrupt blob");
    assertFalse(Files.exists(marker()), "no completion marker");
    assertNotFetchedAgain(victim);
  }

  @ParameterizedTest
  @EnumSource(Victim.class)
  void unpackFailsNamingTheCorruptBlob(Victim victim) throws IOException {
    corrupt(victim);
    Path target = dir.resolve("unpacked");
    InProcess.Result r = jpull("unpack", ref, target.toString());
    assertExit7NamingIt(r, victim);
    assertAbsentOrEmpty(target);
  }

  @ParameterizedTest
  @EnumSource(Victim.class)
  void exportAsAnOciLayoutFailsNamingTheCorruptBlob(Victim victim) throws IOException {
    corrupt(victim);
    Path layout = dir.resolve("layout");
    InProcess.Result r = jpull("export", "--local", "--progress", "quiet", "--format", "oci", ref, layout.toString());
    assertExit7NamingIt(r, victim);
    assertNoCopyOf(victim, layout);
  }

  @ParameterizedTest
  @EnumSource(Victim.class)
  void exportAsAnOciArchiveFailsNamingTheCorruptBlob(Victim victim) throws IOException {
    corrupt(victim);
    Path archive = dir.resolve("image-oci.tar");
    InProcess.Result r = jpull("export", "--local", "--progress", "quiet", "--format", "oci-archive", ref,
        archive.toString());
    assertExit7NamingIt(r, victim);
    assertFalse(Files.exists(archive), "no archive is left: " + archive);
  }

  @ParameterizedTest
  @EnumSource(Victim.class)
  void exportAsADockerArchiveFailsNamingTheCorruptBlob(Victim victim) throws IOException {
    corrupt(victim);
    Path archive = dir.resolve("image-docker.tar");
    InProcess.Result r = jpull("export", "--local", "--progress", "quiet", "--format", "docker-archive", ref,
        archive.toString());
    assertExit7NamingIt(r, victim);
    assertFalse(Files.exists(archive), "no archive is left: " + archive);
  }

  /** {@code --raw} prints the stored manifest's bytes: they must be the ones the digest names. */
  @Test
  void inspectLocalRawFailsNamingTheCorruptManifest() throws IOException {
    corrupt(Victim.MANIFEST);
    InProcess.Result r = jpull("inspect", "--local", "--raw", ref);
    assertExit7NamingIt(r, Victim.MANIFEST);
    assertFalse(r.stdout().contains("schemaVersion"), "no unverified manifest bytes reach stdout: " + r);
  }

  /** {@code --config} prints the stored config, and the summary is made from it: both read it verified. */
  @Test
  void inspectLocalOfTheConfigOrTheSummaryFailsNamingTheCorruptConfig() throws IOException {
    corrupt(Victim.CONFIG);
    InProcess.Result config = jpull("inspect", "--local", "--config", ref);
    assertExit7NamingIt(config, Victim.CONFIG);
    assertFalse(config.stdout().contains("2024-01-02"), "no unverified config bytes reach stdout: " + config);
    InProcess.Result summary = jpull("inspect", "--local", ref);
    assertExit7NamingIt(summary, Victim.CONFIG);
  }

  /** fsck exits 7 and lists the corrupt blob, and only it; without --repair it stays. */
  @ParameterizedTest
  @EnumSource(Victim.class)
  void fsckReportsTheCorruptBlob(Victim victim) throws IOException {
    corrupt(victim);
    InProcess.Result r = jpull("fsck");
    assertEquals(7, r.exit(), r.toString());
    List<String> corrupt = r.stdout().lines().filter(l -> l.startsWith("corrupt blob: ")).toList();
    assertEquals(List.of("corrupt blob: " + victim.digest()), corrupt, r.toString());
    r.errorLine();
    assertTrue(Files.exists(blob(victim.digest())), "without --repair nothing is deleted");
  }

  // --- the wrong size: missing, fetched again --------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(value = Victim.class, names = {"LAYER", "CONFIG"})
  void aTruncatedBlobIsMissingAndThePullFetchesItAgain(Victim victim) throws IOException {
    byte[] good = IMAGE.blobs.get(victim.digest());
    overwrite(victim.digest(), Arrays.copyOf(good, good.length / 2));
    InProcess.Result r = jpull("pull", "--plain-http", ref);
    assertEquals(0, r.exit(), "a blob of the wrong size counts as missing: " + r);
    assertEquals(2, gets(victim.digest()), "fetched again: " + requests);
    assertArrayEquals(good, Files.readAllBytes(blob(victim.digest())), "the store holds the right bytes again");
    InProcess.Result fsck = jpull("fsck");
    assertEquals(0, fsck.exit(), fsck.toString());
  }

  @Test
  void aTruncatedLayerIsFetchedAgainForAFreshRootfs() throws IOException {
    Digest layer = Victim.LAYER.digest();
    byte[] good = IMAGE.blobs.get(layer);
    overwrite(layer, Arrays.copyOf(good, good.length - 1));
    Path rootfs = dir.resolve("fresh-rootfs");
    InProcess.Result r = jpull("pull", "--plain-http", "--rootfs", rootfs.toString(), ref);
    assertEquals(0, r.exit(), r.toString());
    assertEquals(2, gets(layer), "fetched again: " + requests);
    assertEquals("top\n", Files.readString(rootfs.resolve("app/top")));
    assertArrayEquals(good, Files.readAllBytes(blob(layer)));
  }

  // --- helpers ---------------------------------------------------------------------------------------------

  private InProcess.Result jpull(String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of("--store", store.toString(), "--hosts-dir",
        Files.createDirectories(dir.resolve("hosts")).toString()));
    all.addAll(List.of(args));
    return InProcess.run(all.toArray(String[]::new));
  }

  private Path blob(Digest d) {
    return store.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
  }

  private void corrupt(Victim victim) throws IOException {
    overwrite(victim.digest(), victim.corrupted());
  }

  /** Replaces a committed blob's bytes in place (blobs are read-only; the mode is put back). */
  private void overwrite(Digest d, byte[] bytes) throws IOException {
    Path file = blob(d);
    assertTrue(Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS), "stored: " + file);
    var mode = Files.getPosixFilePermissions(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    Files.write(file, bytes);
    Files.setPosixFilePermissions(file, mode);
  }

  private Path marker() {
    return Path.of(tree + ".complete");
  }

  /** Removes the store's tree of the image and its completion marker, as a user's {@code rm -rf} would. */
  private void removeTree() throws IOException {
    Files.deleteIfExists(marker());
    try (Stream<Path> all = Files.walk(tree)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
        Files.delete(p);
      }
    }
  }

  private static void assertExit7NamingIt(InProcess.Result r, Victim victim) {
    assertEquals(7, r.exit(), victim + " " + victim.digest() + " corrupt in the store: " + r);
    String line = r.errorLine();
    assertTrue(line.contains(victim.digest().toString()), "the error line names the corrupt blob "
        + victim.digest() + ": " + line);
  }

  /** A pull that fails on a stored blob has read the blob it holds, not fetched another copy. */
  private void assertNotFetchedAgain(Victim victim) {
    if (victim != Victim.MANIFEST) { // a manifest may be fetched by digest when its stored copy does not verify
      assertEquals(1, gets(victim.digest()), "the pull read the stored copy (present by size): " + requests);
    }
  }

  private static void assertAbsentOrEmpty(Path target) throws IOException {
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> entries = Files.list(target)) {
        assertEquals(List.of(), entries.toList(), "a failed unpack leaves " + target + " empty");
      }
    }
  }

  /** A failed export writes no copy of the corrupt blob under the layout. */
  private static void assertNoCopyOf(Victim victim, Path layout) throws IOException {
    Path copy = layout.resolve("blobs").resolve("sha256").resolve(victim.digest().hex());
    if (Files.exists(copy)) {
      assertFalse(Arrays.equals(victim.corrupted(), Files.readAllBytes(copy)), "the corrupt bytes were exported to "
          + copy);
    }
  }

  private int gets(Digest d) {
    return requests.getOrDefault("GET /v2/" + REPO + "/blobs/" + d, 0);
  }

  /** The image under tag 1 and by digest, its blobs, and a record of every request. */
  private final class Registry extends Dispatcher {
    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String path = request.getUrl().encodedPath();
      requests.merge(request.getMethod() + " " + path, 1, Integer::sum);
      MockResponse answer = answer(path);
      return request.getMethod().equals("HEAD")
          ? new MockResponse.Builder().code(answer.getCode()).headers(answer.getHeaders()).build()
          : answer;
    }

    private MockResponse answer(String path) {
      if (path.equals("/v2/")) {
        return new MockResponse.Builder().code(200).build();
      }
      if (path.equals("/v2/" + REPO + "/manifests/1") || path.equals("/v2/" + REPO + "/manifests/" + IMAGE.manifestDigest)) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", IMAGE.manifestType)
            .addHeader("Docker-Content-Digest", IMAGE.manifestDigest.toString())
            .body(new Buffer().write(IMAGE.manifest)).build();
      }
      String prefix = "/v2/" + REPO + "/blobs/";
      if (path.startsWith(prefix)) {
        byte[] blob = IMAGE.blobs.entrySet().stream().filter(e -> e.getKey().toString().equals(path.substring(
            prefix.length()))).map(Map.Entry::getValue).findFirst().orElse(null);
        if (blob != null) {
          return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/octet-stream")
              .body(new Buffer().write(blob)).build();
        }
      }
      return new MockResponse.Builder().code(404).addHeader("Content-Type", "application/json")
          .body("{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"unknown\"}]}").build();
    }
  }
}
