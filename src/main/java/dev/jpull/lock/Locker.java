package dev.jpull.lock;

import dev.jpull.image.Graph;
import dev.jpull.image.VerifyingInputStream;

import dev.jpull.image.Platforms;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import dev.jpull.oci.ImageConfig;
import dev.jpull.oci.MediaTypes;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.reference.Reference;
import dev.jpull.registry.BlobStream;
import dev.jpull.registry.RegistryClient;
import dev.jpull.registry.Resolution;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Resolves references into lock entries: the root digest, and for each locked platform its manifest
 * digest and size. Reads documents (and, for a single-platform image, its config) but never a layer.
 */
public final class Locker {
  /** Resolves a reference the way a pull does (a {@code name:tag@digest} tag is checked). */
  @FunctionalInterface
  public interface Resolver {
    Resolution resolve(Reference ref) throws IOException;
  }

  private final RegistryClient client;
  private final Resolver resolver;

  public Locker(RegistryClient client, Resolver resolver) {
    this.client = client;
    this.resolver = resolver;
  }

  /** Locks {@code ref}: the platform {@code matcher} picks from an index, or every platform when null. */
  public LockFile.Entry lock(Reference ref, PlatformMatcher matcher) throws IOException, InterruptedException {
    Resolution resolution = resolver.resolve(ref);
    Descriptor root = resolution.descriptor();
    Document doc = client.manifest(ref, root);
    SortedMap<String, LockFile.PlatformLock> platforms = new TreeMap<>();
    Set<Digest> counted = new HashSet<>();
    counted.add(root.digest());
    long[] size = {root.size()};
    if (doc.isIndex()) {
      List<Descriptor> children = new ArrayList<>(Platforms.images(doc.index()));
      children.removeIf(c -> !MediaTypes.isManifest(c.mediaType())); // nested indexes: not locked per platform
      if (matcher != null) {
        children = Platforms.pick(children, matcher, 1, ref.toString());
      }
      for (Descriptor child : children) {
        Document m = client.manifest(ref, child);
        String key = child.platform() != null ? child.platform().normalized().toString() : platformOf(ref, m);
        long own = imageSize(child, m, counted, size);
        platforms.putIfAbsent(key, new LockFile.PlatformLock(child.digest(), own));
      }
    } else {
      Document m = doc;
      counted.remove(root.digest());
      size[0] = 0;
      long own = imageSize(root, m, counted, size);
      platforms.put(platformOf(ref, m), new LockFile.PlatformLock(root.digest(), own));
    }
    Reference canonical = ref;
    return new LockFile.Entry(canonical, root.digest(), root.mediaType(), platforms, size[0], resolution.host());
  }

  /** The image's own size (manifest, config, layers); adds the blobs not yet counted to {@code total}. */
  private static long imageSize(Descriptor manifest, Document m, Set<Digest> counted, long[] total) {
    List<Descriptor> parts = new ArrayList<>();
    parts.add(manifest);
    parts.addAll(Graph.children(m)); // config and layers
    long own = 0;
    for (Descriptor d : parts) {
      own += d.size();
      if (counted.add(d.digest())) {
        total[0] += d.size();
      }
    }
    return own;
  }

  /** A single-platform image names its platform only in its config: fetched (small) and verified. */
  private String platformOf(Reference ref, Document manifest) throws IOException {
    Descriptor d = Graph.config(manifest);
    try (BlobStream bs = client.blob(ref, d, 0)) {
      byte[] bytes;
      try {
        bytes = VerifyingInputStream.readAll(bs.body(), d, Document.MAX_SIZE);
      } catch (JpullException e) {
        throw e.kind() != Kind.VERIFICATION ? e : new JpullException(Kind.VERIFICATION, "config " + d.digest()
            + " of " + ref + " from " + bs.host() + ": " + e.getMessage(), e);
      }
      try {
        return ImageConfig.parse(bytes, d).platform().normalized().toString();
      } catch (JpullException e) {
        throw new JpullException(Kind.VERIFICATION, ref + " from " + bs.host() + ": " + e.getMessage(), e);
      }
    }
  }

  /** What {@code jpull lock --check} found for one entry. */
  public enum Status { OK, MOVED, MISSING }

  /** One entry checked: its status and, when it moved, the digest it resolves to now. */
  public record Check(LockFile.Entry entry, Status status, Digest current, String host) {}

  /** Resolves an entry's reference again; not found is {@link Status#MISSING}, other failures propagate. */
  public Check check(LockFile.Entry entry) throws IOException {
    try {
      Resolution now = resolver.resolve(entry.reference().withoutDigest());
      Digest current = now.descriptor().digest();
      return new Check(entry, current.equals(entry.digest()) ? Status.OK : Status.MOVED, current, now.host());
    } catch (JpullException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        return new Check(entry, Status.MISSING, null, null);
      }
      throw e;
    }
  }
}
