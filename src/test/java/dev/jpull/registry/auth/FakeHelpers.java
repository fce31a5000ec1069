package dev.jpull.registry.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/** Writes fake {@code docker-credential-*} shell scripts into a directory put on an injected PATH. */
final class FakeHelpers {
  static final String SECRET = "s3cr3t-Helper-Pa55";

  final Path bin;
  final Path log;

  FakeHelpers(Path tmp) {
    try {
      bin = Files.createDirectories(tmp.resolve("bin"));
      log = Files.createDirectories(tmp.resolve("log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** PATH = the fake bin, then the system directories the scripts need. */
  Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", bin + ":/usr/bin:/bin");
    return env;
  }

  /** A script at {@code dir/name}, {@code #!/bin/sh} plus {@code body}. */
  static Path script(Path file, String body) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path helper(String name, String body) {
    return script(bin.resolve("docker-credential-" + name), body);
  }

  /**
   * A working helper: records each action's stdin in {@code log/<name>-<action>}, answers {@code get} with
   * {@code user}/{@link #SECRET}-{@code user}, and reports "not found" once erased.
   */
  Path working(String name, String user) {
    String stdin = log + "/" + name + "-$1";
    return helper(name, String.join("\n",
        "in=$(cat); printf '%s' \"$in\" > \"" + stdin + "\"",
        "case \"$1\" in",
        "  get) if [ -e \"" + log + "/" + name + "-erase\" ]; then echo 'credentials not found in native keychain'; exit 1; fi",
        "       printf '{\"ServerURL\":\"%s\",\"Username\":\"" + user + "\",\"Secret\":\"" + SECRET + "-" + user + "\"}' \"$in\";;",
        "  store|erase) ;;",
        "  *) exit 2;;",
        "esac"));
  }

  String stdinOf(String name, String action) throws IOException {
    return Files.readString(log.resolve(name + "-" + action));
  }

  boolean ran(String name, String action) {
    return Files.exists(log.resolve(name + "-" + action));
  }
}
