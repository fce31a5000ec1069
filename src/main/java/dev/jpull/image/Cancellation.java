package dev.jpull.image;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One pull's cancellation token (Go's {@code context.Context}, cancel side): shared by the walk, the HTTP
 * calls and the unpacker. The first cause wins; cancelling runs every registered action once, on the
 * cancelling thread, so a blocked read or a waiting unpacker is woken at once rather than on a timeout.
 */
public final class Cancellation {
  private final AtomicReference<Throwable> cause = new AtomicReference<>();
  private final List<Runnable> actions = new CopyOnWriteArrayList<>();

  /** Cancels with {@code why}; only the first call has an effect. Whether this call cancelled. */
  public boolean cancel(Throwable why) {
    if (!cause.compareAndSet(null, why)) {
      return false;
    }
    for (Runnable a : actions) {
      a.run();
    }
    return true;
  }

  public boolean isCancelled() {
    return cause.get() != null;
  }

  /** The first cause, or null. */
  public Throwable cause() {
    return cause.get();
  }

  /** Runs {@code action} on cancellation (at once when already cancelled). */
  public void onCancel(Runnable action) {
    java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
    Runnable once = () -> {
      if (ran.compareAndSet(false, true)) {
        action.run();
      }
    };
    actions.add(once);
    if (isCancelled()) {
      once.run(); // cancelled before or while registering
    }
  }

  /** Throws {@code CANCELLED} when cancelled: for loops between reads. */
  public void check(String what) throws JpullException {
    Throwable c = cause.get();
    if (c != null) {
      throw new JpullException(Kind.CANCELLED, what + " cancelled"
          + (c.getMessage() != null ? ": " + c.getMessage() : ""), c);
    }
  }
}
