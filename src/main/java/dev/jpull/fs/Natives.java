package dev.jpull.fs;

import java.nio.file.Path;

/**
 * Where JNA unpacks its native part in this process. JNA copies {@code libjnidispatch.so} out of the jar to
 * a temp file and loads it from there (deleting it once loaded); by default into {@code ~/.cache/JNA/temp},
 * or {@code java.io.tmpdir} when that is not writable, and fails where that is mounted noexec. jpull writes
 * only to the store and the target, so the store names one of its own directories before anything native
 * loads. Touches no native class: {@link LibC} reads the setting when it first loads.
 */
public final class Natives {
  static final String TMPDIR = "jna.tmpdir";

  private Natives() {}

  /** Unpack into {@code dir} unless the user chose a place ({@code -Djna.tmpdir}) or the natives are loaded. */
  public static void unpackInto(Path dir) {
    if (System.getProperty(TMPDIR) == null) {
      System.setProperty(TMPDIR, dir.toAbsolutePath().toString());
    }
  }
}
