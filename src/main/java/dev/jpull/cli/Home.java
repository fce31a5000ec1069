package dev.jpull.cli;

import java.nio.file.Path;

/** The user's home: {@code $HOME} as shells and docker use it, else the JVM's idea of it (from passwd). */
final class Home {
  private Home() {}

  static Path get() {
    String h = System.getenv("HOME");
    return h != null && !h.isBlank() && Path.of(h).isAbsolute() ? Path.of(h) : Path.of(System.getProperty("user.home"));
  }
}
