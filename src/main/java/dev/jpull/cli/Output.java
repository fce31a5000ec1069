package dev.jpull.cli;

import dev.jpull.progress.ProgressEvent;
import dev.jpull.progress.JsonRenderer;
import dev.jpull.progress.PlainRenderer;
import dev.jpull.progress.ProgressListener;
import dev.jpull.progress.TtyRenderer;
import picocli.CommandLine;

/**
 * A command's progress output: the renderer chosen by {@code --progress}, fed by the core's events.
 * Finishing is idempotent, so the interrupt handler and the normal path can both call it.
 */
final class Output implements ProgressListener {
  private final ProgressMode mode;
  private final ProgressListener renderer;
  private final Runnable finisher;
  private volatile boolean finished;

  private Output(ProgressMode mode, ProgressListener renderer, Runnable finisher) {
    this.mode = mode;
    this.renderer = renderer;
    this.finisher = finisher;
  }

  static Output create(ProgressMode mode, CommandLine cli) {
    return create(mode, cli, System.out);
  }

  /**
   * As {@link #create(ProgressMode, CommandLine)}, with the JSON event stream on {@code json}: stderr when
   * stdout carries data (an archive streamed to {@code -}), since progress never shares stdout with data.
   */
  static Output create(ProgressMode mode, CommandLine cli, java.io.PrintStream json) {
    java.util.Map<String, String> env = System.getenv();
    ProgressMode m = mode == ProgressMode.AUTO ? ProgressMode.auto(interactive(), env) : mode;
    if (m == ProgressMode.TTY && "dumb".equals(env.get("TERM"))) {
      m = ProgressMode.PLAIN;
    }
    return switch (m) {
      case JSON -> new Output(mode, new JsonRenderer(json), () -> { });
      case QUIET -> silent();
      case TTY -> {
        TtyRenderer tty = new TtyRenderer(System.err, TtyRenderer.width(env));
        yield new Output(mode, tty, tty::finish);
      }
      default -> new Output(mode, new PlainRenderer(System.err), () -> { });
    };
  }

  /**
   * Whether the process talks to a terminal. Since JDK 22 {@code System.console()} is non-null even when
   * redirected, so {@code Console.isTerminal()} (22+) is asked when it exists.
   */
  static boolean interactive() {
    java.io.Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  /** For commands without progress output; warnings still reach stderr. */
  static Output silent() {
    return new Output(ProgressMode.QUIET, e -> {
      if (e instanceof ProgressEvent.Warning w) {
        System.err.println("warning: " + dev.jpull.Quoted.text(w.message()));
      }
    }, () -> { });
  }

  boolean json() {
    return mode == ProgressMode.JSON;
  }

  boolean quiet() {
    return mode == ProgressMode.QUIET;
  }

  @Override
  public void on(ProgressEvent event) {
    if (!finished) {
      renderer.on(event);
    }
  }

  synchronized void finish() {
    if (!finished) {
      finished = true;
      finisher.run();
    }
  }
}
