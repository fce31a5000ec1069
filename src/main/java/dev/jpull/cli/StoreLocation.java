package dev.jpull.cli;

import dev.jpull.content.LocalContentStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Where the store is: {@code --store}, else {@code $JPULL_STORE}, else the XDG data directory. */
final class StoreLocation {
  private StoreLocation() {}

  static Path resolve(Path flag, Map<String, String> env) {
    if (flag != null) {
      return flag.toAbsolutePath();
    }
    String v = env.get("JPULL_STORE");
    if (v != null && !v.isBlank()) {
      return Path.of(v).toAbsolutePath();
    }
    String xdg = env.get("XDG_DATA_HOME");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg, "jpull");
    }
    return Home.get().resolve(".local/share/jpull");
  }

  static LocalContentStore open(Main main) throws IOException {
    return LocalContentStore.open(resolve(main.store, System.getenv()));
  }
}
