package dev.jpull.it;

import dev.jpull.testing.Launcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Who runs jpull, skopeo and umoci in a test: this process (root in the root pass, the ordinary user in
 * the other), or, from the root pass, an ordinary user through {@code runuser}, so that a root test can
 * list as root the trees an ordinary user made, entries the user cannot read included.
 *
 * <p>The ordinary user is {@code jp} when it exists; otherwise, only under {@code CI=true}, the user that
 * {@code .ci/run} runs its ordinary-user pass as ({@code $JPULL_CI_USER}, default {@code jpull-ci}), created
 * here as {@code .ci/run} creates it ({@code useradd -m}) when the root pass comes first, and left for that
 * pass. Outside CI without {@code jp} the runuser tests skip with that reason.
 */
final class RunAs {
  private static final Path RUNUSER = Path.of("/usr/sbin/runuser");

  /** null: this process. */
  private final String user;
  private final boolean privileged;

  private RunAs(String user, boolean privileged) {
    this.user = user;
    this.privileged = privileged;
  }

  /** What one command printed and returned, and how long it took; exit -1 when the hang guard stopped it. */
  record Result(int exit, String stdout, String stderr, long millis) {
    @Override
    public String toString() {
      return "exit " + exit + " after " + millis + " ms\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
    }
  }

  /** True when this process runs with effective uid 0 (the CI root pass). */
  static boolean root() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[2].equals("0");
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status", e);
    }
    throw new IllegalStateException("no Uid: line in /proc/self/status");
  }

  static RunAs self() {
    return new RunAs(null, root());
  }

  /** The ordinary user, through runuser; only from the root pass. */
  static RunAs ordinaryUser() throws IOException, InterruptedException {
    if (!root()) {
      throw new IllegalStateException("runuser needs root; as an ordinary user use self()");
    }
    boolean ci = "true".equals(System.getenv("CI"));
    if (!Files.isExecutable(RUNUSER)) {
      if (ci) {
        Assertions.fail(RUNUSER + " is missing: apt-get install util-linux (CI=true requires the runuser tests)");
      }
      Assumptions.abort(RUNUSER + " is not installed: test skipped");
    }
    if (exists("jp")) {
      return new RunAs("jp", false);
    }
    String ciUser = System.getenv().getOrDefault("JPULL_CI_USER", "jpull-ci");
    if (!ci) {
      Assumptions.abort("no ordinary user 'jp' to run jpull and umoci as (CI=true would create '" + ciUser
          + "'): test skipped");
    }
    if (!exists(ciUser)) {
      Result r = command(List.of("/usr/sbin/useradd", "-m", "-s", "/bin/bash", ciUser), null, Duration.ofSeconds(30));
      Assertions.assertEquals(0, r.exit(), "useradd " + ciUser + ": " + r);
    }
    return new RunAs(ciUser, false);
  }

  private static boolean exists(String name) throws IOException, InterruptedException {
    return command(List.of("/usr/bin/id", "-u", name), null, Duration.ofSeconds(10)).exit() == 0;
  }

  /** Whether what this runs as creates devices and applies owners (root), or is an ordinary user. */
  boolean privileged() {
    return privileged;
  }

  boolean throughRunuser() {
    return user != null;
  }

  /**
   * Prepares {@code work} (inside the test's temporary directory {@code testDir}) for this runner and
   * returns the launcher it runs: for runuser, the user must own {@code work} and reach it, and gets a copy
   * of the launcher when it cannot run the build's own (a checkout under a private home).
   */
  Path launcher(Path testDir, Path work) throws IOException, InterruptedException {
    Files.createDirectories(work.resolve("home"));
    if (user == null) {
      return Launcher.path();
    }
    Files.setPosixFilePermissions(testDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    Result chown = command(List.of("/usr/bin/chown", "-R", user + ":", work.toString()), null, Duration.ofSeconds(30));
    Assertions.assertEquals(0, chown.exit(), "chown " + work + ": " + chown);
    Result reach = run(work, Duration.ofSeconds(30), "/usr/bin/test", "-r", Launcher.path().toString());
    if (reach.exit() == 0) {
      return Launcher.path();
    }
    Path copy = work.resolve("jpull");
    Files.copy(Launcher.path(), copy);
    Result own = command(List.of("/usr/bin/chown", user + ":", copy.toString()), null, Duration.ofSeconds(30));
    Assertions.assertEquals(0, own.exit(), "chown " + copy + ": " + own);
    return copy;
  }

  /** Runs {@code cmd} in {@code work} with {@code HOME=work/home}; a hang is stopped after {@code timeout}. */
  Result run(Path work, Duration timeout, String... cmd) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (user != null) {
      full.addAll(List.of(RUNUSER.toString(), "-u", user, "--"));
    }
    full.addAll(List.of("/usr/bin/env", "HOME=" + work.resolve("home"), "PATH=" + System.getenv("PATH")));
    full.addAll(List.of(cmd));
    return command(full, work, timeout);
  }

  private static long elapsed(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static Result command(List<String> cmd, Path dir, Duration timeout) throws IOException, InterruptedException {
    Path out = Files.createTempFile("run-out", ".txt");
    Path err = Files.createTempFile("run-err", ".txt");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.PIPE);
      if (dir != null) {
        pb.directory(dir.toFile());
      }
      long start = System.nanoTime();
      Process p = pb.start();
      p.getOutputStream().close();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        // runuser forwards SIGTERM to its child; SIGKILL would orphan a hung jpull. Only our own descendants.
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
        p.destroyForcibly();
        return new Result(-1, Files.readString(out, StandardCharsets.UTF_8),
            "HUNG: stopped after " + timeout.toSeconds() + "s: " + String.join(" ", cmd) + "\n"
                + Files.readString(err, StandardCharsets.UTF_8), elapsed(start));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8), elapsed(start));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
