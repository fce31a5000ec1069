package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.oci.Platform;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.pull.PullOptions;
import dev.jpull.pull.PullResult;
import dev.jpull.pull.Puller;
import dev.jpull.reference.Reference;
import dev.jpull.registry.RegistryClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jpull pull REF}: resolve, fetch verified into the store, record, unpack. */
@Command(name = "pull", sortOptions = false,
    description = {"Pull an image into the store and unpack its root filesystem.", "",
        "Examples:",
        "  jpull pull alpine:3.19",
        "  jpull pull --platform linux/arm64 --rootfs ./rootfs ghcr.io/org/app:1.2",
        "  jpull pull -q --digestfile digest.txt 127.0.0.1:5000/app:1 --plain-http",
        "  jpull pull --progress json alpine | jq -c 'select(.type==\"done\")'",
        "  jpull pull --locked alpine:3.19             # the digest jpull.lock pins, or exit 3",
        "  jpull pull -q --from-lock jpull.lock        # every locked image, in parallel"})
final class PullCommand implements Callable<Integer>, JsonAware {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "REF", converter = Converters.ReferenceConverter.class,
      description = "[HOST[:PORT]/]PATH[:TAG][@DIGEST]")
  Reference ref;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", converter = Converters.PlatformConverter.class,
      description = "Platform to pull (default: the host's, e.g. linux/amd64).")
  Platform platform;

  @Option(names = "--all-platforms", description = "Fetch every manifest of an index (no unpack unless --platform names one).")
  boolean allPlatforms;

  @Option(names = "--rootfs", paramLabel = "DIR", description = "Unpack into DIR (absent or empty) instead of the store's own tree.")
  Path rootfs;

  @Option(names = "--no-unpack", description = "Fetch blobs only.")
  boolean noUnpack;

  @Option(names = "--progress", defaultValue = "auto", paramLabel = "MODE",
      description = "auto, tty, plain, json or quiet (default: ${DEFAULT-VALUE}: tty when stderr is a terminal and CI is not true, else plain).")
  ProgressMode progress;

  @Option(names = {"-q", "--quiet"}, description = "Print only the pinned reference on stdout.")
  boolean quiet;

  @Option(names = "--digestfile", paramLabel = "FILE", description = "Write the resolved digest to FILE.")
  Path digestFile;

  @Option(names = "--concurrency", defaultValue = "4", paramLabel = "N", description = "Blobs fetched at once (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--dry-run", description = "Resolve and print the plan; fetch no blob.")
  boolean dryRun;

  @Option(names = "--locked", description = "Pull exactly the digest the lock file records for REF; exit 3 if the tag moved.")
  boolean locked;

  @Option(names = {"-f", "--lock-file"}, paramLabel = "FILE", defaultValue = LockedPulls.DEFAULT_FILE,
      description = "The lock file of --locked (default: ${DEFAULT-VALUE}).")
  Path lockFile;

  @Option(names = "--from-lock", paramLabel = "FILE",
      description = "Pull every image of lock file FILE, in parallel, each exactly as locked.")
  Path fromLock;

  @Option(names = "--allow-foreign-urls", description = "Allow fetching a foreign layer from its descriptor's urls "
      + "(https only, never loopback, link-local or private addresses); default: layers come from the registry only.")
  boolean allowForeignUrls;

  @Mixin
  RegistryOptions registry;

  private Output output;

  @Override
  public boolean json() {
    return output != null ? output.json() : progress == ProgressMode.JSON;
  }

  @Override
  public void failed(int code, String kind, String message) {
    JsonErrors.failed(output, progress, spec.commandLine().getOut(), code, kind, message);
  }


  @Override
  public Integer call() throws Exception {
    if (concurrency < 1 || concurrency > 64) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--concurrency must be between 1 and 64");
    }
    if (registry.username != null && !registry.passwordStdin) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--username needs --password-stdin");
    }
    if (fromLock != null) {
      LockedPulls.refuseSingleImageOptions(spec.commandLine(), ref, locked, rootfs, digestFile, dryRun, registry.username);
    } else if (ref == null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing required parameter: 'REF'");
    }
    Path target = rootfs == null ? null : Targets.emptyDirectory(rootfs, "--rootfs");
    PlatformMatcher matcher = platform != null ? PlatformMatcher.only(platform)
        : allPlatforms ? null : PlatformMatcher.only(PlatformMatcher.host());
    boolean unpack = !noUnpack && !dryRun && matcher != null;
    if (fromLock != null) {
      return LockedPulls.pullAll(main, registry, fromLock, new PullOptions(matcher, allPlatforms, unpack, null,
          concurrency), () -> LockedPulls.output(quiet, progress, spec.commandLine()), o -> output = o, spec.commandLine());
    }
    output = Output.create(quiet ? ProgressMode.QUIET : progress, spec.commandLine());
    try (LocalContentStore store = StoreLocation.open(main);
         RegistryClient client = Wiring.registryClient(main, registry, ref.registry(), output, allowForeignUrls)) {
      Puller puller = new Puller(client, store, output);
      if (dryRun) {
        new DryRun(client, store, spec.commandLine().getErr()).plan(ref, matcher, puller.resolve(ref));
        return 0;
      }
      PullResult result;
      try (Interrupts ignored = Interrupts.install(puller::cancel, output)) {
        result = puller.pull(ref, locked ? LockedPulls.check(puller, ref, lockFile) : null,
            new PullOptions(matcher, allPlatforms, unpack, target, concurrency));
      }
      finish(result);
    }
    return 0;
  }

  private void finish(PullResult r) throws JpullException {
    String digest = r.resolved().digest().toString();
    if (digestFile != null) {
      try {
        Files.writeString(digestFile, digest, StandardCharsets.US_ASCII);
      } catch (java.io.IOException e) {
        throw new JpullException(Kind.LOCAL_IO, "write --digestfile " + digestFile, e);
      }
    }
    output.on(DoneEvent.of(ref.toString(), digest, r.image(), r.size(), r.downloaded(), r.rootfs(), r.upToDate(),
        r.sources()));
    output.finish();
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      return;
    }
    out.println(output.quiet() ? r.pinned().toString() : ref.toString());
    out.flush();
  }
}
