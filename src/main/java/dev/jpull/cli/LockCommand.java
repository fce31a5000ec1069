package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.lock.LockFile;
import dev.jpull.lock.Locker;
import dev.jpull.oci.Platform;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.pull.Puller;
import dev.jpull.reference.Reference;
import dev.jpull.registry.RegistryClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jpull lock REF...}: pin the images a build uses in a lock file; {@code --check}: are they still? */
@Command(name = "lock", sortOptions = false,
    description = {"Resolve references and pin them in a lock file (see docs/lock-file.md); with --check, verify",
        "that every locked reference still resolves to its digest.", "",
        "Examples:",
        "  jpull lock alpine:3.19 ghcr.io/org/app:1.2      # writes ./jpull.lock",
        "  jpull lock --all-platforms -f images.lock python:3.12",
        "  jpull lock --check                              # exit 3 when a tag moved",
        "  jpull pull --locked alpine:3.19                 # exactly the locked digest",
        "  jpull pull --from-lock jpull.lock               # every locked image, in parallel"})
final class LockCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Parameters(arity = "0..*", paramLabel = "REF", converter = Converters.ReferenceConverter.class,
      description = "[HOST[:PORT]/]PATH[:TAG][@DIGEST]")
  List<Reference> refs = new ArrayList<>();

  @Option(names = {"-f", "--file"}, paramLabel = "FILE", defaultValue = LockedPulls.DEFAULT_FILE,
      description = "The lock file (default: ${DEFAULT-VALUE}).")
  Path file;

  @Option(names = "--check", description = "Check that every entry still resolves to its digest (exit 3 if not).")
  boolean check;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", converter = Converters.PlatformConverter.class,
      description = "Platform to lock from a multi-platform image (default: the host's).")
  Platform platform;

  @Option(names = "--all-platforms", description = "Lock every platform of a multi-platform image.")
  boolean allPlatforms;

  @Mixin
  RegistryOptions registry;

  @Override
  public Integer call() throws Exception {
    if (check && !refs.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--check takes no REF: it checks every entry of " + file);
    }
    if (!check && refs.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "give the references to lock, or --check");
    }
    if (platform != null && allPlatforms) {
      throw new ParameterException(spec.commandLine(), "--platform and --all-platforms exclude each other");
    }
    if (registry.username != null && !registry.passwordStdin) {
      throw new ParameterException(spec.commandLine(), "--username needs --password-stdin");
    }
    LockFile existing = check ? LockFile.read(file) : null;
    String credentialsFor = check ? (existing.images().isEmpty() ? null : existing.images().get(0).reference().registry())
        : refs.get(0).registry();
    try (var store = StoreLocation.open(main);
         RegistryClient client = Wiring.registryClient(main, registry, credentialsFor, Output.silent())) {
      Locker locker = new Locker(client, new Puller(client, store, Output.silent())::resolve);
      return check ? check(locker, existing) : lock(locker);
    }
  }

  private int lock(Locker locker) throws java.io.IOException, InterruptedException {
    PlatformMatcher matcher = allPlatforms ? null : PlatformMatcher.only(platform != null ? platform : PlatformMatcher.host());
    List<LockFile.Entry> entries = new ArrayList<>();
    for (Reference ref : refs) {
      if (entries.stream().anyMatch(e -> e.reference().equals(ref))) {
        continue;
      }
      entries.add(locker.lock(ref, matcher));
    }
    LockFile lock = new LockFile(entries);
    boolean changed = lock.write(file);
    PrintWriter out = spec.commandLine().getOut();
    for (LockFile.Entry e : lock.images()) {
      out.println(e.pinned());
    }
    out.flush();
    PrintWriter err = spec.commandLine().getErr();
    err.println((changed ? "Locked " : "Unchanged: ") + lock.images().size() + " image"
        + (lock.images().size() == 1 ? "" : "s") + " in " + file);
    err.flush();
    return 0;
  }

  private int check(Locker locker, LockFile lock) throws java.io.IOException {
    PrintWriter out = spec.commandLine().getOut();
    List<String> changed = new ArrayList<>();
    for (LockFile.Entry e : lock.images()) {
      Locker.Check c = locker.check(e);
      String line = switch (c.status()) {
        case OK -> "ok       " + e.reference() + " " + e.digest();
        case MOVED -> "moved    " + e.reference() + " locked " + e.digest() + ", now " + c.current() + " at " + c.host();
        case MISSING -> "missing  " + e.reference() + " locked " + e.digest() + ", not found now";
      };
      out.println(line);
      out.flush();
      if (c.status() == Locker.Status.MOVED) {
        changed.add(e.reference() + " moved from " + e.digest() + " to " + c.current());
      } else if (c.status() == Locker.Status.MISSING) {
        changed.add(e.reference() + " (" + e.digest() + ") is missing");
      }
    }
    if (!changed.isEmpty()) {
      throw new JpullException(Kind.NOT_FOUND, "lock check " + file + ": " + changed.size() + " of "
          + lock.images().size() + " images no longer resolve as locked: " + String.join("; ", changed),
          "review them, then re-lock with 'jpull lock " + lock.images().stream().map(i -> i.reference().toString())
              .collect(Collectors.joining(" ")) + " -f " + file + "'", null);
    }
    return 0;
  }
}
