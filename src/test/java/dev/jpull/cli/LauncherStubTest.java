package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher stub's choice of start-up file ({@code src/main/launcher/jpull.sh}), run by {@code sh} against
 * a fake JVM that prints the arguments it was given: the AOT cache only for a JVM of 25 or newer, the CDS
 * archive otherwise, neither when absent, empty or turned off, and a JVM whose version cannot be read never
 * gets an option it might not know. (LauncherIT runs the built launcher on the real JVMs.)
 */
class LauncherStubTest {
  static final Path STUB = Path.of("src/main/launcher/jpull.sh");

  @TempDir
  Path dir;

  @Test
  void aJvmOf25GetsTheAotCacheWhenBothFilesAreThere() throws Exception {
    Path jpull = launcher("jpull", "aot", "jsa");
    List<String> args = run(jpull, fakeJvm("25.0.3"), Map.of());
    assertTrue(args.contains("-XX:AOTCache=" + jpull.toRealPath() + ".aot"), args.toString());
    assertTrue(args.containsAll(List.of("-XX:AOTMode=auto", "-Xlog:aot=off", "--add-modules", "ALL-DEFAULT")),
        args.toString());
    assertTrue(args.stream().noneMatch(a -> a.startsWith("-XX:SharedArchiveFile")), args.toString());
  }

  @Test
  void aJvmOf17GetsTheCdsArchiveAndNoAotOption() throws Exception {
    Path jpull = launcher("jpull", "aot", "jsa");
    List<String> args = run(jpull, fakeJvm("17.0.15"), Map.of());
    assertTrue(args.contains("-XX:SharedArchiveFile=" + jpull.toRealPath() + ".jsa"), args.toString());
    assertTrue(args.contains("-Xshare:auto"), args.toString());
    assertNoAotOption(args);
  }

  @Test
  void aJvmOf21WithOnlyAnAotCacheRunsWithoutEither() throws Exception {
    List<String> args = run(launcher("jpull", "aot"), fakeJvm("21.0.2"), Map.of());
    assertNoAotOption(args);
    assertTrue(args.stream().noneMatch(a -> a.startsWith("-XX:SharedArchiveFile")), args.toString());
  }

  @Test
  void aJvmWithoutAReleaseFileGetsOnlyTheCdsArchive() throws Exception {
    Path java = fakeJvm("25");
    Files.delete(java.getParent().getParent().resolve("release"));
    Path jpull = launcher("jpull", "aot", "jsa");
    List<String> args = run(jpull, java, Map.of());
    assertNoAotOption(args);
    assertTrue(args.contains("-XX:SharedArchiveFile=" + jpull.toRealPath() + ".jsa"), args.toString());
  }

  @Test
  void emptyFilesAndJpullCds0MeanNeither() throws Exception {
    Path jpull = launcher("jpull");
    Files.createFile(dir.resolve("jpull.aot"));
    Files.createFile(dir.resolve("jpull.jsa"));
    assertEquals(List.of("-jar", jpull.toRealPath().toString(), "images"),
        tail(run(jpull, fakeJvm("25.0.3"), Map.of())));
    Path full = launcher("other", "aot", "jsa");
    List<String> off = run(full, fakeJvm("25.0.3"), Map.of("JPULL_CDS", "0"));
    assertEquals(List.of("-jar", full.toRealPath().toString(), "images"), tail(off));
  }

  @Test
  void aSymlinkedLauncherInADirectoryWithSpacesFindsItsFilesAndKeepsTheUsersOptionsLast() throws Exception {
    Path spaced = Files.createDirectories(dir.resolve("a dir"));
    Path jpull = Files.copy(STUB, spaced.resolve("jpull"));
    Files.writeString(spaced.resolve("jpull.aot"), "cache");
    Path link = Files.createSymbolicLink(dir.resolve("jpull-link"), jpull);
    List<String> args = run(link, fakeJvm("26"), Map.of("JPULL_JAVA_OPTS", "-Xlog:aot=info"));
    assertTrue(args.contains("-XX:AOTCache=" + jpull.toRealPath() + ".aot"), args.toString());
    assertTrue(args.indexOf("-Xlog:aot=info") > args.indexOf("-Xlog:aot=off"), "user options come last: " + args);
    assertEquals(List.of("-jar", jpull.toRealPath().toString(), "images"), tail(args));
  }

  /** The JVM wrote /tmp/hsperfdata_USER/PID on every run: a file outside the store and the target. */
  @Test
  void theJvmWritesNoPerfDataFileOutsideTheStore() throws Exception {
    Path jpull = launcher("jpull", "jsa");
    for (String v : List.of("17.0.15", "25.0.3")) {
      assertTrue(run(jpull, fakeJvm(v), Map.of()).contains("-XX:-UsePerfData"), v);
    }
  }

  @Test
  void onlyJvmsThatKnowItGetTheNativeHeapTrim() throws Exception {
    Path jpull = launcher("jpull");
    for (String v : List.of("17.0.9", "17.0.15", "21.0.1", "21.0.8", "22", "25.0.3", "26")) {
      List<String> args = run(jpull, fakeJvm(v), Map.of("JPULL_JAVA_OPTS", "-XX:TrimNativeHeapInterval=0"));
      assertTrue(args.contains("-XX:TrimNativeHeapInterval=1000") && args.contains("-XX:+UnlockExperimentalVMOptions"),
          v + ": " + args);
      assertTrue(args.indexOf("-XX:TrimNativeHeapInterval=0") > args.indexOf("-XX:TrimNativeHeapInterval=1000"),
          v + ": the user's options come last: " + args);
    }
    for (String v : List.of("17", "17.0.8", "18.0.2", "20.0.2", "21", "21.0.0")) {
      List<String> args = run(jpull, fakeJvm(v), Map.of());
      assertTrue(args.stream().noneMatch(a -> a.contains("TrimNativeHeap") || a.contains("Experimental")), v + ": " + args);
    }
    Path java = fakeJvm("25");
    Files.delete(java.getParent().getParent().resolve("release"));
    assertTrue(run(jpull, java, Map.of()).stream().noneMatch(a -> a.contains("TrimNativeHeap")));
  }

  private static void assertNoAotOption(List<String> args) {
    assertTrue(args.stream().noneMatch(a -> a.contains("AOT") || a.startsWith("-Xlog:aot")), args.toString());
  }

  private static List<String> tail(List<String> args) {
    return args.subList(args.indexOf("-jar"), args.size());
  }

  /** A copy of the stub named {@code name}, with a non-empty {@code name.<suffix>} beside it for each suffix. */
  private Path launcher(String name, String... suffixes) throws IOException {
    Path jpull = Files.copy(STUB, dir.resolve(name));
    for (String s : suffixes) {
      Files.writeString(dir.resolve(name + "." + s), "not really an archive");
    }
    return jpull;
  }

  /** A JDK directory whose {@code release} says {@code version} and whose java prints its arguments. */
  private Path fakeJvm(String version) throws IOException {
    Path home = Files.createDirectories(dir.resolve("jdk-" + version + "-" + System.nanoTime()));
    Files.writeString(home.resolve("release"),
        "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\nJAVA_VERSION_DATE=\"2026-01-01\"\n");
    Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
    Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return java;
  }

  /** A bare --version maps neither file: it loads too few classes to repay the archive's mapping (issue 15). */
  @Test
  void aBareVersionMapsNeitherFile() throws Exception {
    Path jpull = launcher("jpull", "aot", "jsa");
    for (String v : List.of("17.0.15", "25.0.3")) {
      for (String flag : List.of("--version", "-V")) {
        List<String> args = run(jpull, fakeJvm(v), Map.of(), flag);
        assertEquals(List.of("-jar", jpull.toRealPath().toString(), flag), tail(args), v);
        assertTrue(args.stream().noneMatch(a -> a.contains("AOT") || a.contains("SharedArchive")), v + ": " + args);
      }
      List<String> sub = run(jpull, fakeJvm(v), Map.of(), "pull", "--version");
      assertTrue(sub.stream().anyMatch(a -> a.contains("AOTCache") || a.contains("SharedArchiveFile")), v + ": " + sub);
    }
  }

  private List<String> run(Path launcher, Path java, Map<String, String> env) throws Exception {
    return run(launcher, java, env, "images");
  }

  /** Runs {@code sh launcher args} with {@code JAVA} set to the fake JVM; returns its argument list. */
  private List<String> run(Path launcher, Path java, Map<String, String> env, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("sh", launcher.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("JPULL_JAVA_OPTS");
    pb.environment().remove("JPULL_CDS");
    pb.environment().put("JAVA", java.toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher did not finish");
    assertEquals(0, p.exitValue(), out);
    return List.of(out.split("\n"));
  }
}
