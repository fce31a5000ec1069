package dev.jpull.content;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.fs.Natives;
import dev.jpull.oci.Json;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/** Opening a store: creates the OCI layout or checks the one there, and refuses a directory that is not one. */
final class StoreLayout {
  private static final String LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}";

  private StoreLayout() {}

  /**
   * Checks (or creates) the store. {@code oci-layout} is written before any other entry, so a first open
   * killed half-way still leaves a directory that says what it is; a directory that holds neither a
   * layout nor anything jpull writes is someone else's and is refused, as is a root others can write to
   * (they could plant blobs, trees or index entries for this user).
   */
  @SuppressWarnings("try") // the resource is a lock, held for the block
  static void prepare(StorePaths paths) throws IOException, InterruptedException {
    Path root = paths.root();
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(root)) {
      Files.createDirectories(root.getParent());
      try {
        Files.createDirectory(root, DurableFiles.privateDirAttr());
      } catch (FileAlreadyExistsException raced) {
        // another process created it first
      }
    }
    if (!Files.isDirectory(root)) {
      throw unusable(paths, "it is not a directory");
    }
    checkNotShared(paths);
    if (!Files.isWritable(root)) {
      throw unusable(paths, "permission denied");
    }
    if (Files.exists(paths.ociLayout(), LinkOption.NOFOLLOW_LINKS)) {
      checkLayout(paths);
    } else {
      if (!Files.exists(paths.index(), LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> entries = Files.list(root)) {
          // Refuse to scatter a store into, say, $HOME given by mistake.
          if (entries.anyMatch(p -> !isOwnEntry(p.getFileName().toString()))) {
            throw unusable(paths, "it is not empty and holds no OCI image layout");
          }
        }
      }
      writeLayout(paths);
    }
    DurableFiles.ensureSharedDir(paths.blobsRoot());
    DurableFiles.ensureSharedDir(paths.blobsDir("sha256"));
    for (Path dir : paths.privateDirs()) {
      DurableFiles.ensurePrivateDir(dir);
    }
    Natives.unpackInto(paths.tmpDir());
    // Several processes may create one store at once (HOSTILE-INPUTS E2): index.json is written under the lock.
    try (Closeable lock = LockFile.exclusive(paths.indexLock())) {
      new IndexFile(paths).writeEmptyIfMissing();
    }
  }

  /**
   * Writes {@code oci-layout} through a temp file of this process's own, so processes creating one store
   * at once never share a temp file; they rename identical bytes, so whichever rename wins is the same.
   */
  private static void writeLayout(StorePaths paths) throws IOException {
    Path temp = Files.createTempFile(paths.root(), StorePaths.OCI_LAYOUT + ".", ".tmp");
    try {
      DurableFiles.replace(paths.ociLayout(), temp, LAYOUT.getBytes(StandardCharsets.UTF_8), () -> { });
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Group or others able to write the store root could swap any of its entries: refused, not repaired. */
  private static void checkNotShared(StorePaths paths) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(paths.root());
    if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new JpullException(Kind.LOCAL_IO, "store " + paths.root() + " is unusable: group or others can write to it ("
          + PosixFilePermissions.toString(perms) + ")",
          "make it private with chmod go-w " + paths.root() + ", or choose another with --store DIR", null);
    }
  }

  private static boolean isOwnEntry(String name) {
    return name.startsWith("oci-layout") || name.startsWith(StorePaths.INDEX) || name.equals("blobs")
        || name.equals("ingest") || name.equals("locks") || name.equals("rootfs") || name.equals("tmp");
  }

  private static void checkLayout(StorePaths paths) throws IOException {
    if (Files.size(paths.ociLayout()) > 4096) {
      throw unusable(paths, "oci-layout is not an OCI layout file");
    }
    JsonNode layout;
    try {
      layout = Json.MAPPER.readTree(Files.readAllBytes(paths.ociLayout()));
    } catch (IOException e) {
      throw unusable(paths, "oci-layout is not valid JSON");
    }
    String version = layout == null ? null : layout.path("imageLayoutVersion").asText(null);
    if (!"1.0.0".equals(version)) {
      throw unusable(paths, "oci-layout has imageLayoutVersion " + Quoted.of(version) + ", want \"1.0.0\"");
    }
  }

  private static JpullException unusable(StorePaths paths, String why) {
    return new JpullException(Kind.LOCAL_IO, "store " + paths.root() + " is unusable: " + why,
        "choose another directory with --store DIR", null);
  }

}
