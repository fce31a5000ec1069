package dev.jpull.cli;

import dev.jpull.progress.ProgressEvent;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT and SIGTERM during a pull: the JVM runs this hook and exits with 130 or 143 (128 + the signal),
 * as the contract says. The hook cancels the pull — partial downloads stay in the store's ingest for the
 * next run to resume — and ends the progress output with its one terminal error event, whose code is the
 * exit code.
 */
final class Interrupts implements AutoCloseable {
  private static final AtomicInteger EXIT_CODE = new AtomicInteger(ExitCodes.SIGINT);
  private static final AtomicBoolean WATCHING = new AtomicBoolean();

  private final Thread hook;

  private Interrupts(Thread hook) {
    this.hook = hook;
  }

  static Interrupts install(Runnable cancel, Output output) {
    return install(cancel, output, "interrupted; partial downloads are kept and resumed by the next pull");
  }

  /** As {@link #install(Runnable, Output)}, saying {@code message} (what was left undone). */
  static Interrupts install(Runnable cancel, Output output, String message) {
    watchSignals();
    Thread hook = new Thread(() -> {
      // Report before cancelling: the cancelled pull then fails on its own thread too, and its report (a
      // second error line, an event with SIGINT's code) must find this one already made.
      output.on(new ProgressEvent.Failed(EXIT_CODE.get(), "interrupted", message));
      output.finish();
      if (Failures.claimErrorLine()) {
        System.err.println("jpull: error: " + message);
        System.err.flush();
      }
      cancel.run();
    }, "jpull-interrupt");
    Runtime.getRuntime().addShutdownHook(hook);
    return new Interrupts(hook);
  }

  /**
   * A shutdown hook cannot tell SIGINT from SIGTERM, so a handler in front of the JVM's own records which
   * one arrived and then passes it on (the JVM's handler exits with 128 + the signal and runs the hooks).
   */
  private static void watchSignals() {
    if (!WATCHING.compareAndSet(false, true)) {
      return;
    }
    for (String name : new String[] {"INT", "TERM"}) {
      try {
        Signal signal = new Signal(name);
        AtomicReference<SignalHandler> previous = new AtomicReference<>();
        previous.set(Signal.handle(signal, s -> {
          EXIT_CODE.set(128 + s.getNumber());
          SignalHandler next = previous.get();
          if (next == null || next == SignalHandler.SIG_DFL || next == SignalHandler.SIG_IGN) {
            Runtime.getRuntime().exit(128 + s.getNumber());
          } else {
            next.handle(s);
          }
        }));
        if (previous.get() == SignalHandler.SIG_IGN) {
          Signal.handle(signal, SignalHandler.SIG_IGN); // ignored by whoever started us (nohup, &): stay so
        }
      } catch (IllegalArgumentException e) {
        // -Xrs, or the signal is reserved here: the hook reports SIGINT's code as before
      }
    }
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
