package dev.jpull.export;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/**
 * Where an export lands, written so that a failed or killed export never leaves something that looks
 * complete: files and directories are built under a hidden sibling name, synced, and renamed into place.
 * What is left after a SIGKILL is a {@code .NAME.jpull-*.tmp} sibling, never a truncated {@code NAME}.
 */
public final class Destination {
  /** Writes an archive to a stream. */
  @FunctionalInterface
  public interface Body {
    void write(OutputStream out) throws IOException;
  }

  /** Fills a directory. */
  @FunctionalInterface
  public interface Tree {
    void fill(Path dir) throws IOException;
  }

  private Destination() {}

  /**
   * Writes a file, replacing a regular file of that name as {@code docker save -o} does. A destination that
   * exists and is not a regular file (a FIFO, {@code /dev/stdout}) is written in place: it cannot be renamed
   * over.
   */
  public static void file(Path dest, Body body) throws IOException {
    Path target = dest.toAbsolutePath().normalize();
    if (Files.exists(target)) {
      target = target.toRealPath();
      if (Files.isDirectory(target)) {
        throw new JpullException(Kind.INVALID_INPUT, "export destination " + dest + " is a directory",
            "name a file, or use --format oci for a layout directory", null);
      }
      if (!Files.isRegularFile(target)) {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(target), Exporter.BUFFER)) {
          body.write(out);
        }
        return;
      }
    }
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path tmp = sibling(target);
    Thread cleanup = onExit(tmp);
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), Exporter.BUFFER);
        body.write(out);
        out.flush();
        ch.force(true);
      }
      move(tmp, target);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    } finally {
      removeHook(cleanup);
    }
  }

  /** Fills a new directory in place of {@code dest}, which must be absent or an empty directory. */
  public static void directory(Path dest, Tree tree) throws IOException {
    Path target = dest.toAbsolutePath().normalize();
    Files.createDirectories(target.getParent());
    Path tmp = Files.createDirectory(sibling(target));
    Thread cleanup = onExit(tmp);
    try {
      tree.fill(tmp);
      // rename(2) replaces an empty directory, so an empty DEST given by the user is taken over whole.
      move(tmp, target);
    } catch (IOException | RuntimeException e) {
      deleteTree(tmp);
      throw e;
    } finally {
      removeHook(cleanup);
    }
  }

  /** Ctrl-C or SIGTERM while writing: the JVM runs this on its way out, so no temporary is left behind. */
  private static Thread onExit(Path tmp) {
    Thread hook = new Thread(() -> deleteTree(tmp), "jpull-export-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook is running.
    }
  }

  private static Path sibling(Path target) {
    return target.resolveSibling("." + target.getFileName() + ".jpull-" + UUID.randomUUID().toString().substring(0, 8)
        + ".tmp");
  }

  private static void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteTree(tmp);
      throw e;
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      // Best effort: the export already failed with the error that matters; a hidden temp sibling remains.
    }
  }
}
