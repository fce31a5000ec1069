package dev.jpull.export;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.Provider;
import dev.jpull.oci.Descriptor;
import dev.jpull.image.Image;
import dev.jpull.reference.Reference;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Writes stored images in the formats other tools load: an OCI image layout directory, the same layout as
 * a tar ({@code oci-archive}), or a {@code docker load} tarball ({@code docker-archive}). Blobs stream from
 * the store in fixed-size chunks and are re-hashed on the way out, so a blob corrupted on disk since its
 * pull fails the export instead of being passed on. Silent: the caller reports.
 */
public final class Exporter {
  static final int BUFFER = 1 << 20;

  private final Provider store;

  public Exporter(Provider store) {
    this.store = store;
  }

  /**
   * Writes an OCI image layout into {@code dir}, which must be absent or empty. The layout is built in a
   * sibling temporary directory and renamed into place, so {@code dir} never holds half a layout.
   */
  public void ociLayout(LayoutContent content, Path dir) throws IOException {
    Destination.directory(dir, tmp -> {
      Files.write(tmp.resolve("oci-layout"), LayoutContent.ociLayoutFile(), StandardOpenOption.CREATE_NEW);
      for (Descriptor d : content.blobs()) {
        Path algorithm = Files.createDirectories(tmp.resolve("blobs").resolve(d.digest().algorithm()));
        try (OutputStream out = Files.newOutputStream(algorithm.resolve(d.digest().hex()), StandardOpenOption.CREATE_NEW)) {
          write(content, d, out);
        }
      }
      // index.json last: a layout that has one is complete.
      Files.write(tmp.resolve("index.json"), content.indexJson(), StandardOpenOption.CREATE_NEW);
    });
  }

  /** Writes the OCI image layout of {@code content} as a tar to {@code out} (not closed). */
  public void ociArchive(LayoutContent content, OutputStream out) throws IOException {
    TarWriter tar = new TarWriter(out);
    tar.file("oci-layout", LayoutContent.ociLayoutFile());
    tar.file("index.json", content.indexJson());
    tar.directory("blobs");
    Set<String> algorithms = new LinkedHashSet<>();
    for (Descriptor d : content.blobs()) {
      String algorithm = d.digest().algorithm();
      if (algorithms.add(algorithm)) {
        tar.directory("blobs/" + algorithm);
      }
      OutputStream entry = tar.beginFile("blobs/" + algorithm + "/" + d.digest().hex(), d.size());
      write(content, d, entry);
      tar.closeEntry();
    }
    tar.finish();
  }

  /**
   * Writes what {@code docker load} and {@code skopeo docker-archive:} read: uncompressed layers, the
   * config, {@code manifest.json} and {@code repositories}, tagged with {@code ref}'s tag when it has one.
   */
  public void dockerArchive(Image image, Reference ref, OutputStream out) throws IOException {
    new DockerArchive(this, store).write(image, ref, new TarWriter(out));
  }

  private void write(LayoutContent content, Descriptor d, OutputStream out) throws IOException {
    byte[] generated = content.generated(d.digest());
    if (generated != null) {
      out.write(generated);
    } else {
      copy(d, out);
    }
  }

  /**
   * Copies a committed blob through the verifying stream: a store blob that no longer matches its
   * descriptor is reported (the bytes already written are the caller's to discard).
   */
  void copy(Descriptor d, OutputStream out) throws IOException {
    try (InputStream in = store.open(d)) {
      in.transferTo(out);
    } catch (JpullException e) {
      throw e.kind() == Kind.VERIFICATION ? corrupt(d, e.getMessage()) : e;
    }
  }

  static JpullException corrupt(Descriptor d, String why) {
    return new JpullException(Kind.VERIFICATION, "blob " + d.digest() + " in the store is corrupt: " + why,
        "run jpull fsck --repair, then pull the image again", null);
  }
}
