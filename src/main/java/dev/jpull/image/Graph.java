package dev.jpull.image;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import dev.jpull.oci.ImageManifest;
import dev.jpull.oci.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The one walk over an image graph (index → manifests → config and layers) and its rules: what a document
 * refers to, how deep indexes may nest, how many documents one walk reads. gc, fsck, export, inspect and
 * the lock file walk sequentially with {@link #walk}; the pull's parallel {@code Dispatcher} schedules the
 * same rules ({@link #children}, {@link #checkNesting}) on its pools.
 *
 * <p>Each document is entered once per walk, however many parents name it (a nested index naming one child
 * 40 times is linear, not exponential); the fan-out of each document is bounded where it is parsed
 * ({@link Document#MAX_MANIFESTS}, {@link Document#MAX_LAYERS}).
 */
public final class Graph {
  /** Indexes on one path from the root, the root included; one more is refused as hostile. */
  public static final int MAX_INDEX_DEPTH = 4;
  /** Documents (indexes and manifests) read under one root at most: 4 levels of fan-out are bounded here. */
  public static final int MAX_DOCUMENTS = 4096;

  /** One step of a walk: what to do on a descriptor met for the first time, and after its children. */
  public interface Step {
    /**
     * Handles {@code d}, met for the first time at {@code indexes} indexes below the root; returns the
     * children to descend into (often {@link Graph#children} of the document, or a platform's pick of them).
     */
    List<Descriptor> enter(Descriptor d, int indexes) throws IOException;

    /** Called after all of {@code d}'s children (post-order), e.g. to rewrite a parent from them. */
    default void leave(Descriptor d) throws IOException {}
  }

  private final Set<Digest> visited = new HashSet<>();
  private int documents;

  /** A walk; its visited set spans every {@link #walk} call on it (gc walks all references with one). */
  public Graph() {}

  /**
   * Walks {@code root} depth first; a descriptor already visited by this walk is skipped. The document
   * bound counts per root, so a store of many images can be walked with one visited set.
   */
  public Graph walk(Descriptor root, Step step) throws IOException {
    documents = 0;
    walk(root, 0, step);
    return this;
  }

  private void walk(Descriptor d, int indexes, Step step) throws IOException {
    if (!visited.add(d.digest())) {
      return;
    }
    if (isDocument(d) && ++documents > MAX_DOCUMENTS) {
      throw new JpullException(Kind.VERIFICATION, "image graph at " + d.digest() + " has more than "
          + MAX_DOCUMENTS + " manifests and indexes");
    }
    List<Descriptor> children = step.enter(d, indexes);
    if (children != null && !children.isEmpty()) {
      int below = indexes + (MediaTypes.isIndex(d.mediaType()) ? 1 : 0);
      for (Descriptor child : children) {
        checkNesting(child, below);
        walk(child, below, step);
      }
    }
    step.leave(d);
  }

  /**
   * Refuses an index below {@link #MAX_INDEX_DEPTH} others ({@code VERIFICATION}): real images nest one or
   * two; a registry that nests without end would otherwise be walked without end.
   */
  public static void checkNesting(Descriptor child, int indexesAbove) throws JpullException {
    if (MediaTypes.isIndex(child.mediaType()) && indexesAbove >= MAX_INDEX_DEPTH) {
      throw new JpullException(Kind.VERIFICATION, "index " + child.digest() + ": index nesting too deep (more than "
          + MAX_INDEX_DEPTH + " levels)");
    }
  }

  /** Whether {@code d} is a document the walk reads (an index or a manifest, or untyped as a reference may be). */
  public static boolean isDocument(Descriptor d) {
    return d.mediaType().isEmpty() || MediaTypes.isIndex(d.mediaType()) || MediaTypes.isManifest(d.mediaType());
  }

  /**
   * Everything a document refers to: an index all its manifests (attestations too: gc keeps what the
   * index holds), a manifest its config and then its layers.
   */
  public static List<Descriptor> children(Document doc) {
    if (doc.isIndex()) {
      return doc.index().manifests();
    }
    ImageManifest m = doc.manifest();
    List<Descriptor> out = new ArrayList<>(m.layers().size() + 1);
    out.add(m.config());
    out.addAll(m.layers());
    return out;
  }

  /**
   * What a pull follows from a document: an index its images ({@link Platforms#images}: no attestations,
   * no {@code unknown/unknown}), a manifest its config and layers. A manifest whose config is not an
   * image config is a non-image artifact: refused ({@code UNSUPPORTED}), naming it.
   */
  public static List<Descriptor> imageChildren(Document doc) throws JpullException {
    if (doc.isIndex()) {
      return Platforms.images(doc.index());
    }
    ImageManifest m = doc.manifest();
    if (!MediaTypes.isConfig(m.config().mediaType())) {
      throw new JpullException(Kind.UNSUPPORTED, "manifest " + doc.descriptor().digest() + " is not a container "
          + "image: its config media type is " + dev.jpull.Quoted.of(m.config().mediaType())
          + (m.artifactType() != null ? " (artifact type " + dev.jpull.Quoted.of(m.artifactType()) + ")" : ""),
          "use an artifact client such as oras to fetch non-image artifacts", null);
    }
    return children(doc);
  }

  /** The config of a manifest. */
  public static Descriptor config(Document manifest) {
    return manifest.manifest().config();
  }

  /** The layers of a manifest, bottom first. */
  public static List<Descriptor> layers(Document manifest) {
    return manifest.manifest().layers();
  }
}
