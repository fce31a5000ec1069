package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code -h/--help} works on every command, even one with required parameters (picocli's standard options). */
class SubcommandHelpTest {
  @ParameterizedTest(name = "jpull {0} {1}")
  @CsvSource({"pull,--help", "login,--help", "logout,-h", "tags,--help", "inspect,-h", "unpack,--help",
      "rm,--help", "images,--help", "gc,--help", "fsck,--help", "completion,--help"})
  void helpPrintsUsageAndExitsZero(String command, String flag) {
    picocli.CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    assertEquals(0, cli.execute(command, flag), err.toString());
    assertTrue(out.toString().startsWith("Usage: jpull " + command), out.toString());
    assertEquals("", err.toString());
  }

  /** A bare --version skips picocli (issue 15); it must print exactly what picocli's -V prints. */
  @ParameterizedTest(name = "jpull {0}")
  @CsvSource({"--version", "-V"})
  void aBareVersionPrintsWhatPicocliPrints(String flag) {
    picocli.CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    assertEquals(0, cli.execute(flag));
    InProcess.Result fast = InProcess.run(flag);
    assertEquals(0, fast.exit());
    assertEquals("", fast.stderr());
    assertEquals(out.toString().replace(System.lineSeparator(), "\n"), fast.stdout().replace(System.lineSeparator(), "\n"));
    assertTrue(fast.stdout().startsWith("jpull "), fast.stdout());
  }

  /**
   * Main tells picocli not to register java.sql and java.time converters (issue 15: their reflective lookup
   * was a tenth of a no-op pull's start): no option or parameter of any verb may be of such a type.
   */
  @org.junit.jupiter.api.Test
  void noOptionNeedsTheConvertersPicocliIsToldToSkip() {
    picocli.CommandLine cli = Main.commandLine();
    java.util.List<String> offending = new java.util.ArrayList<>();
    java.util.Deque<picocli.CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(cli));
    int seen = 0;
    while (!todo.isEmpty()) {
      picocli.CommandLine c = todo.pop();
      todo.addAll(c.getSubcommands().values());
      for (picocli.CommandLine.Model.ArgSpec a : c.getCommandSpec().args()) {
        seen++;
        for (Class<?> t : a.auxiliaryTypes()) {
          if (t.getName().startsWith("java.sql.") || t.getName().startsWith("java.time.")) {
            offending.add(c.getCommandName() + " " + a + ": " + t.getName());
          }
        }
      }
    }
    assertTrue(seen > 50, "walked only " + seen + " options");
    assertEquals(java.util.List.of(), offending);
  }
}
