package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.lock.LockFile;
import dev.jpull.oci.Digest;
import dev.jpull.progress.ProgressEvent;
import dev.jpull.pull.PullOptions;
import dev.jpull.pull.PullResult;
import dev.jpull.pull.Puller;
import dev.jpull.reference.Reference;
import dev.jpull.registry.RegistryClient;
import dev.jpull.registry.Resolution;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;

/** {@code pull --locked} and {@code pull --from-lock}: pulls held to what a lock file pinned. */
final class LockedPulls {
  static final String DEFAULT_FILE = "jpull.lock";
  /** Entries pulled at once; each pull has its own {@code --concurrency} blob pool. */
  private static final int PARALLEL_PULLS = 4;

  private LockedPulls() {}

  /**
   * Resolves {@code ref} now and holds it to the lock: the resolution when it is the locked digest, else
   * {@code NOT_FOUND} (exit 3) naming the reference, the locked and the current digest.
   */
  static Resolution check(Puller puller, Reference ref, Path file) throws IOException {
    LockFile.Entry entry = LockFile.read(file).find(ref).orElseThrow(() -> new JpullException(Kind.INVALID_INPUT,
        "pull --locked " + ref + ": the lock file " + file + " has no entry for it",
        "add it with 'jpull lock " + ref + " -f " + file + "', or pull without --locked", null));
    return check(puller, ref, entry, file);
  }

  private static Resolution check(Puller puller, Reference ref, LockFile.Entry entry, Path file) throws IOException {
    Resolution now = puller.resolve(ref.withoutDigest());
    Digest current = now.descriptor().digest();
    if (!current.equals(entry.digest())) {
      throw new JpullException(Kind.NOT_FOUND, "pull --locked " + ref + ": " + file + " locks " + entry.digest()
          + " but " + now.host() + " now resolves it to " + current,
          "pull " + new Reference(ref.registry(), ref.repository(), null, entry.digest())
              + " for the locked image, or review the new one and re-lock with 'jpull lock "
              + ref + " -f " + file + "'", null);
    }
    return now;
  }

  /** The progress output of many pulls at once: bars cannot share one terminal, so plain lines there. */
  static Output output(boolean quiet, ProgressMode progress, CommandLine cli) {
    ProgressMode m = quiet ? ProgressMode.QUIET
        : progress == ProgressMode.AUTO || progress == ProgressMode.TTY ? ProgressMode.PLAIN : progress;
    return Output.create(m, cli);
  }

  /**
   * Pulls every entry of {@code file}, in parallel, each held to its locked digest, each with its own
   * progress output (so one terminal event each). The exit code is that of the first failed entry in the
   * lock's order: its output goes to {@code failedOutput}, for the command's own error report; the other
   * failures are reported here, before it.
   */
  static int pullAll(Main main, RegistryOptions registry, Path file, PullOptions options,
      java.util.function.Supplier<Output> outputs, java.util.function.Consumer<Output> failedOutput,
      CommandLine cli) throws Exception {
    List<LockFile.Entry> entries = LockFile.read(file).images();
    List<Puller> pullers = new CopyOnWriteArrayList<>();
    Runnable cancelAll = () -> pullers.forEach(Puller::cancel);
    List<Output> perEntry = new ArrayList<>();
    List<Interrupts> hooks = new ArrayList<>();
    List<Future<PullResult>> futures = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(entries.size(), PARALLEL_PULLS)), r -> {
      Thread t = new Thread(r, "jpull-locked-pull");
      t.setDaemon(true);
      return t;
    });
    List<PullResult> results = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    try (LocalContentStore store = StoreLocation.open(main)) {
      for (LockFile.Entry entry : entries) {
        Output output = outputs.get();
        perEntry.add(output);
        hooks.add(Interrupts.install(cancelAll, output));
        futures.add(pool.submit(() -> {
          Reference ref = entry.reference();
          try (RegistryClient client = Wiring.registryClient(main, registry, ref.registry(), output)) {
            Puller puller = new Puller(client, store, output);
            pullers.add(puller);
            PullResult r = puller.pull(ref, check(puller, ref, entry, file), options);
            output.on(DoneEvent.of(ref.toString(), r.resolved().digest().toString(), r.image(), r.size(),
                r.downloaded(), r.rootfs(), r.upToDate(), r.sources()));
            output.finish();
            return r;
          }
        }));
      }
      for (Future<PullResult> f : futures) {
        try {
          results.add(f.get());
          failures.add(null);
        } catch (ExecutionException e) {
          results.add(null);
          failures.add(e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
      for (Interrupts h : hooks) {
        h.close();
      }
    }
    int first = -1;
    for (int i = 0; i < failures.size(); i++) {
      Throwable t = failures.get(i);
      if (t == null) {
        continue;
      }
      if (first < 0) {
        first = i; // the command's own failure: its error line and event come from Failures
        continue;
      }
      String message = Failures.message(t);
      perEntry.get(i).on(new ProgressEvent.Failed(ExitCodes.of(t), ExitCodes.kindName(t), message));
      perEntry.get(i).finish();
      if (!perEntry.get(i).json()) {
        cli.getErr().println("jpull: also failed: " + message);
        cli.getErr().flush();
      }
    }
    boolean json = !perEntry.isEmpty() && perEntry.get(0).json();
    if (!json) {
      PrintWriter out = cli.getOut();
      for (int i = 0; i < results.size(); i++) {
        PullResult r = results.get(i);
        if (r != null) {
          out.println(perEntry.get(i).quiet() ? r.pinned().toString() : r.reference().toString());
        }
      }
      out.flush();
    }
    if (first >= 0) {
      failedOutput.accept(perEntry.get(first));
      Throwable t = failures.get(first);
      if (t instanceof Exception e) {
        throw e;
      }
      throw new JpullException(Kind.LOCAL_IO, "pull --from-lock " + file + " failed", t);
    }
    return 0;
  }

  /** The options a lock-held pull of many images accepts; the rest name one image. */
  static void refuseSingleImageOptions(CommandLine cli, Reference ref, boolean locked, Path rootfs, Path digestFile,
      boolean dryRun, String username) {
    String bad = ref != null ? "REF" : locked ? "--locked" : rootfs != null ? "--rootfs"
        : digestFile != null ? "--digestfile" : dryRun ? "--dry-run" : username != null ? "--username" : null;
    if (bad != null) {
      throw new CommandLine.ParameterException(cli, "--from-lock pulls every entry of the lock file; it takes no "
          + bad);
    }
  }
}
