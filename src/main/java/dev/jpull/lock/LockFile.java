package dev.jpull.lock;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.reference.Reference;
import dev.jpull.reference.ReferenceParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A {@code jpull.lock}: the images a build uses, pinned (docs/lock-file.md). The bytes are a function of
 * the entries only — keys sorted, entries sorted by reference, two-space indent, LF, no timestamps — so
 * locking the same images again writes the same file.
 */
public record LockFile(List<Entry> images) {
  /** The format version; a reader refuses others. */
  public static final int VERSION = 1;
  /** A lock file is small; anything bigger is not one. */
  private static final int MAX_BYTES = 4 * 1024 * 1024;

  public LockFile {
    List<Entry> sorted = new ArrayList<>(images);
    sorted.sort(Comparator.comparing(e -> e.reference().toString()));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).reference().equals(sorted.get(i - 1).reference())) {
        throw new IllegalArgumentException("the reference " + sorted.get(i).reference() + " is listed twice");
      }
    }
    images = List.copyOf(sorted);
  }

  /** One manifest of an image, for one platform. */
  public record PlatformLock(Digest digest, long size) {}

  /**
   * One image.
   *
   * @param reference the canonical reference as locked
   * @param digest what it resolved to (an index's digest for a multi-platform image)
   * @param platforms the platform manifests locked ({@code os/arch[/variant]} → manifest digest and its
   *     image's size: manifest, config and layers)
   * @param size total bytes of the distinct blobs the locked platforms need, the root document included
   * @param host the host that answered the resolve (a mirror's name when one did)
   */
  public record Entry(Reference reference, Digest digest, String mediaType, SortedMap<String, PlatformLock> platforms,
      long size, String host) {
    public Entry {
      platforms = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(platforms));
    }

    /** The locked reference pinned to its digest ({@code name:tag@digest}). */
    public Reference pinned() {
      return reference.pinned(digest);
    }
  }

  /** The entry for {@code ref}: the same canonical reference, or the same name and tag. */
  public Optional<Entry> find(Reference ref) {
    for (Entry e : images) {
      if (e.reference().equals(ref) || e.reference().withoutDigest().equals(ref.withoutDigest())) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /** The exact bytes of this lock file. */
  public byte[] bytes() {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode list = root.putArray("images");
    for (Entry e : images) {
      ObjectNode n = list.addObject();
      n.put("digest", e.digest().toString());
      n.put("host", e.host());
      n.put("mediaType", e.mediaType());
      ObjectNode ps = n.putObject("platforms");
      for (Map.Entry<String, PlatformLock> p : e.platforms().entrySet()) {
        ps.putObject(p.getKey()).put("digest", p.getValue().digest().toString()).put("size", p.getValue().size());
      }
      n.put("reference", e.reference().toString());
      n.put("size", e.size());
    }
    root.put("version", VERSION);
    // "key": value, as people write JSON (Jackson's default puts a space before the colon too).
    DefaultPrettyPrinter pretty = new DefaultPrettyPrinter(com.fasterxml.jackson.core.util.Separators.createDefaultInstance()
        .withObjectFieldValueSpacing(com.fasterxml.jackson.core.util.Separators.Spacing.AFTER))
        .withObjectIndenter(new DefaultIndenter("  ", "\n"))
        .withArrayIndenter(new DefaultIndenter("  ", "\n"));
    try {
      return (Json.MAPPER.writer(pretty).writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serialises", e);
    }
  }

  /**
   * Writes the file atomically (temp file, then rename), and not at all when it already holds these
   * bytes, so an unchanged lock keeps its modification time too. Returns whether it changed.
   */
  public boolean write(Path file) throws JpullException {
    byte[] bytes = bytes();
    Path target = file.toAbsolutePath();
    try {
      if (Files.isRegularFile(target) && java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
        return false;
      }
      Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
      try {
        Files.write(temp, bytes);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(temp);
      }
      return true;
    } catch (IOException e) {
      throw new JpullException(Kind.LOCAL_IO, "write the lock file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads and checks a lock file; a missing or malformed one is a usage error naming the file. */
  public static LockFile read(Path file) throws JpullException {
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw invalid(file, "it is larger than " + MAX_BYTES + " bytes", null);
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new JpullException(Kind.INVALID_INPUT, "no lock file " + file, "create it with 'jpull lock REF... -f "
          + file + "'", e);
    } catch (IOException e) {
      throw new JpullException(Kind.LOCAL_IO, "read the lock file " + file + ": " + e.getMessage(), e);
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(Json.utf8(bytes));
    } catch (IOException e) {
      throw invalid(file, "it is not JSON (" + e.getMessage() + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw invalid(file, "it is not a JSON object", null);
    }
    if (!root.path("version").isInt() || root.get("version").intValue() != VERSION) {
      throw invalid(file, "its \"version\" is " + root.path("version") + ", this jpull reads version " + VERSION, null);
    }
    JsonNode list = root.path("images");
    if (!list.isArray()) {
      throw invalid(file, "it has no \"images\" array", null);
    }
    List<Entry> entries = new ArrayList<>();
    for (JsonNode n : list) {
      try {
        SortedMap<String, PlatformLock> platforms = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = field(n, "platforms", JsonNode::isObject).fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> p = it.next();
          platforms.put(p.getKey(), new PlatformLock(Digest.parse(text(p.getValue(), "digest")),
              number(p.getValue(), "size")));
        }
        Reference ref = Reference.parse(text(n, "reference"));
        entries.add(new Entry(ref, Digest.parse(text(n, "digest")), text(n, "mediaType"), platforms,
            number(n, "size"), text(n, "host")));
      } catch (ReferenceParseException | IllegalArgumentException e) {
        throw invalid(file, "entry " + dev.jpull.Quoted.of(n.path("reference").asText()) + ": " + e.getMessage(), e);
      }
    }
    try {
      return new LockFile(entries);
    } catch (IllegalArgumentException e) {
      throw invalid(file, e.getMessage(), e);
    }
  }

  private static JsonNode field(JsonNode n, String name, java.util.function.Predicate<JsonNode> ok) {
    JsonNode v = n.get(name);
    if (v == null || !ok.test(v)) {
      throw new IllegalArgumentException("\"" + name + "\" is missing or of the wrong type");
    }
    return v;
  }

  private static String text(JsonNode n, String name) {
    return field(n, name, JsonNode::isTextual).asText();
  }

  private static long number(JsonNode n, String name) {
    long v = field(n, name, v2 -> v2.isIntegralNumber() && v2.canConvertToLong()).longValue();
    if (v < 0) {
      throw new IllegalArgumentException("\"" + name + "\" is negative");
    }
    return v;
  }

  private static JpullException invalid(Path file, String why, Throwable cause) {
    return new JpullException(Kind.INVALID_INPUT, "the lock file " + file + " is not valid: " + why,
        "re-create it with 'jpull lock REF... -f " + file + "'", cause);
  }
}
