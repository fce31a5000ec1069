package dev.jpull.cli;

import java.util.Map;

/** {@code --progress} values. */
enum ProgressMode {
  AUTO, TTY, PLAIN, JSON, QUIET;

  /**
   * What {@code auto} means here: live bars only on a real terminal. CI runners (GitHub Actions, GitLab,
   * Jenkins' pty plugins) often give jobs a pseudo-terminal but keep a log, where redrawn bars become
   * megabytes of escape codes; they all set {@code CI=true}, so that wins over the terminal.
   */
  static ProgressMode auto(boolean terminal, Map<String, String> env) {
    if (!terminal || "dumb".equals(env.get("TERM")) || "true".equalsIgnoreCase(env.get("CI"))) {
      return PLAIN;
    }
    return TTY;
  }
}
