package dev.jpull.content;

import dev.jpull.oci.Digest;
import java.util.List;

/**
 * What a store check found.
 *
 * @param blobsChecked blobs re-hashed
 * @param corruptBlobs blobs whose bytes do not hash to their name (including zero-length ones)
 * @param strayFiles files in {@code blobs/} that are not blobs (temp files, links), as store-relative paths
 * @param referenceProblems missing or unreadable blobs of a reference, one line each
 * @param referencesWithoutTree references whose unpacked tree is absent (normal after {@code --no-unpack})
 * @param removed corrupt blobs and stray files deleted by a repair
 */
public record FsckReport(int blobsChecked, List<Digest> corruptBlobs, List<String> strayFiles,
    List<String> referenceProblems, List<String> referencesWithoutTree, int removed) {

  public FsckReport {
    corruptBlobs = List.copyOf(corruptBlobs);
    strayFiles = List.copyOf(strayFiles);
    referenceProblems = List.copyOf(referenceProblems);
    referencesWithoutTree = List.copyOf(referencesWithoutTree);
  }

  /** True when nothing is corrupt, stray or missing (absent trees are not a fault). */
  public boolean ok() {
    return corruptBlobs.isEmpty() && strayFiles.isEmpty() && referenceProblems.isEmpty();
  }
}
