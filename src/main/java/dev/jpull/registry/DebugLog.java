package dev.jpull.registry;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry client's only way to log: debug level through slf4j, or a test sink. Callers pass text
 * that has already been through {@link Redactor}; nothing here ever sees a credential.
 */
final class DebugLog {
  private static final Logger LOG = LoggerFactory.getLogger("dev.jpull.registry");

  private final Consumer<String> sink;

  private DebugLog(Consumer<String> sink) {
    this.sink = sink;
  }

  static DebugLog slf4j() {
    return new DebugLog(null);
  }

  static DebugLog to(Consumer<String> sink) {
    return new DebugLog(sink);
  }

  boolean enabled() {
    return sink != null || LOG.isDebugEnabled();
  }

  void log(String message) {
    if (sink != null) {
      sink.accept(message);
    } else if (LOG.isDebugEnabled()) {
      LOG.debug(message);
    }
  }
}
