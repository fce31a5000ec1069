package dev.jpull.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.nio.charset.CharacterCodingException;
import java.util.List;
import java.util.Map;

/**
 * The parts of an image config jpull reads: the platform, the run defaults shown by {@code inspect},
 * and {@code rootfs.diff_ids}, which every applied layer is verified against. Labels and other values are
 * inert data and never acted upon (CVE-2026-53488).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ImageConfig(
    String architecture,
    String os,
    String variant,
    String created,
    String author,
    @JsonProperty("config") RunConfig config,
    @JsonProperty("rootfs") RootFs rootfs) {

  /** The container run defaults ({@code config} in the image spec). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record RunConfig(
      @JsonProperty("User") String user,
      @JsonProperty("Env") List<String> env,
      @JsonProperty("Entrypoint") List<String> entrypoint,
      @JsonProperty("Cmd") List<String> cmd,
      @JsonProperty("WorkingDir") String workingDir,
      @JsonProperty("Labels") Map<String, String> labels,
      @JsonProperty("ExposedPorts") Map<String, Object> exposedPorts,
      @JsonProperty("StopSignal") String stopSignal) {}

  /** {@code rootfs}: type must be "layers"; one diff ID per layer, bottom first. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RootFs(
      @JsonProperty("type") String type,
      @JsonProperty("diff_ids") List<Digest> diffIds) {
    public RootFs {
      diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
    }
  }

  /**
   * Parses a config's bytes strictly (UTF-8, the mapper's scalar rules, at most {@link Document#MAX_SIZE}
   * bytes and {@link Document#MAX_LAYERS} diff IDs); a failure is {@link Kind#VERIFICATION} naming the
   * field.
   */
  public static ImageConfig parse(byte[] bytes, Descriptor descriptor) throws JpullException {
    String what = "config " + descriptor.digest();
    if (bytes.length > Document.MAX_SIZE) {
      throw new JpullException(Kind.VERIFICATION, what + " exceeds " + Document.MAX_SIZE + " bytes");
    }
    ImageConfig c;
    try {
      c = Json.MAPPER.readValue(Json.utf8(bytes), ImageConfig.class);
    } catch (CharacterCodingException e) {
      throw new JpullException(Kind.VERIFICATION, what + " is not valid UTF-8 JSON", e);
    } catch (JacksonException e) {
      throw new JpullException(Kind.VERIFICATION, what + " is malformed: " + Json.problem(e), e);
    }
    if (c == null) {
      throw new JpullException(Kind.VERIFICATION, what + " is not a JSON object");
    }
    if (c.diffIds().size() > Document.MAX_LAYERS) {
      throw new JpullException(Kind.VERIFICATION, what + " lists " + c.diffIds().size() + " diff IDs; at most "
          + Document.MAX_LAYERS + " are accepted");
    }
    return c;
  }

  public Platform platform() {
    return Platform.of(os, architecture, variant).normalized();
  }

  public List<Digest> diffIds() {
    return rootfs == null ? List.of() : rootfs.diffIds();
  }
}
