package dev.jpull.oci;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
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
public record ImageConfig(
    String architecture,
    String os,
    String variant,
    String created,
    String author,
    RunConfig config,
    RootFs rootfs) {

  /**
   * The container run defaults ({@code config} in the image spec). Env, Entrypoint and Cmd are null when
   * absent (inspect shows null, as docker does); {@code ExposedPorts} is a set, its keys kept.
   */
  public record RunConfig(
      String user,
      List<String> env,
      List<String> entrypoint,
      List<String> cmd,
      String workingDir,
      Map<String, String> labels,
      List<String> exposedPorts,
      String stopSignal) {

    static RunConfig read(Fields f) throws FieldException {
      return new RunConfig(f.string("User"), list(f, "Env"), list(f, "Entrypoint"), list(f, "Cmd"),
          f.string("WorkingDir"), f.has("Labels") ? f.stringMap("Labels") : null, f.keys("ExposedPorts"),
          f.string("StopSignal"));
    }

    /** The 4 MiB document cap bounds these lists. */
    private static List<String> list(Fields f, String name) throws FieldException {
      return f.has(name) ? f.strings(name, Integer.MAX_VALUE) : null;
    }
  }

  /** {@code rootfs}: type must be "layers"; one diff ID per layer, bottom first. */
  public record RootFs(String type, List<Digest> diffIds) {
    public RootFs {
      diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
    }

    /** A count above {@link Document#MAX_LAYERS} is refused by {@link #parse}, naming it; the cap bounds the rest. */
    static RootFs read(Fields f) throws FieldException {
      return new RootFs(f.string("type"), f.digests("diff_ids", Integer.MAX_VALUE));
    }
  }

  static ImageConfig read(Fields f) throws FieldException {
    return new ImageConfig(f.string("architecture"), f.string("os"), f.string("variant"), f.string("created"),
        f.string("author"), f.object("config", RunConfig::read), f.object("rootfs", RootFs::read));
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
    JsonNode tree;
    try {
      tree = Json.MAPPER.readTree(Json.utf8(bytes));
    } catch (CharacterCodingException e) {
      throw new JpullException(Kind.VERIFICATION, what + " is not valid UTF-8 JSON", e);
    } catch (JacksonException e) {
      throw new JpullException(Kind.VERIFICATION, what + " is malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new JpullException(Kind.VERIFICATION, what + " is not a JSON object");
    }
    ImageConfig c;
    try {
      c = read(Fields.of(tree));
    } catch (FieldException e) {
      throw new JpullException(Kind.VERIFICATION, what + " " + e.getMessage(), e);
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
