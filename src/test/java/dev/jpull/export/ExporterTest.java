package dev.jpull.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import dev.jpull.oci.Platform;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.image.Image;
import dev.jpull.reference.Reference;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExporterTest {
  private static final PlatformMatcher AMD64 = PlatformMatcher.only(Platform.of("linux", "amd64", null));

  @TempDir
  Path dir;

  LocalContentStore store;
  Reference ref;

  @BeforeEach
  void open() throws Exception {
    store = LocalContentStore.open(dir.resolve("store"));
    ref = Reference.parse("registry.test:5000/team/app:1.2");
  }

  private Image stored(TestImage image) throws Exception {
    Descriptor root = StoreFixture.record(store, ref.toString(), image);
    return Image.find(store, root, AMD64, ref.toString()).orElseThrow();
  }

  /** A tar's entries in order, with their content (test images are small). */
  private record Entry(TarArchiveEntry header, byte[] content) {}

  private static Map<String, Entry> entries(byte[] tar) throws IOException {
    Map<String, Entry> out = new LinkedHashMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        assertFalse(out.containsKey(e.getName()), "duplicate entry " + e.getName());
        out.put(e.getName(), new Entry(e, in.readAllBytes()));
      }
    }
    return out;
  }

  private static void assertReproducibleHeaders(Map<String, Entry> entries) {
    for (Entry e : entries.values()) {
      String n = e.header().getName();
      assertEquals(0L, e.header().getModTime().getTime(), n + " mtime");
      assertEquals(0L, e.header().getLongUserId(), n + " uid");
      assertEquals(0L, e.header().getLongGroupId(), n + " gid");
      assertEquals("", e.header().getUserName(), n + " user name");
      assertEquals("", e.header().getGroupName(), n + " group name");
    }
  }

  private static String sha256(byte[] b) {
    return Digest.sha256(b).toString();
  }

  @Test
  void ociArchiveIsTheLayoutWithTheManifestNamedByTagAndIsReproducible() throws Exception {
    TestImage image = TestImage.of(TestImage.standardLayers(), true);
    Image stored = stored(image);
    LayoutContent content = LayoutContent.of(store, stored, LayoutContent.annotations(ref));
    ByteArrayOutputStream first = new ByteArrayOutputStream();
    new Exporter(store).ociArchive(content, first);
    ByteArrayOutputStream second = new ByteArrayOutputStream();
    new Exporter(store).ociArchive(content, second);
    assertArrayEquals(first.toByteArray(), second.toByteArray(), "two exports of one image are identical");

    Map<String, Entry> entries = entries(first.toByteArray());
    List<String> expected = new ArrayList<>(List.of("oci-layout", "index.json", "blobs/", "blobs/sha256/",
        "blobs/sha256/" + image.manifestDigest.hex(), "blobs/sha256/" + image.configDigest.hex()));
    image.layerDigests.forEach(l -> expected.add("blobs/sha256/" + l.hex()));
    assertEquals(expected, List.copyOf(entries.keySet()));
    assertReproducibleHeaders(entries);
    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      if (e.getKey().startsWith("blobs/sha256/") && !e.getValue().header().isDirectory()) {
        assertEquals("sha256:" + e.getKey().substring("blobs/sha256/".length()), sha256(e.getValue().content()));
      }
    }
    assertArrayEquals(image.manifest, entries.get("blobs/sha256/" + image.manifestDigest.hex()).content(),
        "the manifest is exported byte for byte");
    assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", new String(entries.get("oci-layout").content(), StandardCharsets.UTF_8));
    JsonNode index = Json.MAPPER.readTree(entries.get("index.json").content());
    assertEquals(2, index.get("schemaVersion").asInt());
    assertEquals(MediaTypes.OCI_INDEX, index.get("mediaType").asText());
    assertEquals(1, index.get("manifests").size());
    JsonNode m = index.get("manifests").get(0);
    assertEquals(image.manifestDigest.toString(), m.get("digest").asText());
    assertEquals(image.manifest.length, m.get("size").asLong());
    assertEquals(MediaTypes.OCI_MANIFEST, m.get("mediaType").asText());
    assertEquals("1.2", m.get("annotations").get("org.opencontainers.image.ref.name").asText());
    assertEquals("registry.test:5000/team/app:1.2", m.get("annotations").get("io.containerd.image.name").asText());
  }

  @Test
  void ociLayoutDirectoryTakesOverAnEmptyDirectoryAndLeavesNoTemporaries() throws Exception {
    TestImage image = TestImage.of(TestImage.standardLayers(), true);
    Image stored = stored(image);
    Path out = Files.createDirectory(dir.resolve("layout"));
    new Exporter(store).ociLayout(LayoutContent.of(store, stored, LayoutContent.annotations(ref)), out);

    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(Set.of("store", "layout"), s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
    }
    Set<String> want = new java.util.HashSet<>(Set.of(image.manifestDigest.hex(), image.configDigest.hex()));
    image.layerDigests.forEach(l -> want.add(l.hex()));
    assertEquals(want, blobsOf(out));
    JsonNode m = Json.MAPPER.readTree(out.resolve("index.json").toFile()).get("manifests").get(0);
    assertEquals(image.manifestDigest.toString(), m.get("digest").asText());
    assertTrue(PosixFilePermissions.toString(Files.getPosixFilePermissions(out)).startsWith("rwx"),
        "the layout directory is the user's, not a private temporary");
  }

  private static Set<String> blobsOf(Path layout) throws IOException {
    Set<String> blobs;
    try (Stream<Path> s = Files.list(layout.resolve("blobs/sha256"))) {
      blobs = s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
    for (String hex : blobs) {
      assertEquals("sha256:" + hex, sha256(Files.readAllBytes(layout.resolve("blobs/sha256").resolve(hex))));
    }
    return blobs;
  }

  @Test
  void aDockerManifestTakesItsOciFormWithTheSameConfigAndLayers() throws Exception {
    TestImage image = TestImage.of(TestImage.standardLayers(), false);
    Image stored = stored(image);
    Path out = dir.resolve("layout");
    new Exporter(store).ociLayout(LayoutContent.of(store, stored, LayoutContent.annotations(ref)), out);
    JsonNode top = Json.MAPPER.readTree(out.resolve("index.json").toFile()).get("manifests").get(0);
    assertEquals(MediaTypes.OCI_MANIFEST, top.get("mediaType").asText(), "skopeo's oci: reader sees OCI types only");
    Digest converted = Digest.parse(top.get("digest").asText());
    assertNotEquals(image.manifestDigest, converted);
    Set<String> want = new java.util.HashSet<>(Set.of(converted.hex(), image.configDigest.hex()));
    image.layerDigests.forEach(l -> want.add(l.hex()));
    assertEquals(want, blobsOf(out), "the Docker manifest itself is not exported, its OCI form is");
    JsonNode m = Json.MAPPER.readTree(out.resolve("blobs/sha256/" + converted.hex()).toFile());
    assertEquals(MediaTypes.OCI_MANIFEST, m.get("mediaType").asText());
    assertEquals(MediaTypes.OCI_CONFIG, m.get("config").get("mediaType").asText());
    assertEquals(image.configDigest.toString(), m.get("config").get("digest").asText());
    for (int i = 0; i < image.layerDigests.size(); i++) {
      assertEquals(MediaTypes.OCI_LAYER_GZIP, m.get("layers").get(i).get("mediaType").asText());
      assertEquals(image.layerDigests.get(i).toString(), m.get("layers").get(i).get("digest").asText());
    }
    assertEquals(top.get("size").asLong(), Files.size(out.resolve("blobs/sha256/" + converted.hex())));
  }

  @Test
  void aDockerListTakesItsOciFormOverConvertedChildren() throws Exception {
    TestImage a = TestImage.of(List.of(new TarBuilder().file("a", "a").build()), false);
    TestImage b = TestImage.of(List.of(new TarBuilder().file("b", "b").build()), false);
    String list = new String(StoreFixture.index(List.of(a, b), List.of("linux/amd64", "linux/arm64/v8")),
        StandardCharsets.UTF_8).replace(MediaTypes.OCI_INDEX, MediaTypes.DOCKER_LIST);
    StoreFixture.put(store, a);
    StoreFixture.put(store, b);
    Descriptor root = StoreFixture.write(store, list.getBytes(StandardCharsets.UTF_8)).withMediaType(MediaTypes.DOCKER_LIST);
    LayoutContent all = LayoutContent.allPlatforms(store, root, Map.of()).orElseThrow();
    assertEquals(MediaTypes.OCI_INDEX, all.top().mediaType());
    assertEquals(all.top().digest(), Digest.sha256(all.generated(all.top().digest())));
    JsonNode index = Json.MAPPER.readTree(all.generated(all.top().digest()));
    assertEquals(MediaTypes.OCI_INDEX, index.get("mediaType").asText());
    assertEquals("arm64", index.get("manifests").get(1).get("platform").get("architecture").asText());
    for (JsonNode child : index.get("manifests")) {
      assertEquals(MediaTypes.OCI_MANIFEST, child.get("mediaType").asText());
      Digest d = Digest.parse(child.get("digest").asText());
      byte[] manifest = all.generated(d);
      assertEquals(d, Digest.sha256(manifest), "each child points at its OCI form");
      assertEquals(child.get("size").asLong(), manifest.length);
      assertTrue(all.blobs().stream().anyMatch(x -> x.digest().equals(d)));
    }
    assertEquals(1 + 2 + 2 + 2, all.blobs().size());
    assertTrue(all.blobs().stream().noneMatch(x -> x.digest().equals(a.manifestDigest)));
  }

  @ParameterizedTest(name = "{0} layers")
  @ValueSource(strings = {"gzip oci", "gzip docker", "zstd"})
  void dockerArchiveHoldsUncompressedLayersByDiffIdAndTheManifestJson(String kind) throws Exception {
    List<byte[]> tars = TestImage.standardLayers();
    TestImage image = switch (kind) {
      case "gzip oci" -> TestImage.of(tars, true);
      case "gzip docker" -> TestImage.of(tars, false);
      default -> TestImage.zstd(tars);
    };
    Image stored = stored(image);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Exporter(store).dockerArchive(stored, ref, out);
    Map<String, Entry> entries = entries(out.toByteArray());
    assertReproducibleHeaders(entries);
    assertDockerArchive(entries, image.configDigest, image.blobs.get(image.configDigest), tars);
  }

  private void assertDockerArchive(Map<String, Entry> entries, Digest config, byte[] configBytes, List<byte[]> tars)
      throws Exception {
    JsonNode manifest = Json.MAPPER.readTree(entries.get("manifest.json").content());
    assertEquals(1, manifest.size());
    JsonNode m = manifest.get(0);
    assertEquals(config.hex() + ".json", m.get("Config").asText());
    assertArrayEquals(configBytes, entries.get(config.hex() + ".json").content(), "the config byte for byte");
    assertEquals("registry.test:5000/team/app:1.2", m.get("RepoTags").get(0).asText());
    assertEquals(tars.size(), m.get("Layers").size());
    String top = null;
    for (int i = 0; i < tars.size(); i++) {
      String diffHex = Digest.sha256(tars.get(i)).hex();
      assertEquals(diffHex + ".tar", m.get("Layers").get(i).asText());
      assertArrayEquals(tars.get(i), entries.get(diffHex + ".tar").content(), "layer " + i + " is the uncompressed tar");
      top = i == 0 ? diffHex : Digest.sha256((top + " " + diffHex).getBytes(StandardCharsets.US_ASCII)).hex();
      TarArchiveEntry link = entries.get(top + "/layer.tar").header();
      assertTrue(link.isSymbolicLink());
      assertEquals("../" + diffHex + ".tar", link.getLinkName());
      assertEquals("1.0", new String(entries.get(top + "/VERSION").content(), StandardCharsets.US_ASCII));
    }
    JsonNode legacyTop = Json.MAPPER.readTree(entries.get(top + "/json").content());
    assertEquals(top, legacyTop.get("id").asText());
    assertEquals("linux", legacyTop.get("os").asText());
    JsonNode repositories = Json.MAPPER.readTree(entries.get("repositories").content());
    assertEquals(top, repositories.get("registry.test:5000/team/app").get("1.2").asText());
  }

  @Test
  void dockerArchiveCopiesAnUncompressedLayerAsIs() throws Exception {
    byte[] tar = new TarBuilder().file("hello", "world").build();
    Digest diffId = Digest.sha256(tar);
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + Digest.sha256(config) + "\",\"size\":" + config.length
        + "},\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER + "\",\"digest\":\"" + diffId + "\",\"size\":"
        + tar.length + "}]}").getBytes(StandardCharsets.UTF_8);
    StoreFixture.write(store, tar);
    StoreFixture.write(store, config);
    Descriptor m = StoreFixture.write(store, manifest).withMediaType(MediaTypes.OCI_MANIFEST);
    Image stored = Image.find(store, m, AMD64, "test").orElseThrow();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Exporter(store).dockerArchive(stored, ref, out);
    assertDockerArchive(entries(out.toByteArray()), Digest.sha256(config), config, List.of(tar));
  }

  @Test
  void dockerArchiveByDigestHasNoTags() throws Exception {
    Image stored = stored(TestImage.of(List.of(new TarBuilder().file("a", "a").build()), true));
    Reference byDigest = Reference.parse("registry.test:5000/team/app@" + stored.manifestDescriptor().digest());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Exporter(store).dockerArchive(stored, byDigest, out);
    Map<String, Entry> entries = entries(out.toByteArray());
    assertEquals(0, Json.MAPPER.readTree(entries.get("manifest.json").content()).get(0).get("RepoTags").size());
    assertFalse(entries.containsKey("repositories"));
    assertFalse(LayoutContent.annotations(byDigest).containsKey(Descriptor.REF_NAME));
  }

  @Test
  void dockerArchiveRefusesALayerThatIsNotItsDiffId() throws Exception {
    List<byte[]> tars = List.of(new TarBuilder().file("a", "a").build());
    TestImage bad = TestImage.withDiffIds(tars, List.of(sha256("something else".getBytes(StandardCharsets.UTF_8))));
    Image stored = stored(bad);
    JpullException e = assertThrows(JpullException.class,
        () -> new Exporter(store).dockerArchive(stored, ref, java.io.OutputStream.nullOutputStream()));
    assertEquals(Kind.VERIFICATION, e.kind());
    assertTrue(e.getMessage().contains("diff ID"), e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"oci", "oci-archive", "docker-archive"})
  void aBlobCorruptedInTheStoreFailsTheExportAndLeavesNothing(String format) throws Exception {
    TestImage image = TestImage.of(TestImage.standardLayers(), true);
    Image stored = stored(image);
    Path blob = store.blobPath(image.layerDigests.get(1));
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length / 2] ^= 0x55;
    blob.toFile().setWritable(true);
    Files.write(blob, bytes);
    Path dest = dir.resolve("out/image");
    Exporter exporter = new Exporter(store);
    LayoutContent content = LayoutContent.of(store, stored, Map.of());
    JpullException e = assertThrows(JpullException.class, () -> {
      switch (format) {
        case "oci" -> exporter.ociLayout(content, dest);
        case "oci-archive" -> Destination.file(dest, out -> exporter.ociArchive(content, out));
        default -> Destination.file(dest, out -> exporter.dockerArchive(stored, ref, out));
      }
    });
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains(image.layerDigests.get(1).toString()), e.getMessage());
    try (Stream<Path> s = Files.list(dest.getParent())) {
      assertEquals(List.of(), s.toList(), "neither the export nor a temporary is left");
    }
  }

  @Test
  void aFileDestinationIsReplacedWhole() throws Exception {
    Image stored = stored(TestImage.of(List.of(new TarBuilder().file("a", "a").build()), true));
    Path dest = dir.resolve("image.tar");
    Files.writeString(dest, "old content that is not a tar");
    Exporter exporter = new Exporter(store);
    Destination.file(dest, out -> exporter.dockerArchive(stored, ref, out));
    Map<String, Entry> entries = entries(Files.readAllBytes(dest));
    assertTrue(entries.containsKey("manifest.json"), entries.keySet().toString());
    JpullException e = assertThrows(JpullException.class, () -> Destination.file(dir, out -> { }));
    assertEquals(Kind.INVALID_INPUT, e.kind());
  }

  @Test
  void allPlatformsKeepsTheIndexBytesAndEveryImageOrNothing() throws Exception {
    TestImage amd64 = TestImage.forPlatform(List.of(new TarBuilder().file("arch", "amd64").build()), "linux", "amd64", null);
    TestImage arm64 = TestImage.forPlatform(List.of(new TarBuilder().file("arch", "arm64").build()), "linux", "arm64", "v8");
    byte[] index = StoreFixture.index(List.of(amd64, arm64), List.of("linux/amd64", "linux/arm64/v8"));
    StoreFixture.put(store, amd64);
    StoreFixture.write(store, arm64.manifest);
    StoreFixture.write(store, arm64.blobs.get(arm64.configDigest));
    Descriptor root = StoreFixture.write(store, index).withMediaType(MediaTypes.OCI_INDEX);
    store.record(ref.toString(), root);

    assertTrue(LayoutContent.allPlatforms(store, root, Map.of()).isEmpty(), "arm64's layer is missing");
    Image one = Image.find(store, root, AMD64, ref.toString()).orElseThrow();
    LayoutContent single = LayoutContent.of(store, one, Map.of());
    assertEquals(amd64.manifestDigest, single.top().digest());
    assertEquals("linux/amd64", single.top().platform().toString(), "the index's platform is kept for index.json");

    StoreFixture.put(store, arm64);
    LayoutContent all = LayoutContent.allPlatforms(store, root, LayoutContent.annotations(ref)).orElseThrow();
    assertEquals(root.digest(), all.top().digest());
    assertEquals(2 + 2 * 2 + 1, all.blobs().size(), "index, two manifests, two configs, two layers");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Exporter(store).ociArchive(all, out);
    Map<String, Entry> entries = entries(out.toByteArray());
    assertArrayEquals(index, entries.get("blobs/sha256/" + root.digest().hex()).content(), "the index byte for byte");
    assertEquals(root.digest().toString(),
        Json.MAPPER.readTree(entries.get("index.json").content()).get("manifests").get(0).get("digest").asText());
    assertNotEquals(null, entries.get("blobs/sha256/" + arm64.layerDigests.get(0).hex()));
  }
}
