package dev.jpull.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.jpull.Quoted;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The one strictly configured Jackson mapper. Registries are untrusted: duplicate keys and trailing
 * tokens are errors (CVE-2014-8179: parse exactly the bytes that were hashed, nothing that can override
 * them), nesting and value sizes are bounded, and documents must be UTF-8. Scalars are read as Go's
 * encoding/json reads them (issue 13): a number field takes an integer literal only ({@code 1.5},
 * {@code 1e3}, {@code "123"} and {@code null} are errors, not 1, 1000, 123 and 0) and a string field takes a
 * string only.
 */
public final class Json {
  /** Shared, thread-safe once configured. */
  public static final ObjectMapper MAPPER = create();
  private static final ObjectWriter TERMINAL = MAPPER.writer().with(new TerminalEscapes());

  private Json() {}

  private static ObjectMapper create() {
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(64)
            .maxStringLength(4 * 1024 * 1024)
            .maxNumberLength(64)
            .maxNameLength(4096)
            .build())
        .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    ObjectMapper mapper = JsonMapper.builder(factory)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .configure(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION, false)
        .build();
    // ALLOW_COERCION_OF_SCALARS covers the common cases; the coercion table closes the rest (a number or a
    // boolean where a string is expected, a string or a float where an integer is).
    for (LogicalType t : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
      mapper.coercionConfigFor(t)
          .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    }
    mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    return mapper;
  }

  /**
   * Writes JSON for a terminal or a log (the progress stream, {@code inspect}'s summary, error events):
   * besides what JSON itself requires, DEL, the C1 controls U+0080–U+009F (U+009B is a one-byte CSI on
   * many terminals) and the Unicode format controls that reorder or hide text are written as
   * a backslash-u escape, so a value from a registry cannot drive the terminal. Still the same JSON value.
   */
  public static ObjectWriter terminalWriter() {
    return TERMINAL;
  }

  /** The escapes of {@link #terminalWriter()}. */
  private static final class TerminalEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] ascii = CharacterEscapes.standardAsciiEscapesForJSON();

    TerminalEscapes() {
      ascii[0x7f] = CharacterEscapes.ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      if (Quoted.isUnsafe(ch)) {
        return new com.fasterxml.jackson.core.io.SerializedString(String.format("\\u%04x", ch));
      }
      return null;
    }
  }

  /**
   * What a binding failure says, for an error message: the field it is at ({@code layers[2].size}) and
   * Jackson's description without its class names and hints; the input it quotes is escaped by the
   * error-line filter.
   */
  public static String problem(JacksonException e) {
    String at = "";
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      StringBuilder b = new StringBuilder();
      for (JsonMappingException.Reference r : m.getPath()) {
        if (r.getFieldName() != null) {
          b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
        } else if (r.getIndex() >= 0) {
          b.append('[').append(r.getIndex()).append(']');
        }
      }
      at = b.length() == 0 ? "" : "field " + b + ": ";
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    // A creator's IllegalArgumentException (Digest, Descriptor) says what is wrong in jpull's words.
    String m = root instanceof JacksonException j ? j.getOriginalMessage()
        : root instanceof IllegalArgumentException ? root.getMessage()
        : e.getOriginalMessage();
    m = m == null ? e.getClass().getSimpleName() : m;
    // Jackson's advice ("but could if coercion was enabled using `CoercionConfig`") is about its own
    // configuration, not about the document.
    int hint = m.indexOf(" (but could if");
    if (hint > 0) {
      m = m.substring(0, hint);
    }
    m = m.replaceAll("`(?:[a-z]+\\.)+([A-Za-z$]+)`", "$1").replace("`", "");
    return at + m;
  }

  /**
   * Decodes bytes as strict UTF-8 (Jackson would otherwise auto-detect UTF-16/32, which Go registries
   * and peers never produce, so two tools could read one document differently).
   */
  public static String utf8(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }
}
