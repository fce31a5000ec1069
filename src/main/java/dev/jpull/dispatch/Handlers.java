package dev.jpull.dispatch;

import dev.jpull.image.Graph;
import dev.jpull.image.Platforms;
import dev.jpull.content.Provider;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.MediaTypes;
import dev.jpull.oci.Digest;
import dev.jpull.oci.PlatformMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The handler combinators of a pull, each a small wrapper (containerd {@code images/handlers.go}): the pull
 * command composes them and never carries flags into them.
 */
public final class Handlers {
  private Handlers() {}

  /** Runs handlers in order on each descriptor; the children are those of all of them, in order, once each. */
  public static Handler sequence(Handler... handlers) {
    List<Handler> list = List.of(handlers);
    return d -> {
      Set<Descriptor> children = new LinkedHashSet<>();
      for (Handler h : list) {
        children.addAll(h.handle(d));
      }
      return List.copyOf(children);
    };
  }

  /**
   * Reads a stored index or manifest and returns what it refers to: an index its manifests (skipping
   * attestations, {@code unknown/unknown} platforms and unknown media types), a manifest its config and
   * layers. A manifest whose config is not an image config is a non-image artifact: refused, naming it.
   */
  public static Handler children(Provider store) {
    return d -> {
      if (!MediaTypes.isIndex(d.mediaType()) && !MediaTypes.isManifest(d.mediaType())) {
        return List.of();
      }
      return new ArrayList<>(Graph.imageChildren(store.document(d)));
    };
  }

  /**
   * Refuses an index nested below {@link Graph#MAX_INDEX_DEPTH} others ({@link Graph#checkNesting}). The
   * walk is parallel, so each child's depth is remembered when its parent returns it.
   */
  public static Handler nesting(Handler inner) {
    Map<Digest, Integer> indexesAbove = new ConcurrentHashMap<>();
    return d -> {
      List<Descriptor> children = inner.handle(d);
      int below = indexesAbove.getOrDefault(d.digest(), 0) + (MediaTypes.isIndex(d.mediaType()) ? 1 : 0);
      for (Descriptor child : children) {
        Graph.checkNesting(child, below);
        indexesAbove.merge(child.digest(), below, Math::max);
      }
      return children;
    };
  }

  /** Runs {@code inner}, then tells {@code done} the descriptor was handled (e.g. a blob is in the store). */
  public static Handler then(Handler inner, Consumer<Descriptor> done) {
    return d -> {
      List<Descriptor> children = inner.handle(d);
      done.accept(d);
      return children;
    };
  }

  /**
   * Keeps, among an index's children, only those whose platform matches, the best {@code limit} of them
   * (containerd {@code FilterPlatforms} + {@code LimitManifests}). No match is {@code NOT_FOUND}, listing
   * the platforms the index has.
   */
  public static Handler platforms(Handler inner, PlatformMatcher matcher, int limit, String subject) {
    return d -> {
      List<Descriptor> children = inner.handle(d);
      if (!MediaTypes.isIndex(d.mediaType())) {
        return children;
      }
      return Platforms.pick(children, matcher, limit, subject);
    };
  }
}
