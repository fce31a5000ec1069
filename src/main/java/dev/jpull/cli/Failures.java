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

  /** One per command line, and one command line per run: each run may print its one error line. */
  Failures() {
    ERROR_PRINTED.set(false);
  }

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
    report(cli, e, code, debug(parsed), subject(cli, parsed));
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

  /**
   * Prints the error line (and the JSON error event when a pull streams JSON), naming {@code subject}, the
   * canonical reference the command works on (it names the registry host), unless the message already does.
   */
  static void report(CommandLine cli, Throwable e, int code, boolean debug, String subject) {
    String message = about(cli.getCommandName(), subject, message(e));
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

  /**
   * A failure line names what was being done to which image, once: the store, the unpacker and the
   * document parser report digests and fields without knowing the reference, so the command's
   * reference is put in front of any message that does not already name it.
   */
  static String about(String verb, String subject, String message) {
    if (subject == null || message.contains(subject)) {
      return message;
    }
    return oneLine(verb + " " + subject + ": " + message);
  }

  /**
   * The canonical reference of the command's REF (or REPO) parameter, read from the parse result so that
   * every command gets it without code of its own; null when there is none (store commands, several
   * references).
   */
  static String subject(CommandLine cli, ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      for (picocli.CommandLine.Model.PositionalParamSpec spec : p.matchedPositionals()) {
        if (spec.getValue() instanceof dev.jpull.reference.Reference r) {
          // A repository for tags: its tag is the parser's default, not something the user named.
          return "tags".equals(cli.getCommandName()) ? r.name() : r.toString();
        }
      }
    }
    return null;
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

  /**
   * The final filter of every error line: one line, and whatever came from outside (a registry's message,
   * a realm, a Jackson message quoting input) escaped, C1 controls included ({@code \p{Cntrl}} is
   * ASCII-only in Java).
   */
  static String oneLine(String s) {
    return dev.jpull.Quoted.text(s.replaceAll("[\\r\\n]+", " ").strip());
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
