package dev.jpull.cli;

import dev.jpull.progress.ProgressEvent;
import dev.jpull.progress.JsonRenderer;
import dev.jpull.progress.PlainRenderer;
import dev.jpull.progress.ProgressListener;
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
    ProgressMode m = mode == ProgressMode.AUTO || mode == ProgressMode.TTY ? ProgressMode.PLAIN : mode;
    // TODO(jpull): a live tty renderer; until then tty and auto print the plain lines.
    return switch (m) {
      case JSON -> new Output(mode, new JsonRenderer(System.out), () -> { });
      case QUIET -> silent();
      default -> new Output(mode, new PlainRenderer(System.err), () -> { });
    };
  }

  /** For commands without progress output; warnings still reach stderr. */
  static Output silent() {
    return new Output(ProgressMode.QUIET, e -> {
      if (e instanceof ProgressEvent.Warning w) {
        System.err.println("warning: " + w.message());
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
