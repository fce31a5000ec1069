package dev.jpull.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jpull.Quoted;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The one strictly configured Jackson mapper, for trees only: every JSON document is parsed into a tree
 * here and read into jpull's types by {@link Fields} (no bean binding). Registries are untrusted: duplicate
 * keys and trailing tokens are errors (CVE-2014-8179: parse exactly the bytes that were hashed, nothing that
 * can override them), nesting and value sizes are bounded, and documents must be UTF-8.
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
    return JsonMapper.builder(factory)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .configure(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION, false)
        .build();
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
