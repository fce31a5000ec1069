package dev.jpull.content;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.FieldException;
import dev.jpull.oci.Fields;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The layout's {@code index.json}: one descriptor per reference name. Updates are read-modify-write under
 * {@code locks/index.lock} (not index.json itself: the rename would defeat a lock on it), written
 * temp → fsync → atomic rename → fsync dir, so concurrent processes never lose an update (skopeo#2184,
 * umoci#146) and a SIGKILL leaves the old or the new file. Entries and fields written by other tools are
 * kept as they are.
 */
final class IndexFile {
  /** Test hook: milliseconds to sleep between writing the temp file and the rename (HOSTILE-INPUTS E4). */
  static final String PAUSE_PROPERTY = "dev.jpull.content.pauseBeforeIndexRename";
  private static final int MAX_INDEX = 64 * 1024 * 1024;

  private final StorePaths paths;

  IndexFile(StorePaths paths) {
    this.paths = paths;
  }

  /** Writes an empty index when there is none yet; the caller holds the index lock. */
  void writeEmptyIfMissing() throws IOException {
    if (!Files.exists(paths.index())) {
      write(emptyIndex());
    }
  }

  void record(String name, Descriptor target) throws IOException, InterruptedException {
    Map<String, String> annotations = new HashMap<>(target.annotations());
    annotations.put(Descriptor.REF_NAME, name);
    annotations.put(Descriptor.CONTAINERD_NAME, name);
    ObjectNode entry = target.withAnnotations(annotations).toJson();
    update(manifests -> {
      removeNamed(manifests, name);
      manifests.add(entry);
      return true;
    });
  }

  boolean remove(String name) throws IOException, InterruptedException {
    boolean[] removed = new boolean[1];
    update(manifests -> removed[0] = removeNamed(manifests, name));
    return removed[0];
  }

  Optional<Descriptor> lookup(String name) throws IOException {
    ArrayNode manifests = manifests(read());
    for (JsonNode m : manifests) {
      if (isNamed(m, name)) {
        Descriptor d = toDescriptor(m);
        if (d != null) {
          return Optional.of(d);
        }
      }
    }
    return Optional.empty();
  }

  /** Every descriptor jpull can read, including ones other tools recorded; malformed entries are skipped. */
  List<Descriptor> references() throws IOException {
    List<Descriptor> out = new ArrayList<>();
    for (JsonNode m : manifests(read())) {
      Descriptor d = toDescriptor(m);
      if (d != null) {
        out.add(d);
      }
    }
    return out;
  }

  /** Removes a temp file a killed writer left behind; the caller holds the index lock or excludes writers. */
  boolean removeStrayTemp() throws IOException {
    return Files.deleteIfExists(paths.indexTemp());
  }

  private interface Edit {
    boolean apply(ArrayNode manifests) throws IOException;
  }

  @SuppressWarnings("try") // the resource is a lock, held for the block
  private void update(Edit edit) throws IOException, InterruptedException {
    try (Closeable lock = LockFile.exclusive(paths.indexLock())) {
      ObjectNode index = read();
      if (edit.apply(manifests(index))) {
        write(index);
      } else {
        removeStrayTemp();
      }
    }
  }

  private ObjectNode read() throws IOException {
    byte[] bytes;
    try {
      if (Files.size(paths.index()) > MAX_INDEX) {
        throw unusable("index.json is larger than " + MAX_INDEX + " bytes");
      }
      bytes = Files.readAllBytes(paths.index());
    } catch (NoSuchFileException e) {
      return emptyIndex();
    }
    JsonNode tree;
    try {
      tree = Json.MAPPER.readTree(Json.utf8(bytes));
    } catch (IOException e) {
      throw unusable("index.json is not valid JSON (" + e.getMessage() + ")");
    }
    if (tree == null || !tree.isObject() || (tree.has("manifests") && !tree.get("manifests").isArray())) {
      throw unusable("index.json is not an OCI image index");
    }
    return (ObjectNode) tree;
  }

  private void write(ObjectNode index) throws IOException {
    byte[] bytes = Json.MAPPER.writeValueAsBytes(index);
    long pause = Long.getLong(PAUSE_PROPERTY, 0L);
    DurableFiles.replace(paths.index(), paths.indexTemp(), bytes, () -> {
      if (pause > 0) {
        try {
          Thread.sleep(pause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
  }

  private JpullException unusable(String why) {
    return new JpullException(Kind.LOCAL_IO, "store " + paths.root() + " is unusable: " + why,
        "restore or delete " + paths.index() + " (jpull writes it atomically; another tool may have damaged it)",
        null);
  }

  private static ObjectNode emptyIndex() {
    ObjectNode index = JsonNodeFactory.instance.objectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    index.putArray("manifests");
    return index;
  }

  private static ArrayNode manifests(ObjectNode index) {
    JsonNode m = index.get("manifests");
    return m instanceof ArrayNode a ? a : index.putArray("manifests");
  }

  private static boolean removeNamed(ArrayNode manifests, String name) {
    boolean removed = false;
    for (int i = manifests.size() - 1; i >= 0; i--) {
      if (isNamed(manifests.get(i), name)) {
        manifests.remove(i);
        removed = true;
      }
    }
    return removed;
  }

  private static boolean isNamed(JsonNode entry, String name) {
    JsonNode a = entry.get("annotations");
    if (a == null || !a.isObject()) {
      return false;
    }
    return name.equals(a.path(Descriptor.CONTAINERD_NAME).asText(null))
        || name.equals(a.path(Descriptor.REF_NAME).asText(null));
  }

  private static Descriptor toDescriptor(JsonNode entry) {
    try {
      return Descriptor.read(Fields.of(entry));
    } catch (FieldException | IllegalArgumentException e) {
      return null;
    }
  }

  static void checkName(String name) {
    if (name == null || name.isBlank() || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("invalid reference name " + Quoted.of(name));
    }
  }
}
