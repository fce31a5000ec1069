package dev.jpull.cli;

/**
 * A command with progress output: a failure must end it (the JSON stream with its one terminal error
 * event, the tty renderer by restoring the cursor).
 */
interface JsonAware {
  boolean json();

  /** Ends the progress output with the failure, once. */
  void failed(int code, String kind, String message);
}
