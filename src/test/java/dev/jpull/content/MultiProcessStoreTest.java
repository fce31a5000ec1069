package dev.jpull.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Several JVMs on one store, and JVMs killed with SIGKILL at awkward moments (HOSTILE-INPUTS E1–E4, E6). */
class MultiProcessStoreTest {
  @TempDir
  Path dir;

  Path root;
  LocalContentStore store;
  final List<Process> children = new ArrayList<>();

  @BeforeEach
  void open() throws IOException {
    root = dir.resolve("store");
    store = LocalContentStore.open(root);
  }

  @AfterEach
  void killChildren() throws InterruptedException {
    for (Process p : children) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private Process child(List<String> jvmProps, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xshare:auto");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.addAll(jvmProps);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(StoreChild.class.getName());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd)
        .redirectError(dir.resolve("child-" + children.size() + ".err").toFile())
        .start();
    children.add(p);
    return p;
  }

  private static String readLine(Process p) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    return r.readLine();
  }

  private String stderrOf(int child) throws IOException {
    return Files.readString(dir.resolve("child-" + child + ".err"));
  }

  @Test
  @Timeout(180)
  void concurrentProcessesCommitEachBlobOnceAndKeepEveryReference() throws Exception {
    int n = 3;
    Path fresh = dir.resolve("fresh"); // the children create this store together
    List<Process> ps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ps.add(child(List.of(), "pull", fresh.toString(), Integer.toString(i), dir.resolve("go").toString()));
    }
    Thread.sleep(1500); // let the JVMs start; they wait for the go file
    Files.createFile(dir.resolve("go"));
    Map<String, Integer> commits = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Process p = ps.get(i);
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), "child " + i + ": " + out + stderrOf(i));
      assertTrue(out.contains("DONE"), out);
      for (String line : out.split("\n")) {
        if (line.startsWith("COMMITTED ")) {
          commits.merge(line.substring(10), 1, Integer::sum);
        }
      }
    }
    root = fresh;
    store = LocalContentStore.open(fresh);
    for (int b = 0; b < StoreChild.BLOBS; b++) {
      assertEquals(1, commits.getOrDefault(Integer.toString(b), 0), "blob " + b + " committed once: " + commits);
      byte[] want = StoreChild.sharedBlob(b, StoreChild.BLOB_SIZE);
      assertArrayEquals(want, Files.readAllBytes(store.blobPath(StoreChild.descriptor(want).digest())));
    }
    try (var files = Files.list(root.resolve("blobs/sha256"))) {
      assertEquals(StoreChild.BLOBS, files.count(), "no temp or extra files in blobs/");
    }
    List<String> names = store.references().stream()
        .map(d -> d.annotations().get(Descriptor.CONTAINERD_NAME)).sorted().collect(Collectors.toList());
    assertEquals(n * 5, names.size(), names.toString());
    assertTrue(store.fsck(false).ok());
  }

  @Test
  @Timeout(120)
  void aKilledLockHolderNeitherBlocksNorLosesThePartial() throws Exception {
    int size = 3 * StoreChild.BLOB_SIZE;
    int written = 1_234_567;
    Process holder = child(List.of(), "hold", root.toString(), Integer.toString(size), Integer.toString(written));
    assertEquals("HOLDING " + written, readLine(holder), stderrOf(0));
    byte[] blob = StoreChild.sharedBlob(0, size);
    Descriptor d = StoreChild.descriptor(blob);

    holder.destroyForcibly();
    assertTrue(holder.waitFor(20, TimeUnit.SECONDS));
    long start = System.nanoTime();
    Optional<Writer> w = store.writer(d);
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(waitedMillis < 2000, "the dead holder's lock vanished with it; waited " + waitedMillis + " ms");
    try (Writer writer = w.orElseThrow()) {
      assertEquals(written, writer.offset(), "resumes from the partial the killed process left");
      writer.stream().write(blob, written, size - written);
      writer.commit();
    }
    assertArrayEquals(blob, Files.readAllBytes(store.blobPath(d.digest())));
  }

  @Test
  @Timeout(120)
  void anotherStoreInstanceInThisJvmCannotDropAHeldLock() throws Exception {
    int size = StoreChild.BLOB_SIZE;
    byte[] blob = StoreChild.sharedBlob(0, size);
    Descriptor d = StoreChild.descriptor(blob);
    Writer held = store.writer(d).orElseThrow();
    held.stream().write(blob, 0, 1000);
    held.stream().flush();
    // A second instance waits on the same lock file and gives up (LUCENE-5738: closing another channel
    // to the file would drop every lock of this JVM).
    Thread waiter = new Thread(() -> {
      try {
        LocalContentStore.open(root).writer(d);
      } catch (Exception expected) {
        // interrupted
      }
    });
    waiter.start();
    Thread.sleep(200);
    waiter.interrupt();
    waiter.join(5000);
    assertFalse(waiter.isAlive());

    Process other = child(List.of(), "hold", root.toString(), Integer.toString(size), "2000");
    BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
    Thread.sleep(2500);
    assertFalse(out.ready(), "another process must not get the blob while this JVM holds it");
    assertTrue(other.isAlive(), stderrOf(0));
    held.close();
    assertEquals("HOLDING 2000", out.readLine(), "it resumes from our 1000 bytes and writes to 2000");
  }

  @Test
  @Timeout(180)
  void aWriterKilledAtRandomMomentsIsResumedCorrectly() throws Exception {
    int size = 4 * StoreChild.BLOB_SIZE;
    byte[] blob = StoreChild.sharedBlob(0, size);
    Descriptor d = StoreChild.descriptor(blob);
    Random random = new Random(7);
    long lastOffset = -1;
    for (int round = 0; round < 3; round++) {
      Process p = child(List.of(), "slow-write", root.toString(), Integer.toString(size));
      String line = readLine(p);
      assertTrue(line != null && line.startsWith("WRITING "), line + stderrOf(children.size() - 1));
      long resumedAt = Long.parseLong(line.substring(8));
      assertTrue(resumedAt >= lastOffset, "each process resumes from at least the previous partial");
      Thread.sleep(100 + random.nextInt(400));
      p.destroyForcibly();
      assertTrue(p.waitFor(20, TimeUnit.SECONDS));
      lastOffset = resumedAt;
    }
    try (Writer writer = store.writer(d).orElseThrow()) {
      long offset = writer.offset();
      assertTrue(offset > 0 && offset <= size, "offset " + offset);
      writer.stream().write(blob, (int) offset, size - (int) offset);
      writer.commit();
    }
    assertArrayEquals(blob, Files.readAllBytes(store.blobPath(d.digest())));
    try (var files = Files.list(root.resolve("blobs/sha256"))) {
      assertEquals(1, files.count());
    }
  }

  @Test
  @Timeout(120)
  void aKillDuringTheIndexUpdateLeavesAParseableIndex() throws Exception {
    store.record("registry.test/old:1", StoreChild.descriptor(new byte[] {1}));
    byte[] before = Files.readAllBytes(root.resolve("index.json"));
    Process p = child(List.of("-D" + IndexFile.PAUSE_PROPERTY + "=60000"), "record", root.toString(),
        "registry.test/new:1");
    Path temp = root.resolve("index.json.tmp");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!(Files.exists(temp) && Files.size(temp) > 0)) {
      assertTrue(System.nanoTime() < deadline, "the child never reached the rename: " + stderrOf(0));
      assertTrue(p.isAlive(), stderrOf(0));
      Thread.sleep(20);
    }
    p.destroyForcibly();
    assertTrue(p.waitFor(20, TimeUnit.SECONDS));

    JsonNode index = Json.MAPPER.readTree(Files.readAllBytes(root.resolve("index.json")));
    assertEquals(1, index.get("manifests").size());
    assertArrayEquals(before, Files.readAllBytes(root.resolve("index.json")), "the old version, untouched");
    assertFalse(store.lookup("registry.test/new:1").isPresent());

    store.record("registry.test/next:1", StoreChild.descriptor(new byte[] {2}));
    assertTrue(store.lookup("registry.test/old:1").isPresent());
    assertTrue(store.lookup("registry.test/next:1").isPresent());
    assertFalse(Files.exists(temp), "the stray temp file was replaced and renamed away");
  }
}
