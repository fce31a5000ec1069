package dev.jpull.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one typed reader of JSON trees: Go's binding rules, stricter scalars, each failure naming its field. */
class FieldsTest {
  private static final String D = "sha256:" + "d".repeat(64);

  private static Fields fields(String json) throws Exception {
    return Fields.of(Json.MAPPER.readTree(json.replace('\'', '"')));
  }

  private static String failure(String json, Fields.Reader<?> reader) {
    return assertThrows(FieldException.class, () -> reader.read(fields(json))).getMessage();
  }

  @Test
  void absentAndNullAreTheZeroValue() throws Exception {
    Fields f = fields("{'s':null,'n':null,'l':null,'m':null,'o':null}");
    assertNull(f.string("s"));
    assertNull(f.string("absent"));
    assertEquals(0, f.integer("n"));
    assertEquals(List.of(), f.strings("l", 1));
    assertEquals(Map.of(), f.stringMap("m"));
    assertNull(f.object("o", x -> "read"));
    assertEquals(List.of(), f.objects("o", 1, x -> "read"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{'s':5}|field s is 5, not a string",
      "{'s':true}|field s is a boolean, not a string",
      "{'s':[]}|field s is an array, not a string",
      "{'s':{}}|field s is an object, not a string"})
  void aStringFieldTakesAStringOnly(String json, String message) {
    assertEquals(message, failure(json, f -> f.string("s")));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{'n':1.5}|field n is a number with a fraction or an exponent (1.5), not an integer",
      "{'n':1e3}|field n is a number with a fraction or an exponent (1000.0), not an integer",
      "{'n':'2'}|field n is the string \"2\", not an integer",
      "{'n':2147483648}|field n 2147483648 is out of range"})
  void anIntegerFieldTakesAnIntegerLiteralInRange(String json, String message) {
    assertEquals(message, failure(json, f -> f.integer("n")));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{}|field size is missing",
      "{'size':null}|field size is null, not an integer",
      "{'size':-1}|field size -1 is out of range (0 to 9223372036854775807)",
      "{'size':9223372036854775808}|field size 9223372036854775808 is out of range (0 to 9223372036854775807)",
      "{'size':20.0}|field size is a number with a fraction or an exponent (20.0), not an integer"})
  void aSizeIsRequiredAndInRange(String json, String message) {
    assertEquals(message, failure(json, f -> f.size("size")));
  }

  @Test
  void aSizeAtLongMaxIsRead() throws Exception {
    assertEquals(Long.MAX_VALUE, fields("{'size':9223372036854775807}").size("size"));
  }

  @Test
  void nestedFailuresNameTheirPath() {
    String json = "{'layers':[{'digest':'" + D + "','size':1},{'digest':'" + D + "','size':1,"
        + "'platform':{'os':'linux','os.features':['a',7]}}]}";
    assertEquals("field layers[1].platform.os.features[1] is 7, not a string",
        failure(json, f -> f.objects("layers", 10, Descriptor::read)));
  }

  @Test
  void aDigestIsParsedAndAMalformedOneNamed() throws Exception {
    assertEquals(Digest.parse(D), fields("{'d':'" + D + "'}").digest("d"));
    String m = failure("{'d':['" + D + "','sha256:../x']}", f -> f.digests("d", 5));
    assertTrue(m.startsWith("field d[1]: invalid digest") || m.startsWith("field d[1]: invalid sha256"), m);
  }

  @Test
  void arraysAreBounded() {
    assertEquals("field l lists 3 entries; at most 2 are accepted", failure("{'l':['a','b','c']}", f -> f.strings("l", 2)));
  }

  @Test
  void elementsOfAnObjectArrayMustBeObjects() {
    assertEquals("field m[0] is null, not an object", failure("{'m':[null]}", f -> f.objects("m", 2, x -> x)));
  }

  @Test
  void stringMapValuesMustBeStringsAndKeepTheirOrder() throws Exception {
    assertEquals("field a.k is 1, not a string", failure("{'a':{'k':1}}", f -> f.stringMap("a")));
    assertEquals(List.of("z", "a"), List.copyOf(fields("{'a':{'z':'1','a':'2'}}").stringMap("a").keySet()));
  }

  @Test
  void theRootMustBeAnObject() {
    assertEquals("document is an array, not a JSON object",
        assertThrows(FieldException.class, () -> Fields.of(Json.MAPPER.readTree("[]"))).getMessage());
  }

  @Test
  void unknownFieldsAreIgnored() throws Exception {
    Descriptor d = Descriptor.read(fields("{'digest':'" + D + "','size':3,'future':{'x':[1,2]}}"));
    assertEquals(new Descriptor("", Digest.parse(D), 3), d);
  }

  @Test
  void aDescriptorWritesAsTheSpecListsItAndReadsBack() throws Exception {
    Descriptor d = new Descriptor("application/vnd.oci.image.manifest.v1+json", Digest.parse(D), 42,
        List.of("https://example.invalid/blob"), Map.of("z", "1", "a", "2"),
        new Platform("linux", "arm64", "v8", null, List.of()), "application/x.test");
    String json = Json.MAPPER.writeValueAsString(d.toJson());
    assertEquals("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + D + "\","
        + "\"size\":42,\"urls\":[\"https://example.invalid/blob\"],\"annotations\":{\"a\":\"2\",\"z\":\"1\"},"
        + "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"},"
        + "\"artifactType\":\"application/x.test\"}", json);
    assertEquals(d, Descriptor.read(Fields.of(Json.MAPPER.readTree(json))));
  }

  @Test
  void aDescriptorWithoutOptionalFieldsWritesOnlyDigestAndSize() throws Exception {
    assertEquals("{\"digest\":\"" + D + "\",\"size\":0}",
        Json.MAPPER.writeValueAsString(new Descriptor("", Digest.parse(D), 0).toJson()));
  }

  @Test
  void aConfigReadsRunDefaultsAndKeepsAbsentListsNull() throws Exception {
    ImageConfig c = ImageConfig.read(fields("{'os':'linux','architecture':'amd64','config':{'Env':['A=1'],"
        + "'ExposedPorts':{'80/tcp':{}},'Labels':{'k':'v'}},'rootfs':{'type':'layers','diff_ids':['" + D + "']}}"));
    assertEquals(List.of("A=1"), c.config().env());
    assertNull(c.config().cmd());
    assertEquals(List.of("80/tcp"), c.config().exposedPorts());
    assertEquals(Map.of("k", "v"), c.config().labels());
    assertEquals(List.of(Digest.parse(D)), c.diffIds());
  }
}
