package dev.jpull.unpack;

import dev.jpull.fs.Stat;
import java.util.Arrays;

/**
 * The deferred metadata of every directory jpull made, keyed by inode: mode and mtime, applied in
 * {@link Rootfs#finish()} to the directory found by walking the finished tree, so only to a directory that
 * is still the one jpull created (a name that now leads elsewhere through a symlink is never reached).
 * Compact (an open-addressing table of three longs per directory, ~32 bytes) so that a layer of 500,000
 * directories fits the launcher's heap; the device is the root's, checked once per directory.
 */
final class DirRecords {
  static final long NO_TIME = Long.MIN_VALUE;
  private static final long EMPTY = 0; // inode 0 is never a directory's

  private long[] inodes = new long[1024];
  private long[] seconds = new long[1024];
  /** mode (12 bits) in the high word, nanoseconds in the low one. */
  private long[] modeNanos = new long[1024];
  private int size;
  private final long dev;

  DirRecords(long dev) {
    this.dev = dev;
  }

  /** Records (or replaces: the inode was reused) what a directory gets at the end. */
  void put(Stat dir, int mode, long mtimeSeconds, int mtimeNanos) {
    if (dir.dev() != dev || dir.ino() == EMPTY) {
      return; // not on the root's filesystem: not one jpull made
    }
    if ((size + 1) * 4L > inodes.length * 3L) {
      grow();
    }
    int i = slot(dir.ino());
    if (inodes[i] == EMPTY) {
      inodes[i] = dir.ino();
      size++;
    }
    seconds[i] = mtimeSeconds;
    modeNanos[i] = ((long) (mode & 07777) << 32) | (mtimeNanos & 0xffffffffL);
  }

  /** The index of a directory's record, -1 if it has none. */
  int find(Stat dir) {
    if (dir.dev() != dev) {
      return -1;
    }
    int i = slot(dir.ino());
    return inodes[i] == EMPTY ? -1 : i;
  }

  int mode(int i) {
    return (int) (modeNanos[i] >>> 32);
  }

  long seconds(int i) {
    return seconds[i];
  }

  int nanos(int i) {
    return (int) modeNanos[i];
  }

  private int slot(long ino) {
    int mask = inodes.length - 1;
    int i = (int) (mix(ino) & mask);
    while (inodes[i] != EMPTY && inodes[i] != ino) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private static long mix(long x) {
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    return x ^ (x >>> 33);
  }

  private void grow() {
    long[] oi = inodes;
    long[] os = seconds;
    long[] om = modeNanos;
    inodes = new long[oi.length * 2];
    seconds = new long[oi.length * 2];
    modeNanos = new long[oi.length * 2];
    for (int j = 0; j < oi.length; j++) {
      if (oi[j] != EMPTY) {
        int i = slot(oi[j]);
        inodes[i] = oi[j];
        seconds[i] = os[j];
        modeNanos[i] = om[j];
      }
    }
    Arrays.fill(oi, 0); // let the old arrays go
  }
}
