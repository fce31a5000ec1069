package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Checks of output directories given on the command line, made before any request. */
final class Targets {
  private Targets() {}

  /** The directory must not exist, or be an empty directory (not a symlink); else a usage error. */
  static Path emptyDirectory(Path dir, String what) throws JpullException {
    Path abs = dir.toAbsolutePath().normalize();
    if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
      return abs;
    }
    if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
      throw new JpullException(Kind.INVALID_INPUT, what + " " + abs + " exists and is not a directory",
          "name a new or empty directory", null);
    }
    try (Stream<Path> s = Files.list(abs)) {
      if (s.findAny().isPresent()) {
        throw new JpullException(Kind.INVALID_INPUT, what + " " + abs + " is not empty",
            "name a new or empty directory", null);
      }
    } catch (JpullException e) {
      throw e;
    } catch (IOException e) {
      throw new JpullException(Kind.LOCAL_IO, "read " + abs, e);
    }
    return abs;
  }
}
