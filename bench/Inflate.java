import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.zip.GZIPInputStream;

/**
 * The inflate half of bench/run's floor: inflates the given layer blobs (gzip or zstd, by magic) into a
 * discard buffer on one thread per core, largest first, and prints the wall and process CPU seconds of that
 * alone (not the JVM's start-up): {@code java -cp target/jpull bench/Inflate.java BLOB...}. gzip is the JDK's
 * zlib, as in jpull; zstd is zstd-jni from jpull's jar.
 */
public final class Inflate {
  public static void main(String[] args) throws Exception {
    List<Path> blobs = new ArrayList<>();
    for (String a : args) {
      blobs.add(Path.of(a));
    }
    blobs.sort(Comparator.comparingLong((Path p) -> p.toFile().length()).reversed());
    ConcurrentLinkedQueue<Path> queue = new ConcurrentLinkedQueue<>(blobs);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    long[] out = new long[1];
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
      Thread t = new Thread(() -> {
        byte[] buf = new byte[1 << 16];
        for (Path p; (p = queue.poll()) != null; ) {
          try (InputStream in = open(p)) {
            long n = 0;
            for (int r; (r = in.read(buf)) > 0; ) {
              n += r;
            }
            synchronized (out) {
              out[0] += n;
            }
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
    System.out.printf("%.3f %.3f %d%n", wall, cpu, out[0]);
  }

  private static InputStream open(Path p) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    boolean zstd = magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd;
    return zstd ? new ZstdInputStream(in) : new GZIPInputStream(in, 1 << 16);
  }
}
