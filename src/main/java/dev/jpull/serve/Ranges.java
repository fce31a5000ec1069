package dev.jpull.serve;

/** A single {@code Range: bytes=…} header, as registries and their clients use it for resumes. */
final class Ranges {
  /** The answer for a range that starts beyond the blob: 416. */
  static final long[] UNSATISFIABLE = new long[0];

  private Ranges() {}

  /**
   * {@code {first, last}} (inclusive), null to serve the whole blob (no header, or one this server does not
   * honour: several ranges, another unit, bad syntax — RFC 9110 lets a server ignore those), or
   * {@link #UNSATISFIABLE}.
   */
  static long[] parse(String header, long size) {
    if (header == null || !header.startsWith("bytes=") || header.contains(",")) {
      return null;
    }
    String spec = header.substring("bytes=".length()).strip();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      String a = spec.substring(0, dash).strip();
      String b = spec.substring(dash + 1).strip();
      if (a.isEmpty()) {
        if (b.isEmpty()) {
          return null;
        }
        long suffix = Long.parseLong(b);
        if (suffix <= 0 || size == 0) {
          return UNSATISFIABLE;
        }
        return new long[] {Math.max(0, size - suffix), size - 1};
      }
      long first = Long.parseLong(a);
      long last = b.isEmpty() ? size - 1 : Long.parseLong(b);
      if (first >= size) {
        return UNSATISFIABLE;
      }
      if (first < 0 || last < first) {
        return null;
      }
      return new long[] {first, Math.min(last, size - 1)};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
