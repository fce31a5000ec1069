package dev.jpull.cli;

import dev.jpull.progress.ProgressEvent;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * SIGINT and SIGTERM during a pull: cancel it (partial downloads stay in the store's ingest for the next
 * run to resume), end the progress output with its terminal error event, restore the terminal, and exit
 * with 130 or 143 as the contract says. {@code sun.misc.Signal} is the only JDK way to know which signal
 * came; it is in {@code jdk.unsupported}, available on 17 through 25.
 */
@SuppressWarnings("restriction")
final class Interrupts implements AutoCloseable {
  private final Signal.Handler previousInt;
  private final Signal.Handler previousTerm;

  private Interrupts(Signal.Handler previousInt, Signal.Handler previousTerm) {
    this.previousInt = previousInt;
    this.previousTerm = previousTerm;
  }

  static Interrupts install(Runnable cancel, Output output) {
    AtomicBoolean once = new AtomicBoolean();
    Signal.Handler handler = sig -> {
      if (!once.compareAndSet(false, true)) {
        return;
      }
      int code = sig.getName().equals("INT") ? ExitCodes.SIGINT : ExitCodes.SIGTERM;
      try {
        cancel.run();
        String what = code == ExitCodes.SIGINT ? "interrupted" : "terminated";
        output.on(new ProgressEvent.Failed(code, "interrupted", what + "; partial downloads are kept and resumed "
            + "by the next pull"));
        output.finish();
        System.err.println("jpull: error: " + what + "; partial downloads are kept and resumed by the next pull");
        System.err.flush();
      } finally {
        Runtime.getRuntime().halt(code);
      }
    };
    Signal.Handler previousInt = trySet("INT", handler);
    Signal.Handler previousTerm = trySet("TERM", handler);
    return new Interrupts(previousInt, previousTerm);
  }

  private static Signal.Handler trySet(String name, Signal.Handler handler) {
    try {
      return Signal.handle(new Signal(name), handler);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public void close() {
    if (previousInt != null) {
      Signal.handle(new Signal("INT"), previousInt);
    }
    if (previousTerm != null) {
      Signal.handle(new Signal("TERM"), previousTerm);
    }
  }
}
