package dev.jpull.unpack;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.fs.Listing;
import dev.jpull.fs.TreeRemover;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** OCI whiteouts: {@code .wh.<name>} removes a lower entry, {@code .wh..wh..opq} hides a directory's lower content. */
final class Whiteouts {
  static final String PREFIX = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";

  private Whiteouts() {}

  static void apply(Tree tree, List<String> comps, String base, String what, LayerNames thisLayer)
      throws IOException {
    Tree.Resolved parent = tree.dir(comps.subList(0, comps.size() - 1), false, what);
    if (base.equals(OPAQUE)) {
      if (parent != null) {
        hideLower(tree, parent, thisLayer, what);
      }
      return;
    }
    String victim = base.substring(PREFIX.length());
    if (victim.isEmpty() || victim.equals(".") || victim.equals("..") || victim.startsWith(PREFIX)) {
      throw new JpullException(Kind.VERIFICATION, what + ": invalid whiteout");
    }
    if (parent != null) {
      tree.remove(parent.dir(), victim);
    }
  }

  /**
   * Removes what lower layers put under an opaque directory, keeping this layer's entries wherever the
   * marker stands in the layer (image-spec: "regardless of the ordering"). Only what is not kept is removed,
   * so resolutions of kept directories stay valid while this runs.
   */
  private static void hideLower(Tree tree, Tree.Resolved opaque, LayerNames thisLayer, String what)
      throws IOException {
    tree.invalidate();
    Deque<List<String>> pending = new ArrayDeque<>();
    pending.push(opaque.real().isEmpty() ? List.of() : List.of(opaque.real().split("/", -1)));
    while (!pending.isEmpty()) {
      List<String> comps = pending.pop();
      Tree.Resolved r = tree.dir(comps, false, what);
      if (r == null) {
        continue;
      }
      String prefix = comps.isEmpty() ? "" : String.join("/", comps) + "/";
      List<String> kept = new ArrayList<>();
      try (Listing l = r.dir().list()) {
        while (l.next()) {
          String child = new String(l.name(), StandardCharsets.ISO_8859_1);
          if (!thisLayer.contains(prefix + child)) {
            TreeRemover.remove(r.dir(), l.name());
          } else if (l.type() == Listing.DIRECTORY
              || (l.type() == Listing.UNKNOWN && r.dir().stat(l.name()).isDirectory())) {
            kept.add(child);
          }
        }
      }
      for (String k : kept) {
        List<String> next = new ArrayList<>(comps);
        next.add(k);
        pending.push(next);
      }
    }
    tree.invalidate();
  }
}
