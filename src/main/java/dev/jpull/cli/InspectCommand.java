package dev.jpull.cli;

import dev.jpull.image.Graph;
import dev.jpull.image.VerifyingInputStream;

import dev.jpull.image.Platforms;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Document;
import dev.jpull.oci.Fields;
import dev.jpull.oci.ImageConfig;
import dev.jpull.oci.Json;
import dev.jpull.oci.Platform;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.reference.Reference;
import dev.jpull.registry.BlobStream;
import dev.jpull.registry.RegistryClient;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jpull inspect REF}: the image's summary as JSON, without downloading layers. */
@Command(name = "inspect", sortOptions = false,
    description = {"Print an image's summary as JSON without downloading its layers.", "",
        "Examples:",
        "  jpull inspect alpine:3.19",
        "  jpull inspect --raw alpine:3.19 | sha256sum",
        "  jpull inspect --config --platform linux/arm64 ghcr.io/org/app:1",
        "  jpull inspect --local alpine:3.19"})
final class InspectCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REF", converter = Converters.ReferenceConverter.class)
  Reference ref;

  @Option(names = "--raw", description = "Print the manifest (or index) bytes exactly as served.")
  boolean raw;

  @Option(names = "--config", description = "Print the image config exactly as stored.")
  boolean config;

  @Option(names = "--local", description = "Read the store instead of the registry.")
  boolean local;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", converter = Converters.PlatformConverter.class,
      description = "Platform of a multi-platform image to describe (default: the host's).")
  Platform platform;

  @Mixin
  RegistryOptions registry;

  @Override
  public Integer call() throws Exception {
    PlatformMatcher matcher = PlatformMatcher.only(platform != null ? platform : PlatformMatcher.host());
    OutputStream out = System.out;
    try (LocalContentStore store = StoreLocation.open(main);
         RegistryClient client = local ? null : Wiring.registryClient(main, registry, ref.registry(), Output.silent())) {
      Source source = local ? new StoreSource(store, ref) : new RemoteSource(client, ref);
      Descriptor root = source.root();
      Document doc = source.document(root);
      if (raw) {
        out.write(doc.bytes());
        out.flush();
        return 0;
      }
      ObjectNode summary = Json.MAPPER.createObjectNode();
      summary.put("name", ref.name());
      summary.put("tag", ref.tag());
      summary.put("digest", root.digest().toString());
      summary.put("mediaType", doc.mediaType());
      Descriptor manifestDesc = root;
      Document manifestDoc = doc;
      if (doc.isIndex()) {
        ArrayNode platforms = summary.putArray("platforms");
        for (Descriptor c : Platforms.images(doc.index())) {
          ObjectNode p = platforms.addObject();
          p.put("platform", c.platform() == null ? null : c.platform().normalized().toString());
          p.put("digest", c.digest().toString()).put("mediaType", c.mediaType()).put("size", c.size());
        }
        try {
          manifestDesc = Platforms.pick(doc.index(), matcher, "inspect " + ref);
        } catch (JpullException e) {
          if (e.kind() != Kind.NOT_FOUND) {
            throw e;
          }
          manifestDesc = null;
        }
        if (manifestDesc == null) {
          if (config) {
            throw new JpullException(Kind.NOT_FOUND, "inspect " + ref + ": no manifest for platform " + matcher.wanted(),
                "choose one of the listed platforms with --platform", null);
          }
          print(summary);
          return 0;
        }
        manifestDoc = source.document(manifestDesc);
      }
      Descriptor configDesc = Graph.config(manifestDoc);
      byte[] configBytes = source.config(configDesc);
      if (config) {
        out.write(configBytes);
        out.flush();
        return 0;
      }
      ImageConfig cfg = ImageConfig.parse(configBytes, configDesc);
      summary.put("manifestDigest", manifestDesc.digest().toString());
      summary.put("configDigest", configDesc.digest().toString());
      summary.put("platform", cfg.platform().toString());
      summary.put("created", cfg.created());
      summary.put("architecture", cfg.architecture());
      summary.put("os", cfg.os());
      if (cfg.variant() != null) {
        summary.put("variant", cfg.variant());
      }
      ArrayNode layers = summary.putArray("layers");
      long total = 0;
      for (Descriptor l : Graph.layers(manifestDoc)) {
        layers.addObject().put("digest", l.digest().toString()).put("size", l.size()).put("mediaType", l.mediaType());
        total += l.size();
      }
      summary.put("size", total);
      ImageConfig.RunConfig run = cfg.config();
      summary.set("env", run == null || run.env() == null ? NullNode.instance : Fields.array(run.env()));
      summary.set("entrypoint", run == null || run.entrypoint() == null ? NullNode.instance
          : Fields.array(run.entrypoint()));
      summary.set("cmd", run == null || run.cmd() == null ? NullNode.instance : Fields.array(run.cmd()));
      summary.set("labels", run == null || run.labels() == null ? NullNode.instance
          : Fields.sorted(run.labels()));
      print(summary);
    }
    return 0;
  }

  private void print(ObjectNode summary) throws IOException {
    var w = spec.commandLine().getOut();
    // Labels, env and platform strings come from the registry: escaped for the terminal, still the same JSON.
    w.println(Json.terminalWriter().withDefaultPrettyPrinter().writeValueAsString(summary));
    w.flush();
  }

  /** Where the documents come from. */
  private interface Source {
    Descriptor root() throws IOException;

    Document document(Descriptor d) throws IOException;

    byte[] config(Descriptor d) throws IOException;
  }

  private record StoreSource(LocalContentStore store, Reference ref) implements Source {
    @Override
    public Descriptor root() throws IOException {
      return store.lookup(ref.toString()).orElseThrow(() -> new JpullException(Kind.NOT_FOUND,
          "inspect " + ref + ": no such image in the store", "pull it first, or inspect the registry without --local", null));
    }

    @Override
    public Document document(Descriptor d) throws IOException {
      return store.document(d);
    }

    @Override
    public byte[] config(Descriptor d) throws IOException {
      return store.read(d, Document.MAX_SIZE);
    }
  }

  private record RemoteSource(RegistryClient client, Reference ref) implements Source {
    @Override
    public Descriptor root() throws IOException {
      return client.resolve(ref).descriptor();
    }

    @Override
    public Document document(Descriptor d) throws IOException {
      return client.manifest(ref, d);
    }

    @Override
    public byte[] config(Descriptor d) throws IOException {
      try (BlobStream bs = client.blob(ref, d, 0)) {
        try {
          return VerifyingInputStream.readAll(bs.body(), d, Document.MAX_SIZE);
        } catch (JpullException e) {
          throw e.kind() != Kind.VERIFICATION ? e
              : new JpullException(Kind.VERIFICATION, "config from " + bs.host() + ": " + e.getMessage(), e);
        }
      }
    }
  }
}
