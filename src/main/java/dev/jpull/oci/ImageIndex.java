package dev.jpull.oci;

import java.util.List;
import java.util.Map;

/** An OCI image index or Docker manifest list: the per-platform manifests of one image. */
public record ImageIndex(
    int schemaVersion,
    String mediaType,
    String artifactType,
    List<Descriptor> manifests,
    Descriptor subject,
    Map<String, String> annotations) {

  public ImageIndex {
    manifests = manifests == null ? List.of() : List.copyOf(manifests);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  /** Reads an index; at most {@link Document#MAX_MANIFESTS} entries. */
  static ImageIndex read(Fields f) throws FieldException {
    return new ImageIndex(f.integer("schemaVersion"), f.string("mediaType"), f.string("artifactType"),
        f.objects("manifests", Document.MAX_MANIFESTS, Descriptor::read), f.object("subject", Descriptor::read),
        f.stringMap("annotations"));
  }
}
