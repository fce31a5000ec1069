package dev.jpull.content;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.ChainId;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import dev.jpull.oci.ImageConfig;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Walks what the references of a store hold: index → the child manifests that are present → config and
 * layers; config diff IDs → chain ID → tree. Used by gc (what to keep) and fsck (what is broken).
 */
final class ReferenceWalk {
  private static final int MAX_DEPTH = 4;

  private final LocalContentStore store;
  private final Set<Digest> blobs = new HashSet<>();
  /**
   * Documents already walked: a graph that shares a child (an index naming one manifest 40 times, nested)
   * is walked once per document, not once per path, so gc and fsck stay linear under the store lock.
   */
  private final Set<Digest> walked = new HashSet<>();
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
      walk(name, d, true, 0);
    }
    return this;
  }

  private void walk(String name, Descriptor d, boolean required, int depth) {
    boolean document = d.mediaType().isEmpty() || MediaTypes.isIndex(d.mediaType()) || MediaTypes.isManifest(d.mediaType());
    if (!store.contains(d)) {
      if (store.contains(d.digest())) {
        // Truncated or damaged: a pull fetches it again. A document's children are unknown meanwhile.
        damaged.add(name + ": blob " + d.digest() + " does not have the descriptor's size of " + d.size() + " bytes");
        unreadableDocument |= document;
      } else if (required) {
        missing.add(name + ": blob " + d.digest() + " is missing");
      }
      return;
    }
    blobs.add(d.digest());
    if (depth > MAX_DEPTH || !document || !walked.add(d.digest())) {
      return;
    }
    Document doc;
    try {
      doc = Document.parse(store.read(d, Document.MAX_SIZE), null, d);
    } catch (JpullException e) {
      if (e.kind() != Kind.UNSUPPORTED) {
        damaged.add(name + ": " + e.getMessage());
        unreadableDocument = true;
      }
      return;
    } catch (IOException e) {
      damaged.add(name + ": " + StoreFailure.describe(e));
      unreadableDocument = true;
      return;
    }
    if (doc.isIndex()) {
      for (Descriptor child : doc.index().manifests()) {
        walk(name, child, false, depth + 1);
      }
      return;
    }
    Descriptor config = doc.manifest().config();
    for (Descriptor layer : doc.manifest().layers()) {
      walk(name, layer, true, depth + 1);
    }
    walk(name, config, true, depth + 1);
    if (!store.contains(config) || !MediaTypes.isConfig(config.mediaType())) {
      return;
    }
    try {
      ImageConfig c = Json.MAPPER.readValue(store.read(config, Document.MAX_SIZE), ImageConfig.class);
      if (!c.diffIds().isEmpty()) {
        Digest chain = ChainId.of(c.diffIds());
        chains.add(chain);
        if (store.completeTree(chain).isEmpty()) {
          withoutTree.add(name + " (" + d.digest() + ")");
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
