package dev.jpull.cli;

import dev.jpull.image.Graph;

import dev.jpull.image.Platforms;

import dev.jpull.progress.Sizes;
import dev.jpull.content.LocalContentStore;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Document;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.reference.Reference;
import dev.jpull.registry.RegistryClient;
import dev.jpull.registry.Resolution;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code pull --dry-run}: resolves and prints what a pull would do — the platform chosen, each blob needed
 * or already present, the bytes to fetch and the serving host — fetching manifests only, storing nothing.
 */
final class DryRun {
  private final RegistryClient client;
  private final LocalContentStore store;
  private final PrintWriter err;

  DryRun(RegistryClient client, LocalContentStore store, PrintWriter err) {
    this.client = client;
    this.store = store;
    this.err = err;
  }

  void plan(Reference ref, PlatformMatcher matcher, Resolution resolution) throws IOException {
    Descriptor root = resolution.descriptor();
    err.println("Plan for " + ref + " (dry run, nothing is fetched)");
    // The media type (a Content-Type) and platforms come from the registry: escaped.
    err.println(dev.jpull.Quoted.text("  resolved: " + root.digest() + " " + root.mediaType() + " from "
        + resolution.host()));
    List<Descriptor> manifests = new ArrayList<>();
    Document doc = document(ref, root);
    if (doc.isIndex()) {
      List<Descriptor> children = Platforms.images(doc.index());
      if (matcher == null) {
        manifests.addAll(children);
      } else {
        manifests.add(Platforms.pick(doc.index(), matcher, ref.toString()));
      }
    } else {
      manifests.add(root);
    }
    long toFetch = 0;
    int needed = 0;
    int present = 0;
    for (Descriptor m : manifests) {
      Document manifest = m.equals(root) ? doc : document(ref, m);
      err.println(dev.jpull.Quoted.text("  manifest: " + m.digest()
          + (m.platform() != null ? " platform " + m.platform().normalized() : "")));
      for (Descriptor b : Graph.children(manifest)) { // config, then layers
        boolean have = store.contains(b);
        err.printf("    %s %-8s %10s  %s%n", b.digest().shortHex(), have ? "present" : "needed", Sizes.human(b.size()),
            b.mediaType());
        if (have) {
          present++;
        } else {
          needed++;
          toFetch += b.size();
        }
      }
    }
    err.println("  blobs: " + needed + " needed, " + present + " present; " + Sizes.human(toFetch) + " to fetch from "
        + resolution.host());
    err.flush();
  }

  private Document document(Reference ref, Descriptor d) throws IOException {
    if (store.contains(d)) {
      return store.document(d);
    }
    return client.manifest(ref, d);
  }
}
