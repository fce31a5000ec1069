package dev.jpull.oci;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.testing.Fuzz;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, property-based tests: manifests, indexes and configs are written by the registry. Random and
 * mutated documents either parse into values within the documented bounds or fail as a
 * {@link JpullException} of kind VERIFICATION (exit 7) or UNSUPPORTED (exit 8) — never Jackson's or any
 * other exception — in bounded time and memory.
 */
class DocumentPropertyTest {
  private static final String D = "sha256:" + "d".repeat(64);
  private static final String MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
      + "\",\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"sha256:" + "c".repeat(64)
      + "\",\"size\":10},\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"" + D
      + "\",\"size\":20,\"urls\":[\"https://x.test/l\"]},{\"mediaType\":\"" + MediaTypes.OCI_LAYER_ZSTD
      + "\",\"digest\":\"sha512:" + "e".repeat(128) + "\",\"size\":0}],\"annotations\":{\"a\":\"b\"},"
      + "\"subject\":{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + D + "\",\"size\":3}}";
  private static final String INDEX = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX
      + "\",\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + D + "\",\"size\":5,"
      + "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\",\"os.features\":[\"x\"]}},"
      + "{\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"digest\":\"" + D + "\",\"size\":6,"
      + "\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"}}]}";
  private static final String DOCKER = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST
      + "\",\"config\":{\"mediaType\":\"" + MediaTypes.DOCKER_CONFIG + "\",\"digest\":\"" + D + "\",\"size\":1},"
      + "\"layers\":[]}";
  private static final String CONFIG = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\","
      + "\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"],\"Labels\":{\"a\":\"b\"},\"ExposedPorts\":{\"80/tcp\":{}}},"
      + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + D + "\"]}}";
  private static final List<String> DOCUMENTS = List.of(MANIFEST, INDEX, DOCKER);
  private static final List<String> TYPES = List.of("", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
      MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_LIST, MediaTypes.DOCKER_SCHEMA1_SIGNED, "application/json",
      "text/html; charset=utf-8", "\u009b/\u0000");

  /** One input: the bytes, the Content-Type served with them and the type the referring descriptor gave. */
  record Input(byte[] bytes, String contentType, String referred) {
    @Override
    public String toString() {
      return Fuzz.show(new String(bytes, StandardCharsets.UTF_8)) + " served as " + Fuzz.show(contentType)
          + ", referred to as " + Fuzz.show(referred);
    }
  }

  static byte[] mutated(Random r, String sample) {
    return r.nextBoolean() ? Fuzz.mutate(r, sample.getBytes(StandardCharsets.UTF_8))
        : Fuzz.mutate(r, sample).getBytes(StandardCharsets.UTF_8);
  }

  static Input document(Random r) {
    byte[] b = r.nextInt(8) == 0 ? Fuzz.randomString(r, 300).getBytes(StandardCharsets.UTF_8)
        : mutated(r, DOCUMENTS.get(r.nextInt(DOCUMENTS.size())));
    return new Input(b, TYPES.get(r.nextInt(TYPES.size())), TYPES.get(r.nextInt(TYPES.size())));
  }

  private static final java.util.concurrent.atomic.AtomicInteger PARSED = new java.util.concurrent.atomic.AtomicInteger();
  private static final java.util.concurrent.atomic.AtomicInteger REFUSED = new java.util.concurrent.atomic.AtomicInteger();

  static void documentProperty(Input in) {
    Document doc;
    try {
      doc = Document.parse(in.bytes(), in.contentType().isEmpty() ? null : in.contentType(),
          new Descriptor(in.referred(), Digest.sha256(in.bytes()), in.bytes().length));
    } catch (JpullException e) {
      assertTrue(e.kind() == Kind.VERIFICATION || e.kind() == Kind.UNSUPPORTED, e.kind() + ": " + e.getMessage());
      assertNotNull(e.getMessage());
      REFUSED.incrementAndGet();
      return;
    }
    PARSED.incrementAndGet();
    if (doc.isIndex()) {
      assertTrue(doc.index().manifests().size() <= Document.MAX_MANIFESTS);
      doc.index().manifests().forEach(DocumentPropertyTest::wellFormed);
    } else {
      assertNotNull(doc.manifest().config());
      assertTrue(doc.manifest().layers().size() <= Document.MAX_LAYERS);
      wellFormed(doc.manifest().config());
      doc.manifest().layers().forEach(DocumentPropertyTest::wellFormed);
    }
  }

  private static void wellFormed(Descriptor d) {
    assertNotNull(d.digest());
    assertTrue(d.size() >= 0, d.toString());
    assertTrue(d.mediaType().isEmpty() || d.mediaType().matches("[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*"),
        d.mediaType());
  }

  static void configProperty(byte[] bytes) {
    try {
      ImageConfig c = ImageConfig.parse(bytes, new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(bytes), bytes.length));
      c.platform();
      assertTrue(c.diffIds().size() <= Document.MAX_LAYERS);
    } catch (JpullException e) {
      assertTrue(e.kind() == Kind.VERIFICATION, e.kind() + ": " + e.getMessage());
    }
  }

  private static long budget(byte[] b) {
    return 4_000_000L + 400L * b.length;
  }

  @Test
  void randomAndMutatedManifestsAndIndexesParseOrFailAsContentErrors() {
    Fuzz.forAll("document", DocumentPropertyTest::document, Input::toString, in -> budget(in.bytes()),
        DocumentPropertyTest::documentProperty);
    // Both outcomes occur, or the run proved little: the mutations stay close enough to parse sometimes.
    assertTrue(PARSED.get() > Fuzz.TRIES / 100 && REFUSED.get() > Fuzz.TRIES / 100, PARSED + " parsed, " + REFUSED + " refused");
  }

  @Test
  void randomAndMutatedConfigsParseOrFailAsContentErrors() {
    Fuzz.forAll("config", r -> mutated(r, CONFIG), Fuzz::show, DocumentPropertyTest::budget,
        DocumentPropertyTest::configProperty);
  }

  @Test
  void samplesParse() throws Exception {
    for (String s : DOCUMENTS) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      Document.parse(b, null, new Descriptor("", Digest.sha256(b), b.length));
    }
    byte[] c = CONFIG.getBytes(StandardCharsets.UTF_8);
    ImageConfig.parse(c, new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(c), c.length));
  }

  @Test
  void deeplyNestedDocumentIsAContentError() {
    byte[] deep = ("{\"schemaVersion\":2,\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}")
        .getBytes(StandardCharsets.UTF_8);
    Fuzz.replay("document-deep", 0, r -> new Input(deep, MediaTypes.OCI_MANIFEST, ""), Input::toString,
        in -> budget(in.bytes()), DocumentPropertyTest::documentProperty);
  }
}
