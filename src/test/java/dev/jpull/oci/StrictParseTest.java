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

/**
 * Issue 13, "lenient numbers" and "no bound on layers per manifest": manifests, indexes and configs are
 * read as Go clients read them, each failure naming its field. Each case fails on f71ba78 unless its
 * comment says the finding did not hold there.
 */
class StrictParseTest {
  private static final String D = "sha256:" + "d".repeat(64);
  private static final String CFG = "{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"sha256:"
      + "c".repeat(64) + "\",\"size\":10}";

  private static String manifest(String layer) {
    return "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":" + CFG
        + ",\"layers\":[" + layer + "]}";
  }

  private static String layer(String size) {
    return "{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"" + D + "\"" + size + "}";
  }

  private static Document parse(String json) throws JpullException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return Document.parse(b, null, new Descriptor("", Digest.sha256(b), b.length));
  }

  static Stream<Arguments> lenientSizes() {
    return Stream.of(
        Arguments.of("sizeWithAFractionIsNotReadAsOne", ",\"size\":1.5", "layers[0].size"),
        Arguments.of("sizeAsAStringIsNotReadAsANumber", ",\"size\":\"123\"", "layers[0].size"),
        Arguments.of("sizeWithAnExponentIsNotReadAs1000", ",\"size\":1e3", "layers[0].size"),
        Arguments.of("sizeWithAZeroFractionIsNotAnInteger", ",\"size\":20.0", "layers[0].size"),
        Arguments.of("missingSizeIsNotZero", "", "layers[0].size is missing"),
        Arguments.of("nullSizeIsNotZero", ",\"size\":null", "layers[0].size"),
        Arguments.of("booleanSizeIsRefused", ",\"size\":true", "layers[0].size"),
        // Held already on f71ba78 (refused as malformed, without naming the field):
        Arguments.of("negativeSizeIsRefused", ",\"size\":-1", "layers[0].size"),
        Arguments.of("sizeAboveLongMaxIsRefused", ",\"size\":9223372036854775808", "layers[0].size"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lenientSizes")
  void layerSizeMustBeAnIntegerInRange(String name, String size, String field) {
    JpullException e = assertThrows(JpullException.class, () -> parse(manifest(layer(size))));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains(field), e.getMessage());
  }

  @Test
  void configDescriptorWithoutSizeIsRefused() {
    String noSize = manifest(layer(",\"size\":20")).replace(",\"size\":10}", "}");
    JpullException e = assertThrows(JpullException.class, () -> parse(noSize));
    assertTrue(e.getMessage().contains("config.size is missing"), e.getMessage());
  }

  @Test
  void indexEntrySizeWithAFractionIsRefused() {
    String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{"
        + "\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + D + "\",\"size\":5.5}]}";
    JpullException e = assertThrows(JpullException.class, () -> parse(index));
    assertTrue(e.getMessage().contains("manifests[0].size"), e.getMessage());
  }

  @Test
  void schemaVersionAsAFloatIsNotTwo() {
    JpullException e = assertThrows(JpullException.class,
        () -> parse(manifest(layer(",\"size\":20")).replace("\"schemaVersion\":2", "\"schemaVersion\":2.0")));
    assertTrue(e.getMessage().contains("schemaVersion"), e.getMessage());
  }

  @Test
  void schemaVersionAsAStringIsNotTwo() {
    JpullException e = assertThrows(JpullException.class,
        () -> parse(manifest(layer(",\"size\":20")).replace("\"schemaVersion\":2", "\"schemaVersion\":\"2\"")));
    assertTrue(e.getMessage().contains("schemaVersion"), e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badMediaTypes")
  void malformedLayerMediaTypeIsRefused(String mediaType) {
    String json = manifest(layer(",\"size\":20").replace("\"" + MediaTypes.OCI_LAYER_GZIP + "\"", mediaType));
    JpullException e = assertThrows(JpullException.class, () -> parse(json));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains("layers[0].mediaType"), e.getMessage());
  }

  static Stream<String> badMediaTypes() {
    return Stream.of("\"garbage\"", "\"\"", "\"a/b/c\"", "\"application/x; charset=utf-8\"", "\"\\u001b[31m/x\"",
        "5", "\"" + "a".repeat(200) + "/b\"");
  }

  @Test
  void malformedDocumentMediaTypeIsRefused() {
    String json = manifest(layer(",\"size\":20")).replace("\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\"",
        "\"mediaType\":7");
    JpullException e = assertThrows(JpullException.class, () -> parse(json));
    assertTrue(e.getMessage().contains("mediaType"), e.getMessage());
  }

  @Test
  void manifestRepeatingOneLayer40000TimesIsRefused() {
    // Small descriptors, so the document stays under the 4 MiB cap and only the count can refuse it.
    String one = "{\"digest\":\"" + D + "\",\"size\":1}";
    String json = manifest(String.join(",", java.util.Collections.nCopies(40_000, one)));
    assertTrue(json.length() < Document.MAX_SIZE, "fits the size cap: " + json.length());
    JpullException e = assertThrows(JpullException.class, () -> parse(json));
    assertEquals(Kind.VERIFICATION, e.kind());
    assertTrue(e.getMessage().contains("40000 layers; at most " + Document.MAX_LAYERS), e.getMessage());
  }

  @Test
  void manifestWithTheMostLayersAllowedParses() throws Exception {
    String one = layer(",\"size\":20");
    Document d = parse(manifest(String.join(",", java.util.Collections.nCopies(Document.MAX_LAYERS, one))));
    assertEquals(Document.MAX_LAYERS, d.manifest().layers().size());
  }

  @Test
  void indexWithTooManyManifestsIsRefused() {
    String one = "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + D + "\",\"size\":5}";
    String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
        + String.join(",", java.util.Collections.nCopies(Document.MAX_MANIFESTS + 1, one)) + "]}";
    JpullException e = assertThrows(JpullException.class, () -> parse(index));
    assertTrue(e.getMessage().contains((Document.MAX_MANIFESTS + 1) + " manifests; at most"), e.getMessage());
  }

  static Stream<Arguments> badConfigs() {
    String ok = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + D + "\"]}}";
    return Stream.of(
        Arguments.of("numberWhereAStringIsExpected", ok.replace("\"amd64\"", "5"), "architecture"),
        Arguments.of("booleanWhereAStringIsExpected", ok.replace("\"linux\"", "true"), "os"),
        Arguments.of("diffIdThatIsANumber", ok.replace("\"" + D + "\"", "12"), "rootfs.diff_ids[0]"),
        Arguments.of("malformedDiffId", ok.replace(D, "sha256:../../x"), "rootfs.diff_ids[0]"),
        Arguments.of("envThatIsAString", ok.replace("\"os\"", "\"config\":{\"Env\":\"A=1\"},\"os\""), "config.Env"),
        Arguments.of("jsonNull", "null", "not a JSON object"),
        Arguments.of("tooManyDiffIds", ok.replace("[\"" + D + "\"]",
            "[" + String.join(",", java.util.Collections.nCopies(Document.MAX_LAYERS + 1, "\"" + D + "\"")) + "]"),
            "diff IDs; at most"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigs")
  void configIsParsedStrictly(String name, String json, String field) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    JpullException e = assertThrows(JpullException.class,
        () -> ImageConfig.parse(b, new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(b), b.length)));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains(field), e.getMessage());
  }

  /** Every other reader of descriptors (index.json, ingest metadata) binds through the same strict reader. */
  @ParameterizedTest
  @MethodSource("lenientDescriptors")
  void theDescriptorReaderItselfRefusesLenientDescriptors(String json) {
    assertThrows(FieldException.class, () -> Descriptor.read(Fields.of(Json.MAPPER.readTree(json))));
  }

  static Stream<String> lenientDescriptors() {
    return Stream.of("{\"digest\":\"" + D + "\",\"size\":1.5}", "{\"digest\":\"" + D + "\",\"size\":\"123\"}",
        "{\"digest\":\"" + D + "\",\"size\":1e3}", "{\"digest\":\"" + D + "\"}",
        "{\"digest\":\"" + D + "\",\"size\":null}", "{\"digest\":\"" + D + "\",\"size\":1,\"mediaType\":5}");
  }
}
