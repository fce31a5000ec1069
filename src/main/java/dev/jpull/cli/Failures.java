package dev.jpull.cli;

import dev.jpull.JpullException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into one line {@code jpull: error: …} on stderr (plus an {@code error} event when
 * the command streams JSON), with the stack only under {@code --debug}. The exit code comes from
 * {@link ExitCodes}.
 */
final class Failures implements IExecutionExceptionHandler, IParameterExceptionHandler {
  private static final java.util.concurrent.atomic.AtomicBoolean ERROR_PRINTED =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Claims this process's one error line: an interrupted pull fails twice, in the interrupt hook and on
   * its own cancelled thread, and only the first to claim prints.
   */
  static boolean claimErrorLine() {
    return ERROR_PRINTED.compareAndSet(false, true);
  }

  @Override
  public int handleExecutionException(Exception e, CommandLine cli, ParseResult parsed) {
    int code = ExitCodes.of(e);
    report(cli, e, code, debug(parsed));
    return code;
  }

  @Override
  public int handleParseException(ParameterException e, String[] args) {
    CommandLine cli = e.getCommandLine();
    String name = cli.getCommandSpec().qualifiedName();
    String message = oneLine(e.getMessage()) + " (see '" + name + " --help')";
    line(cli.getErr(), message);
    if (wantsJson(args)) {
      // export to "-" keeps stdout for the archive: its events, this one included, go to stderr.
      boolean stdoutIsData = "export".equals(Main.verb(args)) && java.util.Arrays.asList(args).contains("-");
      JsonErrors.print(stdoutIsData ? cli.getErr() : cli.getOut(), ExitCodes.USAGE, "usage", message);
    }
    return ExitCodes.USAGE;
  }

  /** Prints the error line (and the JSON error event when a pull streams JSON). */
  static void report(CommandLine cli, Throwable e, int code, boolean debug) {
    String message = message(e);
    Object command = cli.getCommand();
    if (command instanceof JsonAware j) {
      j.failed(code, ExitCodes.kindName(e), message);
    }
    line(cli.getErr(), message);
    if (debug) {
      e.printStackTrace(cli.getErr());
    }
    cli.getErr().flush();
  }

  static String message(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException
        || (t instanceof JpullException j && j.kind() == dev.jpull.Kind.CANCELLED && t.getCause() != null))
        && t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      m = t.getClass().getSimpleName();
    } else if (!(t instanceof JpullException)) {
      m = describe(t) + m;
    }
    if (t instanceof JpullException j && j.hint() != null) {
      m = m + "; " + j.hint();
    }
    return oneLine(m);
  }

  /** Unclassified JDK exceptions get a prefix saying what they are. */
  private static String describe(Throwable t) {
    if (t instanceof java.nio.file.NoSuchFileException) {
      return "no such file: ";
    }
    if (t instanceof java.nio.file.AccessDeniedException) {
      return "permission denied: ";
    }
    if (t instanceof java.net.UnknownHostException) {
      return "unknown host: ";
    }
    return "";
  }

  static String oneLine(String s) {
    return s.replaceAll("[\\r\\n]+", " ").replaceAll("\\p{Cntrl}", "?").strip();
  }

  private static void line(PrintWriter err, String message) {
    if (claimErrorLine()) {
      err.println("jpull: error: " + message);
      err.flush();
    }
  }

  private static boolean debug(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--debug")) {
        return true;
      }
    }
    return false;
  }

  private static boolean wantsJson(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--progress=json") || (args[i].equals("--progress") && i + 1 < args.length
          && args[i + 1].equals("json"))) {
        return true;
      }
    }
    return false;
  }
}
