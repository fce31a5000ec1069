package dev.jpull.unpack;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A gzip (RFC 1952) decoder that trusts no header field with memory: every member is read, its header
 * parsed here with FNAME and FCOMMENT bounded by {@link #MAX_HEADER_STRING} and FEXTRA skipped unread
 * (commons-compress's {@code GzipCompressorInputStream} 1.28.0 collects FNAME and FCOMMENT into a
 * {@code ByteArrayOutputStream} up to the first NUL, however far that is), then inflated with the JDK's
 * {@link Inflater} and checked against its CRC32 and ISIZE trailer. Concatenated members are one stream
 * (JDK-7036144); bytes after the last member that are not another member are refused, as by Go's
 * {@code compress/gzip} and commons-compress.
 *
 * <p>Anything wrong with the gzip data is a {@link Kind#VERIFICATION} failure naming the layer; a failure
 * to read the blob itself passes through unchanged.
 */
final class GzipDecoder extends InputStream {
  /**
   * The longest FNAME or FCOMMENT, terminating NUL included: Go's {@code compress/gzip} reads them into a
   * 512-byte buffer and refuses longer ones, so no layer that Docker or containerd can read has more.
   */
  static final int MAX_HEADER_STRING = 512;
  private static final int INPUT = 64 * 1024;
  private static final int FTEXT_RESERVED = 0xe0;
  private static final int FHCRC = 0x02;
  private static final int FEXTRA = 0x04;
  private static final int FNAME = 0x08;
  private static final int FCOMMENT = 0x10;

  private final InputStream in;
  private final String what;
  private final byte[] buf = new byte[INPUT];
  private int pos;
  private int lim;
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private final CRC32 headerCrc = new CRC32();
  private final byte[] one = new byte[1];
  private boolean inMember;
  private boolean first = true;
  private boolean done;
  private boolean closed;

  /** {@code what} names the layer in messages ("layer sha256:…"). */
  GzipDecoder(InputStream in, String what) {
    this.in = in;
    this.what = what;
  }

  @Override
  public int read() throws IOException {
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (closed) {
      throw new IOException("stream closed");
    }
    if (len == 0) {
      return 0;
    }
    while (!done) {
      if (!inMember) {
        if (!header()) {
          done = true;
          return -1;
        }
        inMember = true;
      }
      int n;
      try {
        n = inflater.inflate(b, off, len);
      } catch (DataFormatException e) {
        throw corrupt("invalid deflate data (" + e.getMessage() + ")");
      }
      if (n > 0) {
        crc.update(b, off, n);
      }
      if (inflater.finished()) {
        pos = lim - inflater.getRemaining();
        trailer();
        inMember = false;
      } else if (n == 0) {
        if (inflater.needsDictionary()) {
          throw corrupt("deflate data asks for a preset dictionary");
        }
        if (inflater.needsInput()) {
          if (!fill()) {
            throw truncated();
          }
          inflater.setInput(buf, pos, lim - pos);
          pos = lim;
        }
      }
      if (n > 0) {
        return n;
      }
    }
    return -1;
  }

  /** Reads one member header; false at a clean end of input after at least one member. */
  private boolean header() throws IOException {
    if (pos == lim && !fill()) {
      if (first) {
        throw corrupt("empty gzip stream");
      }
      return false;
    }
    headerCrc.reset();
    int id1 = headerByte();
    int id2 = headerByte();
    if (id1 != 0x1f || id2 != 0x8b) {
      throw corrupt(first ? "not gzip data" : "data after the last gzip member is not gzip");
    }
    int method = headerByte();
    if (method != 8) {
      throw corrupt("unsupported gzip compression method " + method);
    }
    int flags = headerByte();
    if ((flags & FTEXT_RESERVED) != 0) {
      throw corrupt("reserved gzip header flags are set");
    }
    for (int i = 0; i < 6; i++) {
      headerByte(); // MTIME, XFL, OS: not used
    }
    if ((flags & FEXTRA) != 0) {
      int xlen = headerByte() | headerByte() << 8;
      for (int i = 0; i < xlen; i++) {
        headerByte(); // XLEN is 16 bits: at most 65,535 bytes, skipped unread
      }
    }
    if ((flags & FNAME) != 0) {
      skipString("file name");
    }
    if ((flags & FCOMMENT) != 0) {
      skipString("comment");
    }
    if ((flags & FHCRC) != 0) {
      int want = (int) (headerCrc.getValue() & 0xffff);
      int got = nextByte() | nextByte() << 8;
      if (got != want) {
        throw corrupt("gzip header checksum mismatch");
      }
    }
    first = false;
    inflater.reset();
    crc.reset();
    if (pos < lim) {
      inflater.setInput(buf, pos, lim - pos);
      pos = lim;
    }
    return true;
  }

  private void skipString(String field) throws IOException {
    for (int i = 0; i < MAX_HEADER_STRING; i++) {
      if (headerByte() == 0) {
        return;
      }
    }
    throw corrupt("gzip header " + field + " longer than " + (MAX_HEADER_STRING - 1) + " bytes");
  }

  private void trailer() throws IOException {
    long wantCrc = le32();
    long wantSize = le32();
    if (wantCrc != crc.getValue()) {
      throw corrupt("gzip CRC32 mismatch");
    }
    if (wantSize != (inflater.getBytesWritten() & 0xffffffffL)) {
      throw corrupt("gzip length (ISIZE) mismatch");
    }
  }

  private long le32() throws IOException {
    return nextByte() | (long) nextByte() << 8 | (long) nextByte() << 16 | (long) nextByte() << 24;
  }

  private int headerByte() throws IOException {
    int b = nextByte();
    headerCrc.update(b);
    return b;
  }

  private int nextByte() throws IOException {
    if (pos == lim && !fill()) {
      throw truncated();
    }
    return buf[pos++] & 0xff;
  }

  /** Refills the buffer once it is used up; false at the end of input. */
  private boolean fill() throws IOException {
    int n;
    do {
      n = in.read(buf, 0, buf.length);
    } while (n == 0);
    if (n < 0) {
      return false;
    }
    pos = 0;
    lim = n;
    return true;
  }

  private JpullException truncated() {
    return corrupt("unexpected end of gzip data (the layer is truncated)");
  }

  private JpullException corrupt(String problem) {
    return new JpullException(Kind.VERIFICATION, what + ": " + problem);
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      inflater.end();
      in.close();
    }
  }
}
