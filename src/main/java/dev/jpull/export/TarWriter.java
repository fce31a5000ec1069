package dev.jpull.export;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A reproducible tar: every entry owned by 0:0 with no user or group names and mtime 0 (the epoch, as
 * containers/image's archive writers do), so that exporting one image twice gives the same bytes. Long
 * names and sizes beyond 8 GiB get PAX headers, which every tar reader of the peers understands. Files are
 * 0644 and directories 0755 ({@code DEFAULT_FILE_MODE}, {@code DEFAULT_DIR_MODE}).
 */
final class TarWriter {
  private final TarArchiveOutputStream tar;

  TarWriter(OutputStream out) {
    tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
  }

  void directory(String name) throws IOException {
    TarArchiveEntry e = entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
    e.setMode(TarArchiveEntry.DEFAULT_DIR_MODE);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  void file(String name, byte[] content) throws IOException {
    TarArchiveEntry e = fileEntry(name, content.length);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  /**
   * Starts a regular file of exactly {@code size} bytes; the caller writes them to the returned stream and
   * then calls {@link #closeEntry()}, which fails when fewer bytes were written (more fail at once).
   */
  OutputStream beginFile(String name, long size) throws IOException {
    tar.putArchiveEntry(fileEntry(name, size));
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        tar.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        tar.write(b, off, len);
      }
    };
  }

  void closeEntry() throws IOException {
    tar.closeArchiveEntry();
  }

  void symlink(String name, String target) throws IOException {
    TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK);
    e.setLinkName(target);
    e.setMode(0120777);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  /** Writes the end-of-archive blocks and flushes; the underlying stream stays open for its owner to close. */
  void finish() throws IOException {
    tar.finish();
    tar.flush();
  }

  private static TarArchiveEntry fileEntry(String name, long size) {
    TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL);
    e.setMode(TarArchiveEntry.DEFAULT_FILE_MODE);
    e.setSize(size);
    return e;
  }

  private static TarArchiveEntry entry(String name, byte type) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setModTime(0L);
    e.setUserId(0);
    e.setGroupId(0);
    e.setUserName("");
    e.setGroupName("");
    return e;
  }
}
