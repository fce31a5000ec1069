package dev.jpull.fs;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * How JNA is set up before {@link LibC} loads it: where it unpacks its native part, and that it runs no
 * {@code ldconfig}. JNA copies {@code libjnidispatch.so} out of the jar to a temp file and loads it from
 * there (deleting it once loaded); by default into {@code ~/.cache/JNA/temp}, or {@code java.io.tmpdir} when
 * that is not writable, and fails where that is mounted noexec. jpull writes only to the store and the
 * target, so the store names a directory of its own when it is opened; the setting is made only when the
 * natives load, and only if that directory still exists, so a process that opened a store and removed it
 * (tests do) leaves nothing behind. {@code -Djna.tmpdir} given by the user wins.
 */
public final class Natives {
  static final String TMPDIR = "jna.tmpdir";
  static final String PLATFORM_PATH = "jna.platform.library.path";
  private static final boolean USER_TMPDIR = System.getProperty(TMPDIR) != null;
  private static volatile Path scratch;

  private Natives() {}

  /** The store's directory to unpack into; the latest store opened in this process wins. Loads nothing. */
  public static void unpackInto(Path dir) {
    scratch = dir.toAbsolutePath();
  }

  /** Called by {@link LibC} before it loads JNA's native part. */
  static void beforeLoad() {
    Path dir = scratch;
    if (!USER_TMPDIR && dir != null && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      System.setProperty(TMPDIR, dir.toString());
    }
    // libc.so.6 is already in the process and the dynamic linker finds it by name; without a platform path
    // of its own JNA's NativeLibrary runs "/sbin/ldconfig -p" when it initialises, to build a search path
    // jpull never uses: a fork and exec on every unpack.
    if (System.getProperty(PLATFORM_PATH) == null) {
      System.setProperty(PLATFORM_PATH, "");
    }
  }
}
