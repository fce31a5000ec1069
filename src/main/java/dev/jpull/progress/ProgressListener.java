package dev.jpull.progress;

/**
 * Receives {@link ProgressEvent}s. Called from several threads at once; implementations synchronise.
 * Must not block on I/O for long: the pull's threads call it between reads.
 */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = e -> { };

  void on(ProgressEvent event);

  default void warn(String message) {
    on(new ProgressEvent.Warning(message));
  }
}
