package dev.jpull.oci;

import java.util.List;
import java.util.Map;

/** An OCI image manifest or Docker schema 2 manifest: one config and the layers, bottom first. */
public record ImageManifest(
    int schemaVersion,
    String mediaType,
    String artifactType,
    Descriptor config,
    List<Descriptor> layers,
    Descriptor subject,
    Map<String, String> annotations) {

  public ImageManifest {
    layers = layers == null ? List.of() : List.copyOf(layers);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  /** Reads a manifest; at most {@link Document#MAX_LAYERS} layers. */
  static ImageManifest read(Fields f) throws FieldException {
    return new ImageManifest(f.integer("schemaVersion"), f.string("mediaType"), f.string("artifactType"),
        f.object("config", Descriptor::read), f.objects("layers", Document.MAX_LAYERS, Descriptor::read),
        f.object("subject", Descriptor::read), f.stringMap("annotations"));
  }
}
