package dev.jpull.cli;

/** A command that may stream JSON events on stdout, so failures must end that stream with an error event. */
interface JsonAware {
  boolean json();

  /** Emits the terminal error event, once. */
  void failed(int code, String kind, String message);
}
