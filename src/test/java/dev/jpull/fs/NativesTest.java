package dev.jpull.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decision only: whether JNA is pointed at a store's directory when the natives load. */
class NativesTest {
  private final String saved = System.getProperty(Natives.TMPDIR);

  @AfterEach
  void restore() {
    if (saved == null) {
      System.clearProperty(Natives.TMPDIR);
    } else {
      System.setProperty(Natives.TMPDIR, saved);
    }
  }

  /**
   * The first store a process opened named JNA's directory at once; when the natives loaded after that
   * store was removed (every test JVM), JNA made the directory again: a stray store/tmp left in /tmp.
   */
  @Test
  void aStoreRemovedBeforeTheNativesLoadedWasMadeAgainByJna(@TempDir Path dir) throws Exception {
    Path gone = Files.createDirectories(dir.resolve("store/tmp"));
    Natives.unpackInto(gone);
    Files.delete(gone);
    System.clearProperty(Natives.TMPDIR);
    Natives.beforeLoad();
    assertNull(System.getProperty(Natives.TMPDIR), "pointed JNA at a directory that is gone");
    assertFalse(Files.exists(gone));

    Path live = Files.createDirectories(dir.resolve("other/tmp"));
    Natives.unpackInto(live);
    Natives.beforeLoad();
    assertEquals(live.toString(), System.getProperty(Natives.TMPDIR), "the latest store opened wins");
  }
}
