package dev.jpull.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs {@link Main#run} in this JVM with stdout and stderr captured: the CLI's top level (picocli, Failures,
 * ExitCodes, the renderers) without the launcher's start-up cost, for tests that run hundreds of commands.
 * One run at a time (the process streams are swapped).
 */
final class InProcess {
  private InProcess() {}

  /** What one run printed and returned. */
  record Result(int exit, String stdout, String stderr) {
    /** The single {@code jpull: error:} line; fails unless there is exactly one. */
    String errorLine() {
      List<String> lines = stderr.lines().filter(l -> l.startsWith("jpull: error: ")).toList();
      if (lines.size() != 1) {
        throw new AssertionError("exactly one error line expected, got " + lines.size() + ":\n" + this);
      }
      return lines.get(0);
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  static synchronized Result run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
         PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
      System.setOut(po);
      System.setErr(pe);
      int code = Main.run(args);
      po.flush();
      pe.flush();
      return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
