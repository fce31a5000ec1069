package dev.jpull.cli;

/** {@code --progress} values. */
enum ProgressMode { AUTO, TTY, PLAIN, JSON, QUIET }
