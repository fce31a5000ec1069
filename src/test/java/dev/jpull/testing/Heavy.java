package dev.jpull.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * Heavy cases (minutes of CPU, gigabytes of disk or heap) run once per CI run, in the root pass:
 * {@code .ci/run}'s ordinary-user pass sets {@code -Djpull.heavy=false}. Everywhere else, including a
 * plain {@code ./mvnw verify}, they run.
 */
public final class Heavy {
  private Heavy() {}

  /** Aborts (skips) the calling test when heavy cases are switched off. */
  public static void require(String what) {
    if ("false".equals(System.getProperty("jpull.heavy"))) {
      Assumptions.abort(what + " is a heavy case: it runs in the root pass only (-Djpull.heavy=false here)");
    }
  }
}
