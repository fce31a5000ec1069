package dev.jpull.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a SIGKILL inside {@code commit()} leaves: the whole blob in {@code ingest/}, already made read-only
 * for its rename. The next writer must be able to use it; as any user but root a read-only partial would
 * fail every later pull of the blob with "permission denied" until someone ran gc.
 */
class KilledCommitTest {
  @Test
  void aPartialLeftReadOnlyByAKilledCommitIsWritableAgainAndCommits(@TempDir Path dir) throws Exception {
    byte[] bytes = "a blob whose commit was killed after its chmod".getBytes(StandardCharsets.UTF_8);
    Descriptor desc = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(bytes), bytes.length);
    try (LocalContentStore store = LocalContentStore.open(dir.resolve("store"))) {
      Path ingest = Files.createDirectories(store.root().resolve("ingest").resolve(desc.digest().hex()));
      Path data = ingest.resolve("data");
      Files.write(data, bytes);
      Files.write(ingest.resolve("meta"), Json.MAPPER.writeValueAsBytes(new IngestMeta(desc.digest(), desc.size()).toJson()));
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("r--r--r--"));

      try (Writer w = store.writer(desc).orElseThrow()) {
        assertEquals(bytes.length, w.offset(), "the whole partial is resumed");
        assertTrue(PosixFilePermissions.toString(Files.getPosixFilePermissions(data, LinkOption.NOFOLLOW_LINKS))
            .startsWith("rw"), "the partial is writable by its owner again");
        w.commit();
      }
      assertTrue(store.contains(desc.digest()));
      try (var in = store.open(desc)) {
        assertArrayEquals(bytes, in.readAllBytes());
      }
    }
  }
}
