package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.testing.Launcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built launcher on the real JVMs of this machine (the build's, and every JDK under /usr/lib/jvm, e.g.
 * 17 and 25): the start-up file the build made for its JVM (an AOT cache on 25+, a CDS archive before) is
 * really mapped by {@code target/jpull}, whose class path is the jar alone; and every other JVM, a moved
 * launcher and a damaged file run silently without it.
 */
class LauncherIT {
  /** The version through a verb: a bare --version maps neither file (the launcher's choice, LauncherStubTest). */
  private static final String[] VERSION = {"pull", "--version"};

  @TempDir
  Path dir;

  @Test
  void theBuildJvmMapsTheFileTheBuildMadeForIt() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    boolean aot = Runtime.version().feature() >= 25;
    Path made = Path.of(Launcher.path() + (aot ? ".aot" : ".jsa"));
    assertTrue(Files.size(made) > 0, made + " is missing: the training run failed, see target/jpull-training.log");
    Run run = run(Launcher.path(), java, Map.of("JPULL_JAVA_OPTS", "-Xlog:class+load=info:stdout"), VERSION);
    String main = run.stdout.lines().filter(l -> l.contains(" dev.jpull.cli.Main ")).findFirst().orElse("");
    assertTrue(main.contains("source: shared objects file"), "dev.jpull.cli.Main not from " + made + ": " + main);
  }

  @Test
  void everyJvmRunsTheLauncherWithoutAWord() throws Exception {
    for (Map.Entry<Path, String> jvm : jvms().entrySet()) {
      Run run = run(Launcher.path(), jvm.getKey(), Map.of(), VERSION);
      assertQuietVersion(run, jvm.getValue(), jvm.getKey());
    }
  }

  @Test
  void aMovedLauncherAndDamagedFilesRunWithoutAWord() throws Exception {
    Path moved = Files.copy(Launcher.path(), dir.resolve("jpull"));
    moved.toFile().setExecutable(true);
    for (String suffix : List.of(".aot", ".jsa")) {
      Path real = Path.of(Launcher.path() + suffix);
      if (Files.exists(real)) {
        Files.copy(real, dir.resolve("jpull" + suffix));
      }
    }
    Path damaged = Files.copy(Launcher.path(), Files.createDirectories(dir.resolve("damaged")).resolve("jpull"));
    damaged.toFile().setExecutable(true);
    Files.writeString(dir.resolve("damaged/jpull.aot"), "not an AOT cache");
    Files.writeString(dir.resolve("damaged/jpull.jsa"), "not a CDS archive");
    for (Map.Entry<Path, String> jvm : jvms().entrySet()) {
      assertQuietVersion(run(moved, jvm.getKey(), Map.of(), VERSION), jvm.getValue(), jvm.getKey());
      assertQuietVersion(run(damaged, jvm.getKey(), Map.of(), VERSION), jvm.getValue(), jvm.getKey());
    }
  }

  private static void assertQuietVersion(Run run, String version, Path java) {
    assertEquals(0, run.exit, java + ": " + run.stderr);
    assertEquals("", run.stderr, java + " printed on stderr");
    assertTrue(run.stdout.matches("jpull \\S+\nJava " + version.replace(".", "\\.") + "\\b[^\n]*\n"),
        java + ": " + run.stdout);
  }

  /**
   * The build's JVM and every JDK of 17 or newer under /usr/lib/jvm (jpull's bytecode needs 17), by real path,
   * with the version its release file names.
   */
  static Map<Path, String> jvms() throws IOException {
    Map<Path, String> found = new LinkedHashMap<>();
    List<Path> homes = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"))));
    Path lib = Path.of("/usr/lib/jvm");
    if (Files.isDirectory(lib)) {
      try (Stream<Path> s = Files.list(lib)) {
        s.sorted().forEach(homes::add);
      }
    }
    for (Path home : homes) {
      Path java = home.resolve("bin/java");
      Path release = home.resolve("release");
      if (Files.isExecutable(java) && Files.isReadable(release)) {
        String version = Files.readAllLines(release).stream().filter(l -> l.startsWith("JAVA_VERSION="))
            .map(l -> l.substring("JAVA_VERSION=".length()).replace("\"", "")).findFirst().orElse(null);
        if (version != null && version.matches("\\d+.*")
            && Integer.parseInt(version.replaceAll("^(\\d+).*", "$1")) >= 17) {
          found.putIfAbsent(java.toRealPath(), version);
        }
      }
    }
    return found;
  }

  record Run(int exit, String stdout, String stderr) {}

  /** Runs the launcher with {@code java} first on PATH (as a user would pick a JVM) and no JAVA override. */
  private Run run(Path launcher, Path java, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
    cmd.addAll(List.of(args));
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().remove("JAVA");
    pb.environment().remove("JPULL_JAVA_OPTS");
    pb.environment().remove("JPULL_CDS");
    pb.environment().remove("JAVA_TOOL_OPTIONS");
    pb.environment().put("PATH", java.getParent() + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(launcher + " with " + java + " did not finish");
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
