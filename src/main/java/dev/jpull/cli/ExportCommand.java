package dev.jpull.cli;

import dev.jpull.image.Platforms;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.export.Destination;
import dev.jpull.export.ExportFormat;
import dev.jpull.export.Exporter;
import dev.jpull.export.LayoutContent;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Document;
import dev.jpull.oci.Platform;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.progress.Sizes;
import dev.jpull.pull.PullOptions;
import dev.jpull.pull.PullResult;
import dev.jpull.pull.Puller;
import dev.jpull.image.Image;
import dev.jpull.reference.Reference;
import dev.jpull.registry.RegistryClient;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code jpull export REF DEST}: writes a stored image as an OCI layout, an OCI archive or a docker archive.
 * An image the store does not hold whole is pulled first (blobs only), as {@code crane} does, unless
 * {@code --local} forbids the network.
 */
@Command(name = "export", sortOptions = false,
    description = {"Write an image from the store as an OCI layout directory, an OCI archive or a docker archive.",
        "The image is pulled first (without unpacking) when the store does not hold it; --local forbids that.", "",
        "Examples:",
        "  jpull export alpine:3.19 alpine.tar",
        "  jpull export alpine:3.19 - | docker load",
        "  jpull export --format oci alpine:3.19 ./alpine-oci",
        "  jpull export --format oci-archive --all-platforms alpine:3.19 alpine-oci.tar"})
final class ExportCommand implements Callable<Integer>, JsonAware {
  private static final String STDOUT = "-";

  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REF", converter = Converters.ReferenceConverter.class,
      description = "[HOST[:PORT]/]PATH[:TAG][@DIGEST]")
  Reference ref;

  @Parameters(index = "1", paramLabel = "DEST",
      description = "A file (replaced if it exists), '-' for stdout, or for --format oci a directory (absent or empty).")
  String dest;

  @Option(names = "--format", defaultValue = "docker-archive", paramLabel = "FORMAT",
      converter = FormatConverter.class, completionCandidates = FormatNames.class,
      description = "oci, oci-archive or docker-archive (default: ${DEFAULT-VALUE}).")
  ExportFormat format;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", converter = Converters.PlatformConverter.class,
      description = "Platform of a multi-platform image (default: the host's).")
  Platform platform;

  @Option(names = "--all-platforms", description = "Export the whole index with every platform (oci and oci-archive only).")
  boolean allPlatforms;

  @Option(names = "--local", description = "Use only the store; never contact the registry.")
  boolean local;

  @Option(names = "--progress", defaultValue = "auto", paramLabel = "MODE",
      description = "Output of a pull that export needs: auto, tty, plain, json or quiet (default: ${DEFAULT-VALUE}). "
          + "With DEST '-' the JSON events go to stderr.")
  ProgressMode progress;

  @Option(names = "--concurrency", defaultValue = "4", paramLabel = "N", description = "Blobs fetched at once (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Mixin
  RegistryOptions registry;

  private Output output;

  @Override
  public boolean json() {
    return output != null ? output.json() : progress == ProgressMode.JSON;
  }

  @Override
  public void failed(int code, String kind, String message) {
    PrintWriter events = toStdout() ? spec.commandLine().getErr() : spec.commandLine().getOut();
    JsonErrors.failed(output, progress, events, code, kind, message);
  }


  private boolean toStdout() {
    return STDOUT.equals(dest);
  }

  @Override
  @SuppressWarnings("try") // the lease is held for the block
  public Integer call() throws Exception {
    Path directory = checkUsage();
    PlatformMatcher matcher = PlatformMatcher.only(platform != null ? platform : PlatformMatcher.host());
    // stdout carries the archive with DEST '-': progress, JSON included, must stay off it.
    PrintStream events = toStdout() ? System.err : System.out;
    output = Output.create(progress, spec.commandLine(), events);
    String name = ref.toString();
    try (LocalContentStore store = StoreLocation.open(main); Closeable lease = store.lease()) {
      Optional<Descriptor> recorded = stored(store);
      long downloaded = 0;
      Map<String, Long> sources = Map.of();
      boolean pulled = false;
      if (recorded.isEmpty() || !complete(store, recorded.get(), matcher)) {
        if (local) {
          throw new JpullException(Kind.NOT_FOUND, "export " + ref + ": the store does not hold "
              + (recorded.isEmpty() ? "this image" : allPlatforms ? "every platform of this image" : "this image for "
              + matcher.wanted()), "pull it first: jpull pull " + (allPlatforms ? "--all-platforms " : "") + ref, null);
        }
        PullResult r = pull(store, matcher);
        downloaded = r.downloaded();
        sources = r.sources();
        pulled = true;
      }
      Descriptor root = stored(store).orElseThrow(() -> new JpullException(Kind.NOT_FOUND,
          "export " + ref + ": the image vanished from the store (removed by another process?)"));
      Exporter exporter = new Exporter(store);
      Map<String, String> annotations = LayoutContent.annotations(ref);
      Image image = null;
      LayoutContent content;
      if (allPlatforms) {
        content = LayoutContent.allPlatforms(store, root, annotations).orElseThrow(() -> incomplete());
      } else {
        image = Image.find(store, root, matcher, name).filter(i -> i.layersPresent(store))
            .orElseThrow(() -> incomplete());
        content = LayoutContent.of(store, image, annotations);
        if (!pulled && !Platforms.accepts(matcher, image.platform())) {
          // A single-platform image is what it is; the pull warns the same way.
          output.warn("the image " + ref + " is for " + image.platform() + ", which does not match the requested "
              + "platform " + matcher.wanted());
        }
      }
      write(exporter, content, image, directory);
      long size = content.blobs().stream().mapToLong(Descriptor::size).sum();
      finish(root, image, size, downloaded, sources, pulled);
    }
    return 0;
  }

  /**
   * The image the reference names in the store: recorded under its name, or, for a reference with a
   * digest, any stored document with that digest (pulled under another name).
   */
  private Optional<Descriptor> stored(LocalContentStore store) throws IOException {
    Optional<Descriptor> recorded = store.lookup(ref.toString());
    if (recorded.isPresent() || ref.digest() == null || !store.contains(ref.digest())) {
      return recorded;
    }
    long size = java.nio.file.Files.size(store.blobPath(ref.digest()));
    return Optional.of(store.document(new Descriptor("", ref.digest(), size)).descriptor());
  }

  /** Checks what can be checked before any work; a usage error exits 2. Returns the layout directory for oci. */
  private Path checkUsage() throws JpullException {
    CommandLine cli = spec.commandLine();
    if (concurrency < 1 || concurrency > 64) {
      throw new ParameterException(cli, "--concurrency must be between 1 and 64");
    }
    if (registry.username != null && !registry.passwordStdin) {
      throw new ParameterException(cli, "--username needs --password-stdin");
    }
    if (allPlatforms && format == ExportFormat.DOCKER_ARCHIVE) {
      throw new ParameterException(cli, "a docker-archive holds one platform: drop --all-platforms, or use "
          + "--format oci or oci-archive");
    }
    if (allPlatforms && platform != null) {
      throw new ParameterException(cli, "--platform and --all-platforms exclude each other");
    }
    if (toStdout() && !format.archive()) {
      throw new ParameterException(cli, "--format oci writes a directory; use --format oci-archive to stream a tar "
          + "to stdout");
    }
    if (toStdout() && Output.interactive()) {
      throw new ParameterException(cli, "refusing to write a tar archive to a terminal; redirect stdout or name a file");
    }
    if (dest.isEmpty()) {
      throw new ParameterException(cli, "DEST is empty");
    }
    if (format.archive() && !toStdout() && java.nio.file.Files.isDirectory(Path.of(dest))) {
      throw new ParameterException(cli, "DEST " + dest + " is a directory; name a file, or use --format oci for a "
          + "layout directory");
    }
    return format.archive() ? null : Targets.emptyDirectory(Path.of(dest), "DEST");
  }

  /** Whether the store holds every blob this export needs (a platform the stored index lacks is not there). */
  private boolean complete(LocalContentStore store, Descriptor root, PlatformMatcher matcher) throws IOException {
    if (allPlatforms) {
      return LayoutContent.allPlatforms(store, root, Map.of()).isPresent();
    }
    try {
      return Image.find(store, root, matcher, ref.toString()).filter(i -> i.layersPresent(store)).isPresent();
    } catch (JpullException e) {
      if (e.kind() != Kind.NOT_FOUND) {
        throw e;
      }
      if (!local) {
        return false; // the pull reports the platforms the registry has
      }
      throw new JpullException(Kind.NOT_FOUND, "export " + ref + ": no manifest for platform " + matcher.wanted()
          + "; the stored image has: " + platforms(store, root), "choose one of them with --platform", null);
    }
  }

  private static String platforms(LocalContentStore store, Descriptor root) throws IOException {
    Document doc = store.document(root);
    if (!doc.isIndex()) {
      return "one platform";
    }
    String list = Platforms.offered(doc.index()).stream().map(Platform::toString).distinct()
        .map(dev.jpull.Quoted::of).collect(Collectors.joining(", "));
    return list.isEmpty() ? "none" : list;
  }

  private PullResult pull(LocalContentStore store, PlatformMatcher matcher) throws IOException, InterruptedException {
    try (RegistryClient client = Wiring.registryClient(main, registry, ref.registry(), output)) {
      Puller puller = new Puller(client, store, output);
      try (Interrupts ignored = Interrupts.install(puller::cancel, output)) {
        return puller.pull(ref, new PullOptions(allPlatforms ? null : matcher, allPlatforms, false, null, concurrency));
      }
    }
  }

  private JpullException incomplete() {
    return new JpullException(Kind.NOT_FOUND, "export " + ref + ": the store does not hold every blob of this image",
        "pull it again: jpull pull " + (allPlatforms ? "--all-platforms " : "") + ref, null);
  }

  private void write(Exporter exporter, LayoutContent content, Image image, Path directory) throws IOException {
    Destination.Body body = switch (format) {
      case OCI_ARCHIVE -> out -> exporter.ociArchive(content, out);
      case DOCKER_ARCHIVE -> out -> exporter.dockerArchive(image, ref, out);
      case OCI -> null;
    };
    // SIGINT/SIGTERM while writing: the contract's error line and event; Destination removes its temporaries.
    String undone = toStdout() ? "the archive on stdout is incomplete" : dest + " was not written";
    try (Interrupts ignored = Interrupts.install(() -> { }, output, "export " + ref + " interrupted; " + undone)) {
      if (body == null) {
        exporter.ociLayout(content, directory);
      } else if (toStdout()) {
        // Not System.out: a PrintStream swallows write errors, and a closed pipe must fail the export.
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 20);
        body.write(out);
        out.flush();
      } else {
        Destination.file(Path.of(dest), body);
      }
    } catch (JpullException e) {
      throw e;
    } catch (IOException e) {
      String target = toStdout() ? "stdout" : dest;
      throw new JpullException(Kind.LOCAL_IO, "export " + ref + " to " + target + ": " + Failures.message(e), e);
    }
  }

  private void finish(Descriptor root, Image image, long size, long downloaded, Map<String, Long> sources,
      boolean pulled) {
    if (output.json()) {
      output.on(DoneEvent.of(ref.toString(), root.digest().toString(), image, size, downloaded, null, !pulled,
          sources));
    }
    output.finish();
    if (!output.json() && !output.quiet()) {
      PrintStream err = System.err;
      err.println(dev.jpull.Quoted.text("Exported " + ref + (image == null ? " (all platforms)" : " (" + image.platform()
          + ")") + " as " + format + " to " + (toStdout() ? "stdout" : dest) + ", " + Sizes.human(size)));
      err.flush();
    }
  }

  /** {@code --format} values, with the hyphens picocli's enum conversion would not accept. */
  static final class FormatConverter implements CommandLine.ITypeConverter<ExportFormat> {
    @Override
    public ExportFormat convert(String value) {
      try {
        return ExportFormat.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** Completion candidates and the help's list of formats. */
  static final class FormatNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return ExportFormat.names().iterator();
    }
  }
}
