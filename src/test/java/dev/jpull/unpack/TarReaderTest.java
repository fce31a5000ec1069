package dev.jpull.unpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/** The tar reader against archives written by commons-compress in every long-name mode and by hand. */
class TarReaderTest {
  private static final String LONG = "d/" + "n".repeat(180) + "/" + "f".repeat(150);

  @Test
  void readsPaxGnuAndUstarLongNamesAlike() throws IOException {
    for (int mode : new int[] {TarArchiveOutputStream.LONGFILE_POSIX, TarArchiveOutputStream.LONGFILE_GNU}) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
        out.setLongFileMode(mode);
        TarArchiveEntry link = new TarArchiveEntry(LONG + "-link", TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("../" + "t".repeat(200));
        out.putArchiveEntry(link);
        out.closeArchiveEntry();
        TarArchiveEntry f = new TarArchiveEntry(LONG);
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        f.setSize(data.length);
        f.setMode(04755);
        out.putArchiveEntry(f);
        out.write(data);
        out.closeArchiveEntry();
      }
      List<TarEntry> entries = new ArrayList<>();
      List<String> contents = new ArrayList<>();
      TarReader r = new TarReader(new ByteArrayInputStream(bytes.toByteArray()));
      TarEntry e;
      while ((e = r.next()) != null) {
        entries.add(e);
        contents.add(new String(r.content().readAllBytes(), StandardCharsets.UTF_8));
      }
      assertEquals(2, entries.size(), "mode " + mode);
      assertEquals(LONG + "-link", entries.get(0).name());
      assertEquals(TarEntry.Type.SYMLINK, entries.get(0).type());
      assertEquals("../" + "t".repeat(200), entries.get(0).linkName());
      assertEquals(LONG, entries.get(1).name());
      assertEquals(04755, entries.get(1).mode());
      assertEquals("hello", contents.get(1));
    }
  }

  @Test
  void readsBigNumbersAndPaxAttributes() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
      out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
      TarArchiveEntry f = new TarArchiveEntry("big-owner");
      f.setUserId(3_000_000_000L);
      f.setGroupId(70_000_000L);
      f.addPaxHeader("SCHILY.xattr.user.note", "v1");
      out.putArchiveEntry(f);
      out.closeArchiveEntry();
    }
    TarReader r = new TarReader(new ByteArrayInputStream(bytes.toByteArray()));
    TarEntry e = r.next();
    assertEquals(3_000_000_000L, e.uid());
    assertEquals(70_000_000L, e.gid());
    assertArrayEquals("v1".getBytes(StandardCharsets.UTF_8), e.xattrs().get("user.note"));
    assertNull(r.next());
  }

  @Test
  void paxOverridesTheUstarFields() throws IOException {
    byte[] pax = concat(paxRecord("mtime", "1700000000.25"), paxRecord("path", "from/pax"),
        paxRecord("size", "3"), paxRecord("uid", "4000000"));
    byte[] archive = concat(header("PaxHeader", 'x', pax.length), pad(pax), header("short", '0', 0),
        pad("abc".getBytes(StandardCharsets.US_ASCII)));
    TarReader r = new TarReader(new ByteArrayInputStream(archive));
    TarEntry e = r.next();
    assertEquals("from/pax", e.name());
    assertEquals(1_700_000_000_250L, e.mtime().toMillis());
    assertEquals(4_000_000L, e.uid());
    assertEquals("abc", new String(r.content().readAllBytes(), StandardCharsets.US_ASCII));
    assertNull(r.next());
  }

  @Test
  void baseTwoFiftySixSizeIsDecoded() throws IOException {
    byte[] h = header("huge", '0', 0);
    // GNU base-256: 0x80 marker then a big-endian value in the rest of the 12-byte field.
    Arrays.fill(h, 124, 136, (byte) 0);
    h[124] = (byte) 0x80;
    long size = 9L << 30;
    for (int i = 0; i < 8; i++) {
      h[135 - i] = (byte) (size >>> (8 * i));
    }
    checksum(h);
    TarReader r = new TarReader(new ByteArrayInputStream(h));
    assertEquals(size, r.next().size());
  }

  @Test
  void oversizedPaxHeaderIsRefusedWithoutReadingIt() {
    // Declares 8 GiB of PAX records but carries none: refused from the header alone.
    byte[] h = header("PaxHeader", 'x', (1L << 33) - 1);
    InputStream endless = new java.io.SequenceInputStream(new ByteArrayInputStream(h), InputStream.nullInputStream());
    TarFormatException e = assertThrows(TarFormatException.class, () -> new TarReader(endless).next());
    assertTrue(e.getMessage().contains("PAX header"), e.getMessage());
  }

  @Test
  void oversizedGnuLongNameIsRefused() {
    byte[] h = header("././@LongLink", 'L', TarReader.PATH_MAX + 1L);
    assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(h)).next());
  }

  @Test
  void badChecksumIsRefused() {
    byte[] h = header("x", '0', 0);
    h[0] = 'y';
    TarFormatException e = assertThrows(TarFormatException.class,
        () -> new TarReader(new ByteArrayInputStream(h)).next());
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
  }

  @Test
  void sparseAndMultiVolumeAreRefused() {
    assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(header("s", 'S', 0))).next());
    assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(header("m", 'M', 0))).next());
    byte[] pax = paxRecord("GNU.sparse.major", "1");
    byte[] archive = concat(header("PaxHeader", 'x', pax.length), pad(pax), header("s", '0', 0));
    assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(archive)).next());
  }

  @Test
  void malformedPaxRecordIsRefused() {
    byte[] pax = "99 path=x\n".getBytes(StandardCharsets.US_ASCII);
    byte[] archive = concat(header("PaxHeader", 'x', pax.length), pad(pax), header("f", '0', 0));
    assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(archive)).next());
  }

  @Test
  void headerOnlyTypesCarryNoDataWhateverTheSizeField() throws IOException {
    byte[] archive = concat(header("d/", '5', 4096), header("f", '0', 0));
    TarReader r = new TarReader(new ByteArrayInputStream(archive));
    TarEntry d = r.next();
    assertEquals(TarEntry.Type.DIRECTORY, d.type());
    assertEquals(0, d.size());
    assertEquals("f", r.next().name());
  }

  @Test
  void preposixTrailingSlashMeansDirectory() throws IOException {
    byte[] archive = header("old/", '\0', 0);
    assertEquals(TarEntry.Type.DIRECTORY, new TarReader(new ByteArrayInputStream(archive)).next().type());
  }

  @Test
  void truncatedDataAndHeadersAreErrors() throws IOException {
    byte[] h = header("f", '0', 1000);
    byte[] archive = concat(h, new byte[100]);
    TarReader r = new TarReader(new ByteArrayInputStream(archive));
    r.next();
    assertThrows(EOFException.class, () -> r.content().readAllBytes());
    assertThrows(EOFException.class, () -> new TarReader(new ByteArrayInputStream(new byte[300])).next());
  }

  @Test
  void unreadDataIsSkippedThroughTheStream() throws IOException {
    byte[] archive = concat(header("a", '0', 700), new byte[1024], header("b", '0', 0));
    TarReader r = new TarReader(new ByteArrayInputStream(archive));
    assertEquals("a", r.next().name());
    assertEquals("b", r.next().name());
    assertNull(r.next());
  }

  @Test
  void negativeBase256MtimeIsBeforeTheEpoch() throws IOException {
    // GNU tar writes times before 1970 in base-256 two's complement; Go reads them, so must jpull.
    byte[] h = header("old", '0', 0);
    Arrays.fill(h, 136, 148, (byte) 0xff);
    h[147] = (byte) 0xfe; // -2
    checksum(h);
    assertEquals(-2, new TarReader(new ByteArrayInputStream(h)).next().mtime().toMillis() / 1000);
  }

  @Test
  void negativeBase256SizeIsRefused() {
    byte[] h = header("neg", '0', 0);
    Arrays.fill(h, 124, 136, (byte) 0xff);
    checksum(h);
    TarFormatException e = assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(h)).next());
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
  }

  @Test
  void octalFieldWithGarbageInsideIsRefusedNotShortened() {
    byte[] h = header("f", '0', 0);
    System.arraycopy("00 0644\0".getBytes(StandardCharsets.US_ASCII), 0, h, 100, 8);
    checksum(h);
    assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(h)).next());
  }

  @Test
  void idsBeyondThirtyTwoBitsAreRefused() {
    byte[] pax = paxRecord("uid", "4294967296");
    byte[] archive = concat(header("PaxHeader", 'x', pax.length), pad(pax), header("f", '0', 0));
    TarFormatException e = assertThrows(TarFormatException.class,
        () -> new TarReader(new ByteArrayInputStream(archive)).next());
    assertTrue(e.getMessage().contains("uid out of range"), e.getMessage());
  }

  @Test
  void deviceNumbersBeyondIntAreRefusedNotTruncated() {
    byte[] h = header("dev/x", '3', 0);
    h[329] = (byte) 0x80;
    h[332] = 1; // 2^32 in base-256
    checksum(h);
    assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(h)).next());
  }

  @Test
  void paxSizeOverridesTheHeaderAndIsChecked() throws IOException {
    byte[] huge = paxRecord("size", "99999999999999999999");
    byte[] archive = concat(header("PaxHeader", 'x', huge.length), pad(huge), header("f", '0', 0));
    assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(archive)).next());
    byte[] signed = paxRecord("size", "-1");
    byte[] archive2 = concat(header("PaxHeader", 'x', signed.length), pad(signed), header("f", '0', 0));
    assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(archive2)).next());
  }

  @Test
  void paxTimesWithSignsAndLongFractions() throws IOException {
    // CVE-2023-42503 (commons-compress): a 300,000-digit fraction must cost nothing.
    String[][] cases = {{"-1.5", "-1500"}, {"12.000000001999", "12000"}, {"7." + "9".repeat(300_000), "7999"}};
    for (String[] c : cases) {
      byte[] pax = paxRecord("mtime", c[0]);
      byte[] archive = concat(header("PaxHeader", 'x', pax.length), pad(pax), header("f", '0', 0));
      assertEquals(Long.parseLong(c[1]), new TarReader(new ByteArrayInputStream(archive)).next().mtime().toMillis(),
          c[0].substring(0, Math.min(20, c[0].length())));
    }
  }

  @Test
  void nulInPaxPathsAndKeywordsIsRefused() {
    for (byte[] pax : new byte[][] {paxRecord("path", "a\0b"), paxRecord("linkpath", "x\0"), paxRecord("my\0key", "v")}) {
      byte[] archive = concat(header("PaxHeader", 'x', pax.length), pad(pax), header("f", '2', 0));
      assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(archive)).next());
    }
  }

  @Test
  void emptyPaxValueRestoresTheHeaderField() throws IOException {
    byte[] pax = concat(paxRecord("path", "from/pax"), paxRecord("path", ""));
    byte[] archive = concat(header("PaxHeader", 'x', pax.length), pad(pax), header("short", '0', 0));
    assertEquals("short", new TarReader(new ByteArrayInputStream(archive)).next().name());
  }

  @Test
  void starArchivesHaveAShorterPrefix() throws IOException {
    byte[] h = header("name", '0', 0);
    Arrays.fill(h, 345, 476, (byte) 'p'); // a full 131-byte prefix, no NUL
    Arrays.fill(h, 476, 500, (byte) '1'); // star's atime and ctime right after it
    System.arraycopy("tar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 508, 4);
    checksum(h);
    assertEquals("p".repeat(131) + "/name", new TarReader(new ByteArrayInputStream(h)).next().name());
  }

  @Test
  void aHeaderAfterTheEndOfArchiveMarkerIsRefused() throws IOException {
    // Go's archive/tar refuses it too: a header other readers never reach must not be skipped silently.
    byte[] archive = concat(header("a", '0', 0), new byte[512], header("hidden", '0', 0));
    TarReader r = new TarReader(new ByteArrayInputStream(archive));
    assertEquals("a", r.next().name());
    assertThrows(TarFormatException.class, r::next);
    byte[] clean = concat(header("a", '0', 0), new byte[1024], new byte[] {1, 2, 3});
    TarReader ok = new TarReader(new ByteArrayInputStream(clean));
    assertEquals("a", ok.next().name());
    assertNull(ok.next());
  }

  @Test
  void linkFieldsOfOtherTypesAreNotKept() throws IOException {
    byte[] h = header("f", '0', 0);
    System.arraycopy("junk".getBytes(StandardCharsets.US_ASCII), 0, h, 157, 4);
    checksum(h);
    assertEquals("", new TarReader(new ByteArrayInputStream(h)).next().linkName());
  }

  @Test
  void tooManyExtendedAttributeNamesAreRefused() {
    ByteArrayOutputStream records = new ByteArrayOutputStream();
    for (int i = 0; i < 300; i++) {
      records.writeBytes(paxRecord("SCHILY.xattr.user." + "k".repeat(230) + i, "v"));
    }
    byte[] pax = records.toByteArray();
    byte[] archive = concat(header("PaxHeader", 'x', pax.length), pad(pax), header("f", '0', 0));
    TarFormatException e = assertThrows(TarFormatException.class,
        () -> new TarReader(new ByteArrayInputStream(archive)).next());
    assertTrue(e.getMessage().contains("XATTR_LIST_MAX"), e.getMessage());
  }

  private static byte[] header(String name, char type, long size) {
    byte[] h = new byte[512];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, h, 0, n.length);
    octal(h, 100, 8, 0644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, 1_700_000_000L);
    h[156] = (byte) type;
    System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
    h[263] = '0';
    h[264] = '0';
    checksum(h);
    return h;
  }

  private static void octal(byte[] h, int off, int len, long v) {
    String s = Long.toOctalString(v);
    if (s.length() > len - 1) {
      s = s.substring(s.length() - (len - 1)); // the test only needs a syntactically valid field here
    }
    String padded = "0".repeat(len - 1 - s.length()) + s;
    System.arraycopy(padded.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
    h[off + len - 1] = 0;
  }

  private static void checksum(byte[] h) {
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 7, sum);
    h[155] = ' ';
  }

  private static byte[] paxRecord(String key, String value) {
    return dev.jpull.testing.TarBuilder.paxRecord(key, value);
  }

  private static byte[] pad(byte[] b) {
    return Arrays.copyOf(b, (b.length + 511) / 512 * 512);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
