package dev.jpull.content;

import dev.jpull.JpullException;
import dev.jpull.image.Graph;
import dev.jpull.Kind;
import dev.jpull.oci.ChainId;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import dev.jpull.oci.ImageConfig;
import dev.jpull.oci.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Walks what the references of a store hold, with the one image walk ({@link Graph}): index → the child
 * manifests that are present → config and layers; config diff IDs → chain ID → tree. Used by gc (what to
 * keep) and fsck (what is broken). A document shared by several references or parents is read once, so
 * gc and fsck stay linear under the store lock.
 */
final class ReferenceWalk {
  private final LocalContentStore store;
  private final Graph graph = new Graph();
  private final Set<Digest> blobs = new HashSet<>();
  /** An index's children may be absent (a single-platform pull keeps one): only they are optional. */
  private final Set<Digest> optional = new HashSet<>();
  private final Set<Digest> chains = new HashSet<>();
  private final List<String> missing = new ArrayList<>();
  private final List<String> damaged = new ArrayList<>();
  private final List<String> withoutTree = new ArrayList<>();
  private boolean unreadableDocument;

  ReferenceWalk(LocalContentStore store) {
    this.store = store;
  }

  /** Walks every reference; {@code name} is the reference name or the digest of an unnamed entry. */
  ReferenceWalk walkAll(List<Descriptor> references) {
    for (Descriptor d : references) {
      String name = d.annotations().getOrDefault(Descriptor.CONTAINERD_NAME,
          d.annotations().getOrDefault(Descriptor.REF_NAME, d.digest().toString()));
      try {
        graph.walk(d, (child, indexes) -> enter(name, child));
      } catch (JpullException e) {
        damaged.add(name + ": " + e.getMessage()); // e.g. nesting too deep: what lies below is unknown
        unreadableDocument = true;
      } catch (IOException e) {
        damaged.add(name + ": " + StoreFailure.describe(e));
        unreadableDocument = true;
      }
    }
    return this;
  }

  /** One descriptor met for the first time: what it refers to, for the walk to go on with. */
  private List<Descriptor> enter(String name, Descriptor d) {
    boolean document = Graph.isDocument(d);
    if (!store.contains(d)) {
      if (store.contains(d.digest())) {
        // Truncated or damaged: a pull fetches it again. A document's children are unknown meanwhile.
        damaged.add(name + ": blob " + d.digest() + " does not have the descriptor's size of " + d.size() + " bytes");
        unreadableDocument |= document;
      } else if (!optional.contains(d.digest())) {
        missing.add(name + ": blob " + d.digest() + " is missing");
      }
      return List.of();
    }
    blobs.add(d.digest());
    if (!document) {
      return List.of();
    }
    Document doc;
    try {
      doc = store.document(d);
    } catch (JpullException e) {
      if (e.kind() != Kind.UNSUPPORTED) {
        damaged.add(name + ": " + e.getMessage());
        unreadableDocument = true;
      }
      return List.of();
    } catch (IOException e) {
      damaged.add(name + ": " + StoreFailure.describe(e));
      unreadableDocument = true;
      return List.of();
    }
    List<Descriptor> children = Graph.children(doc);
    if (doc.isIndex()) {
      children.forEach(c -> optional.add(c.digest()));
    } else {
      recordTree(name, d, Graph.config(doc));
    }
    return children;
  }

  /** The manifest's chain ID, from its config when that is present and readable. */
  private void recordTree(String name, Descriptor manifest, Descriptor config) {
    if (!store.contains(config) || !MediaTypes.isConfig(config.mediaType())) {
      return; // the walk reports a missing config
    }
    try {
      ImageConfig c = ImageConfig.parse(store.read(config, Document.MAX_SIZE), config);
      if (!c.diffIds().isEmpty()) {
        Digest chain = ChainId.of(c.diffIds());
        chains.add(chain);
        if (store.completeTree(chain).isEmpty()) {
          withoutTree.add(name + " (" + manifest.digest() + ")");
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      damaged.add(name + ": config " + config.digest() + " is unreadable: " + e.getMessage());
    }
  }

  /** Blobs reachable from a reference. */
  Set<Digest> blobs() {
    return blobs;
  }

  /** Chain IDs of the trees the references use. */
  Set<Digest> chains() {
    return chains;
  }

  /** Required blobs that are absent. */
  List<String> missing() {
    return missing;
  }

  /** Present documents that cannot be read or parsed. */
  List<String> damaged() {
    return damaged;
  }

  /** Whether a present manifest or index could not be read, so its children are unknown. */
  boolean unreadableDocument() {
    return unreadableDocument;
  }

  /** References (per manifest) whose unpacked tree is not complete (normal after {@code --no-unpack}). */
  List<String> withoutTree() {
    return withoutTree;
  }
}
