package dev.jpull.cli;

import dev.jpull.progress.Sizes;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.content.LocalContentStore;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Json;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.image.Image;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jpull images}: what the store holds. */
@Command(name = "images", description = {"List the images in the store.", "",
    "Examples:", "  jpull images", "  jpull images --format json | jq -r '.[].name'"})
final class ImagesCommand implements Callable<Integer> {
  enum Format { table, json }

  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
  Format format;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (LocalContentStore store = StoreLocation.open(main)) {
      ArrayNode rows = Json.MAPPER.createArrayNode();
      for (Descriptor d : store.references()) {
        String name = d.annotations().getOrDefault(Descriptor.CONTAINERD_NAME,
            d.annotations().getOrDefault(Descriptor.REF_NAME, ""));
        ObjectNode row = rows.addObject();
        row.put("name", name).put("digest", d.digest().toString()).put("mediaType", d.mediaType());
        Optional<Image> image = Optional.empty();
        try {
          image = Image.find(store, d, PlatformMatcher.only(PlatformMatcher.host()), name);
        } catch (java.io.IOException e) {
          // Another platform only, or incomplete: listed without size and platform.
        }
        row.put("size", image.map(Image::size).orElse(d.size()));
        row.put("platform", image.map(i -> i.platform().toString()).orElse(null));
        Optional<java.nio.file.Path> tree = image.map(Image::chainId).flatMap(store::completeTree);
        row.put("rootfs", tree.map(Object::toString).orElse(null));
      }
      if (format == Format.json) {
        out.println(Json.terminalWriter().withDefaultPrettyPrinter().writeValueAsString(rows));
      } else {
        out.printf("%-60s %-19s %-16s %10s%n", "REFERENCE", "DIGEST", "PLATFORM", "SIZE");
        for (var row : rows) {
          out.printf("%-60s %-19s %-16s %10s%n", row.get("name").asText(),
              row.get("digest").asText().substring(0, 19),
              row.get("platform").isNull() ? "-" : dev.jpull.Quoted.text(row.get("platform").asText()),
              Sizes.human(row.get("size").asLong()));
        }
      }
      out.flush();
    }
    return 0;
  }
}
