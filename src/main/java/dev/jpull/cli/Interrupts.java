package dev.jpull.cli;

import dev.jpull.progress.ProgressEvent;

/**
 * SIGINT and SIGTERM during a pull: the JVM runs this hook and exits with 130 or 143 (128 + the signal),
 * as the contract says. The hook cancels the pull — partial downloads stay in the store's ingest for the
 * next run to resume — and ends the progress output with its one terminal error event.
 */
final class Interrupts implements AutoCloseable {
  private final Thread hook;

  private Interrupts(Thread hook) {
    this.hook = hook;
  }

  static Interrupts install(Runnable cancel, Output output) {
    Thread hook = new Thread(() -> {
      cancel.run();
      String message = "interrupted; partial downloads are kept and resumed by the next pull";
      output.on(new ProgressEvent.Failed(ExitCodes.SIGINT, "interrupted", message));
      output.finish();
      System.err.println("jpull: error: " + message);
      System.err.flush();
    }, "jpull-interrupt");
    Runtime.getRuntime().addShutdownHook(hook);
    return new Interrupts(hook);
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook is running.
    }
  }
}
