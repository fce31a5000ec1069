package dev.jpull.content;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Crash-safe file placement: temp, fsync, atomic rename, fsync of the directory. */
final class DurableFiles {
  static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
  /** {@code blobs/}: other tools read the layout, nobody but its owner writes it, whatever the umask. */
  static final Set<PosixFilePermission> SHARED_DIR = PosixFilePermissions.fromString("rwxr-xr-x");
  static final Set<PosixFilePermission> READ_ONLY = PosixFilePermissions.fromString("r--r--r--");

  private DurableFiles() {}

  static FileAttribute<Set<PosixFilePermission>> privateDirAttr() {
    return PosixFilePermissions.asFileAttribute(PRIVATE_DIR);
  }

  static FileAttribute<Set<PosixFilePermission>> privateFileAttr() {
    return PosixFilePermissions.asFileAttribute(PRIVATE_FILE);
  }

  /** Creates {@code dir} 0700 if it is missing and makes sure it is 0700; a symlink there is refused. */
  static void ensurePrivateDir(Path dir) throws IOException {
    try {
      Files.createDirectory(dir, privateDirAttr());
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(dir + " exists and is not a directory");
      }
    }
    setMode(dir, PRIVATE_DIR);
  }

  /** Creates {@code dir} at most 0755 (the umask may take more away) if it is missing; a symlink there is refused. */
  static void ensureSharedDir(Path dir) throws IOException {
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(SHARED_DIR));
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(dir + " exists and is not a directory");
      }
    }
  }

  /** Sets permissions without following a symlink (HOSTILE-INPUTS (d): setPosixFilePermissions follows links). */
  static void setMode(Path p, Set<PosixFilePermission> perms) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (!view.readAttributes().permissions().equals(perms)) {
      view.setPermissions(perms);
    }
  }

  /** Makes a rename or unlink in {@code dir} durable. */
  static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /**
   * Replaces {@code target} with {@code bytes} so that a crash at any instant leaves either the old or the
   * new content: write {@code temp}, fsync, atomic rename, fsync the directory. {@code beforeRename} is a
   * test hook (a crash between the temp file and the rename).
   */
  static void replace(Path target, Path temp, byte[] bytes, Runnable beforeRename) throws IOException {
    Files.deleteIfExists(temp);
    try (FileChannel ch = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")))) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    beforeRename.run();
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    fsyncDirectory(target.getParent());
  }
}
