package dev.jpull.cli;

import dev.jpull.progress.ProgressEvent;
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
    // TODO(integrator): delegate to dev.jpull.progress renderers.
    return new Output(mode, e -> { }, () -> { });
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
