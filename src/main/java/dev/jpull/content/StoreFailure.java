package dev.jpull.content;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns a filesystem failure into a {@code LOCAL_IO} error that says what was done and why it failed. */
final class StoreFailure {
  private StoreFailure() {}

  /** {@code action} reads like "write blob sha256:… to store /x"; a JpullException passes through unchanged. */
  static JpullException of(String action, IOException e) {
    if (e instanceof JpullException j) {
      return j;
    }
    if (e instanceof InterruptedIOException || e instanceof java.nio.channels.ClosedByInterruptException) {
      return new JpullException(Kind.CANCELLED, action + ": interrupted", e);
    }
    return new JpullException(Kind.LOCAL_IO, action + ": " + describe(e), hint(e), e);
  }

  /**
   * Closes {@code c} after {@code failure}: the first error is the one reported, so a failure to close
   * (a lock, a channel) is attached to it as suppressed, never put in its place.
   */
  static <T extends Throwable> T closeAfter(java.io.Closeable c, T failure) {
    try {
      c.close();
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
    return failure;
  }

  static JpullException interrupted(String action, InterruptedException e) {
    Thread.currentThread().interrupt();
    return new JpullException(Kind.CANCELLED, action + ": interrupted", e);
  }

  /** A short reason: "permission denied (/x/y)", "No space left on device", … */
  static String describe(IOException e) {
    if (e instanceof AccessDeniedException a) {
      return "permission denied (" + a.getFile() + ")";
    }
    if (e instanceof NoSuchFileException n) {
      return "no such file or directory (" + n.getFile() + ")";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason() + (f.getFile() == null ? "" : " (" + f.getFile() + ")");
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  private static String hint(IOException e) {
    String m = String.valueOf(e.getMessage()) + " " + (e instanceof FileSystemException f ? f.getReason() : "");
    if (m.contains("No space left") || m.contains("Disk quota")) {
      return "free space on the store's filesystem (jpull gc removes unused blobs) or use --store elsewhere";
    }
    if (e instanceof AccessDeniedException || m.contains("Permission denied") || m.contains("Read-only file system")) {
      return "check the ownership and permissions of the store, or use --store DIR";
    }
    return null;
  }
}
