package dev.jpull.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DocumentTest {
  static final String CFG = "{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"sha256:" + "c".repeat(64)
      + "\",\"size\":10}";
  static final String LAYER = "{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"sha256:"
      + "d".repeat(64) + "\",\"size\":20}";
  static final String MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
      + CFG + ",\"layers\":[" + LAYER + "]}";
  static final String INDEX = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{"
      + "\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"sha256:" + "e".repeat(64) + "\",\"size\":5,"
      + "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";

  private static Document parse(String json, String contentType, String referredType) throws JpullException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return Document.parse(b, contentType, new Descriptor(referredType, Digest.sha256(b), b.length));
  }

  @Test
  void parsesManifestAndIndex() throws Exception {
    Document m = parse(MANIFEST, MediaTypes.OCI_MANIFEST + "; charset=utf-8", "");
    assertEquals(1, m.manifest().layers().size());
    assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
    Document i = parse(INDEX, MediaTypes.OCI_INDEX, MediaTypes.OCI_INDEX);
    assertTrue(i.isIndex());
    assertEquals("linux/amd64", i.index().manifests().get(0).platform().toString());
  }

  @Test
  void noMediaTypeFieldIsTakenFromContentType() throws Exception {
    String noType = MANIFEST.replace("\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",", "");
    assertEquals(MediaTypes.DOCKER_MANIFEST, parse(noType, MediaTypes.DOCKER_MANIFEST, "").mediaType());
  }

  static Stream<Arguments> rejected() {
    String both = "{\"schemaVersion\":2,\"manifests\":[],\"config\":" + CFG + ",\"layers\":[]}";
    return Stream.of(
        Arguments.of("ambiguous, served as index", both, MediaTypes.OCI_INDEX, "", Kind.VERIFICATION, "ambiguous"),
        Arguments.of("ambiguous, served as manifest", both, MediaTypes.OCI_MANIFEST, "", Kind.VERIFICATION, "ambiguous"),
        Arguments.of("mediaType disagrees with Content-Type", MANIFEST, MediaTypes.OCI_INDEX, "", Kind.VERIFICATION,
            "served as"),
        Arguments.of("index where the descriptor says manifest", INDEX, MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST,
            Kind.VERIFICATION, "descriptor says"),
        Arguments.of("schema 1 by body", "{\"schemaVersion\":1,\"fsLayers\":[]}", "application/json", "",
            Kind.UNSUPPORTED, "schema 1"),
        Arguments.of("schema 1 by type", "{\"schemaVersion\":1}", MediaTypes.DOCKER_SCHEMA1_SIGNED, "",
            Kind.UNSUPPORTED, "schema 1"),
        Arguments.of("duplicate keys", "{\"schemaVersion\":2,\"schemaVersion\":2,\"config\":" + CFG + "}",
            MediaTypes.OCI_MANIFEST, "", Kind.VERIFICATION, "malformed"),
        Arguments.of("trailing tokens", MANIFEST + " {}", MediaTypes.OCI_MANIFEST, "", Kind.VERIFICATION, "malformed"),
        Arguments.of("not an object", "[1,2]", MediaTypes.OCI_MANIFEST, "", Kind.VERIFICATION, "not a JSON object"),
        Arguments.of("bad layer digest", MANIFEST.replace("sha256:" + "d".repeat(64), "sha256:../../x"),
            MediaTypes.OCI_MANIFEST, "", Kind.VERIFICATION, "layers[0].digest"),
        Arguments.of("empty digest", MANIFEST.replace("sha256:" + "d".repeat(64), ""),
            MediaTypes.OCI_MANIFEST, "", Kind.VERIFICATION, "layers[0].digest"),
        Arguments.of("negative size", MANIFEST.replace("\"size\":20", "\"size\":-1"),
            MediaTypes.OCI_MANIFEST, "", Kind.VERIFICATION, "layers[0].size"),
        Arguments.of("no config", "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
            + "\",\"layers\":[]}", MediaTypes.OCI_MANIFEST, "", Kind.VERIFICATION, "no config"),
        Arguments.of("schemaVersion 3", MANIFEST.replace("\"schemaVersion\":2", "\"schemaVersion\":3"),
            MediaTypes.OCI_MANIFEST, "", Kind.VERIFICATION, "schemaVersion"),
        Arguments.of("unknown document type", "{\"schemaVersion\":2,\"mediaType\":\"application/x-foo\"}",
            "application/x-foo", "", Kind.UNSUPPORTED, "unsupported media type"),
        Arguments.of("deep nesting", "{\"schemaVersion\":2,\"a\":" + "[".repeat(100) + "]".repeat(100) + "}",
            MediaTypes.OCI_MANIFEST, "", Kind.VERIFICATION, "malformed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejected")
  void rejects(String name, String json, String contentType, String referred, Kind kind, String message) {
    JpullException e = assertThrows(JpullException.class, () -> parse(json, contentType, referred));
    assertEquals(kind, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void refusesOversizedDocuments() {
    byte[] big = new byte[Document.MAX_SIZE + 1];
    JpullException e = assertThrows(JpullException.class,
        () -> Document.parse(big, MediaTypes.OCI_MANIFEST, new Descriptor("", Digest.sha256(big), big.length)));
    assertTrue(e.getMessage().contains("exceeds 4194304 bytes"), e.getMessage());
  }

  @Test
  void refusesNonUtf8() {
    byte[] b = MANIFEST.getBytes(StandardCharsets.UTF_16);
    JpullException e = assertThrows(JpullException.class,
        () -> Document.parse(b, MediaTypes.OCI_MANIFEST, new Descriptor("", Digest.sha256(b), b.length)));
    assertEquals(Kind.VERIFICATION, e.kind());
  }

  @Test
  void chainIdFollowsTheImageSpec() {
    Digest a = Digest.sha256("a".getBytes(StandardCharsets.UTF_8));
    Digest b = Digest.sha256("b".getBytes(StandardCharsets.UTF_8));
    assertEquals(a, ChainId.of(java.util.List.of(a)));
    assertEquals(Digest.sha256((a + " " + b).getBytes(StandardCharsets.US_ASCII)), ChainId.of(java.util.List.of(a, b)));
  }
}
