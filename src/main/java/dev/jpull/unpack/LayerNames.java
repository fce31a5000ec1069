package dev.jpull.unpack;

import java.security.SecureRandom;

/**
 * The real paths one layer created, for its opaque markers (which may come after the entries they keep):
 * a set of 64-bit keyed hashes, 16 bytes an entry at most, so a layer of 500,000 entries costs ~8 MiB
 * rather than the ~50 MiB of a set of strings. The key is random per process, so a layer cannot aim for a
 * collision (whose only effect would be to keep one lower entry an opaque directory should have hidden).
 */
final class LayerNames {
  private static final long SEED = new SecureRandom().nextLong();
  private long[] table = new long[1024];
  private int size;
  private boolean hasZero;

  void add(String path) {
    long h = hash(path);
    if (h == 0) {
      hasZero = true;
      return;
    }
    if ((size + 1) * 2L > table.length) {
      grow();
    }
    if (insert(table, h)) {
      size++;
    }
  }

  boolean contains(String path) {
    long h = hash(path);
    if (h == 0) {
      return hasZero;
    }
    int mask = table.length - 1;
    for (int i = (int) h & mask; table[i] != 0; i = (i + 1) & mask) {
      if (table[i] == h) {
        return true;
      }
    }
    return false;
  }

  private static boolean insert(long[] t, long h) {
    int mask = t.length - 1;
    int i = (int) h & mask;
    while (t[i] != 0) {
      if (t[i] == h) {
        return false;
      }
      i = (i + 1) & mask;
    }
    t[i] = h;
    return true;
  }

  private void grow() {
    long[] next = new long[table.length * 2];
    for (long h : table) {
      if (h != 0) {
        insert(next, h);
      }
    }
    table = next;
  }

  /** Keyed FNV-1a over the chars (one per byte), finished with murmur3's mixer. */
  private static long hash(String s) {
    long h = 0xcbf29ce484222325L ^ SEED;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 33);
  }
}
