package dev.jpull.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
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

  public Platform platform() {
    return Platform.of(os, architecture, variant).normalized();
  }

  public List<Digest> diffIds() {
    return rootfs == null ? List.of() : rootfs.diffIds();
  }
}
