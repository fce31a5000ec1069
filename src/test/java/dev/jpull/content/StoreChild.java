package dev.jpull.content;

import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** A separate JVM that uses a store, for {@link MultiProcessStoreTest}; it reports on stdout, one line per event. */
public final class StoreChild {
  static final int BLOBS = 5;
  static final int BLOB_SIZE = 1 << 20;
  static final int CHUNK = 32 * 1024;

  private StoreChild() {}

  /** The shared blob {@code i}: every child derives the same bytes. */
  static byte[] sharedBlob(int i, int size) {
    byte[] b = new byte[size];
    new Random(1000 + i).nextBytes(b);
    return b;
  }

  static Descriptor descriptor(byte[] b) {
    return new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256(b), b.length);
  }

  public static void main(String[] args) throws Exception {
    if (args[0].equals("pull")) {
      // Start together (even creating the store together): wait for the parent's go file.
      Path go = Path.of(args[3]);
      while (!java.nio.file.Files.exists(go)) {
        Thread.sleep(5);
      }
    }
    LocalContentStore store = LocalContentStore.open(Path.of(args[1]));
    switch (args[0]) {
      case "pull" -> pull(store, Integer.parseInt(args[2]));
      case "hold" -> hold(store, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      case "slow-write" -> slowWrite(store, Integer.parseInt(args[2]));
      case "record" -> {
        store.record(args[2], descriptor(new byte[] {42}));
        System.out.println("RECORDED");
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
    System.out.flush();
  }

  /** Writes all shared blobs (in an order of its own) and records five names of its own. */
  private static void pull(LocalContentStore store, int id) throws Exception {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < BLOBS; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(id));
    for (int i : order) {
      byte[] blob = sharedBlob(i, BLOB_SIZE);
      Optional<Writer> w = store.writer(descriptor(blob));
      if (w.isEmpty()) {
        System.out.println("SKIPPED " + i);
        continue;
      }
      try (Writer writer = w.get()) {
        OutputStream out = writer.stream();
        for (int off = (int) writer.offset(); off < blob.length; off += CHUNK) {
          out.write(blob, off, Math.min(CHUNK, blob.length - off));
          out.flush();
          Thread.sleep(1);
        }
        writer.commit();
      }
      System.out.println("COMMITTED " + i);
    }
    for (int k = 0; k < 5; k++) {
      store.record("registry.test/child" + id + ":" + k, descriptor(sharedBlob(k % BLOBS, BLOB_SIZE)));
    }
    System.out.println("DONE");
  }

  /** Takes the writer of shared blob 0, writes part of it, and waits to be killed. */
  private static void hold(LocalContentStore store, int size, int written) throws Exception {
    byte[] blob = sharedBlob(0, size);
    Writer w = store.writer(descriptor(blob)).orElseThrow();
    w.stream().write(blob, (int) w.offset(), written - (int) w.offset());
    w.stream().flush();
    System.out.println("HOLDING " + w.offset());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /** Writes shared blob 0 slowly, to be killed at a random moment. */
  private static void slowWrite(LocalContentStore store, int size) throws Exception {
    byte[] blob = sharedBlob(0, size);
    Writer w = store.writer(descriptor(blob)).orElseThrow();
    System.out.println("WRITING " + w.offset());
    System.out.flush();
    for (int off = (int) w.offset(); off < blob.length; off += CHUNK) {
      w.stream().write(blob, off, Math.min(CHUNK, blob.length - off));
      w.stream().flush();
      Thread.sleep(2);
    }
    Thread.sleep(Long.MAX_VALUE);
  }
}
