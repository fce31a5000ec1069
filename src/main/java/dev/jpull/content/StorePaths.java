package dev.jpull.content;

import dev.jpull.oci.Digest;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Every path of one store, in one place (Jib's {@code CacheStorageFiles}). Paths derived from content
 * take a {@link Digest}, which is validated on construction, so no registry-supplied string ever
 * becomes a path component (CVE-2024-3727, CVE-2021-21285).
 *
 * <pre>
 * oci-layout, index.json          the OCI image layout other tools read
 * blobs/&lt;alg&gt;/&lt;hex&gt;             verified, read-only blobs
 * ingest/&lt;hex&gt;/{data,meta}       partial downloads, resumed on the next pull
 * locks/&lt;hex&gt;.lock, index.lock, gc.lock, tree-&lt;hex&gt;.lock
 * rootfs/&lt;chain hex&gt;/ + rootfs/&lt;chain hex&gt;.complete   unpacked trees and their completion markers
 * tmp/                            trees being unpacked, directories being deleted
 * </pre>
 */
final class StorePaths {
  static final String OCI_LAYOUT = "oci-layout";
  static final String INDEX = "index.json";
  static final String INDEX_TEMP = "index.json.tmp";
  static final String MARKER_SUFFIX = ".complete";
  static final String INDEX_LOCK = "index.lock";
  static final String GC_LOCK = "gc.lock";

  private final Path root;

  StorePaths(Path root) {
    this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
  }

  Path root() {
    return root;
  }

  Path ociLayout() {
    return root.resolve(OCI_LAYOUT);
  }

  Path index() {
    return root.resolve(INDEX);
  }

  Path indexTemp() {
    return root.resolve(INDEX_TEMP);
  }

  Path blobsRoot() {
    return root.resolve("blobs");
  }

  Path blobsDir(String algorithm) {
    if (!algorithm.equals("sha256") && !algorithm.equals("sha512")) {
      throw new IllegalArgumentException("unsupported digest algorithm " + dev.jpull.Quoted.of(algorithm));
    }
    return blobsRoot().resolve(algorithm);
  }

  Path blob(Digest d) {
    return blobsDir(d.algorithm()).resolve(d.hex());
  }

  Path ingestRoot() {
    return root.resolve("ingest");
  }

  Path ingestDir(Digest d) {
    return ingestRoot().resolve(d.hex());
  }

  Path ingestData(Digest d) {
    return ingestDir(d).resolve("data");
  }

  Path ingestMeta(Digest d) {
    return ingestDir(d).resolve("meta");
  }

  Path locksDir() {
    return root.resolve("locks");
  }

  Path blobLock(Digest d) {
    return locksDir().resolve(d.hex() + ".lock");
  }

  Path treeLock(Digest chainId) {
    return locksDir().resolve("tree-" + chainId.hex() + ".lock");
  }

  Path indexLock() {
    return locksDir().resolve(INDEX_LOCK);
  }

  Path gcLock() {
    return locksDir().resolve(GC_LOCK);
  }

  Path rootfsDir() {
    return root.resolve("rootfs");
  }

  Path tree(Digest chainId) {
    return rootfsDir().resolve(chainId.hex());
  }

  Path treeMarker(Digest chainId) {
    return rootfsDir().resolve(chainId.hex() + MARKER_SUFFIX);
  }

  Path tmpDir() {
    return root.resolve("tmp");
  }

  /** The directories only jpull uses; they are kept 0700 (CVE-2021-41091: unpacked setuid files). */
  Path[] privateDirs() {
    return new Path[] {ingestRoot(), locksDir(), rootfsDir(), tmpDir()};
  }
}
