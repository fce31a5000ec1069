package dev.jpull.serve;

import dev.jpull.Kind;

import dev.jpull.JpullException;

import dev.jpull.image.Graph;

import dev.jpull.content.LocalContentStore;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.reference.Reference;
import dev.jpull.reference.ReferenceParseException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The store's references seen as repositories, read from index.json on every request (gc and pulls
 * change it under a running server). A name is the stored canonical one ({@code docker.io/library/alpine}),
 * or the repository with containerd's {@code ns} parameter naming the registry, or the repository alone
 * when exactly one registry's images have it.
 */
final class Catalog {
  private final LocalContentStore store;

  Catalog(LocalContentStore store) {
    this.store = store;
  }

  /** One stored reference: its parsed name and the descriptor index.json records for it. */
  record Stored(Reference ref, Descriptor root) {}

  /** A repository of the store: {@code registry/repository} and the references recorded in it. */
  record Repo(String registry, String repository, List<Stored> refs) {}

  Repo repository(String name, String ns) throws ApiError, IOException {
    check(name, ns);
    List<Stored> all = stored();
    if (ns != null) {
      return matching(all, ns, name).orElseThrow(() -> ApiError.nameUnknown(ns + "/" + name));
    }
    int slash = name.indexOf('/');
    if (slash > 0) {
      Optional<Repo> canonical = matching(all, name.substring(0, slash), name.substring(slash + 1));
      if (canonical.isPresent()) {
        return canonical.get();
      }
    }
    TreeSet<String> registries = new TreeSet<>();
    for (Stored s : all) {
      if (s.ref().repository().equals(name)) {
        registries.add(s.ref().registry());
      }
    }
    if (registries.size() == 1) {
      return matching(all, registries.first(), name).orElseThrow();
    }
    if (registries.size() > 1) {
      throw new ApiError(404, "NAME_UNKNOWN", "repository " + name + " is held for several registries ("
          + String.join(", ", registries) + "): name it as REGISTRY/" + name + " or add ?ns=REGISTRY");
    }
    throw ApiError.nameUnknown(name);
  }

  /** The grammar of a repository (and of the ns host), so nothing else reaches the store. */
  private static void check(String name, String ns) throws ApiError {
    String shown = ns != null ? ns + "/" + name : name;
    try {
      Reference r = Reference.parse(shown + ":x");
      if (ns != null && !r.registry().equals(Reference.parse(ns + "/x:x").registry())) {
        throw ApiError.nameInvalid(shown, "the repository must not name a registry when ns does");
      }
    } catch (ReferenceParseException e) {
      throw ApiError.nameInvalid(shown, e.getMessage());
    }
  }

  private static Optional<Repo> matching(List<Stored> all, String registry, String repository) {
    String reg = registry.equals("index.docker.io") || registry.equals(Reference.DOCKER_HUB_API) ? Reference.DOCKER_HUB
        : registry;
    List<Stored> refs = all.stream()
        .filter(s -> s.ref().registry().equals(reg) && s.ref().repository().equals(repository)).toList();
    return refs.isEmpty() ? Optional.empty() : Optional.of(new Repo(reg, repository, refs));
  }

  private List<Stored> stored() throws IOException {
    List<Stored> out = new ArrayList<>();
    for (Descriptor d : store.references()) {
      String name = d.annotations().get(Descriptor.REF_NAME);
      if (name == null) {
        continue;
      }
      try {
        out.add(new Stored(Reference.parse(name), d));
      } catch (ReferenceParseException e) {
        // a name jpull did not write (another tool's layout entry): not served
      }
    }
    return out;
  }

  /** The tags of a repository, sorted. */
  static List<String> tags(Repo repo) {
    TreeSet<String> tags = new TreeSet<>();
    for (Stored s : repo.refs()) {
      if (s.ref().tag() != null) {
        tags.add(s.ref().tag());
      }
    }
    return List.copyOf(tags);
  }

  /**
   * The manifest (or index) descriptor a tag or digest names in {@code repo}: a tag's recorded root, or
   * a document reachable from one of the repository's roots (so its media type is the descriptor's).
   */
  Descriptor manifest(Repo repo, String reference) throws ApiError, IOException {
    String name = repo.registry() + "/" + repo.repository();
    if (!reference.contains(":")) {
      for (Stored s : repo.refs()) {
        if (reference.equals(s.ref().tag())) {
          if (!store.contains(s.root().digest())) {
            throw ApiError.manifestUnknown(name, reference);
          }
          return s.root();
        }
      }
      throw ApiError.manifestUnknown(name, reference);
    }
    Digest wanted = digest(reference);
    // The one image walk, bounded whatever the store holds; a manifest is found under its references' indexes.
    Graph graph = new Graph();
    Descriptor[] found = new Descriptor[1];
    Graph.Step step = (d, indexes) -> {
      if (found[0] != null || !store.contains(d.digest())) {
        return List.of();
      }
      if (d.digest().equals(wanted)) {
        found[0] = d;
        return List.of();
      }
      if (!MediaTypes.isIndex(d.mediaType())) {
        return List.of();
      }
      return Graph.children(store.document(d)).stream()
          .filter(c -> MediaTypes.isIndex(c.mediaType()) || MediaTypes.isManifest(c.mediaType())).toList();
    };
    for (Stored s : repo.refs()) {
      try {
        graph.walk(s.root(), step);
      } catch (JpullException e) {
        if (e.kind() != Kind.VERIFICATION) {
          throw e;
        }
        // a stored graph beyond the walk's bounds: what lies below is not served
      }
      if (found[0] != null) {
        return found[0];
      }
    }
    throw ApiError.manifestUnknown(name, reference);
  }

  static Digest digest(String s) throws ApiError {
    try {
      return Digest.parse(s);
    } catch (IllegalArgumentException e) {
      throw ApiError.digestInvalid(s);
    }
  }
}
