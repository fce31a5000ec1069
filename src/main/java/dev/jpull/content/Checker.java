package dev.jpull.content;

import dev.jpull.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/** Re-hashes every blob and walks every reference; a repair deletes what cannot be trusted. */
final class Checker {
  private final LocalContentStore store;
  private final StorePaths paths;

  Checker(LocalContentStore store, StorePaths paths) {
    this.store = store;
    this.paths = paths;
  }

  FsckReport run(boolean repair) throws IOException {
    List<Digest> corrupt = new ArrayList<>();
    List<String> stray = new ArrayList<>();
    int checked = 0;
    int removed = 0;
    for (Path algDir : Collector.list(paths.blobsRoot())) {
      String alg = algDir.getFileName().toString();
      if (!alg.equals("sha256") && !alg.equals("sha512")) {
        continue;
      }
      for (Path f : Collector.list(algDir)) {
        Digest d = Collector.parse(alg, f.getFileName().toString());
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        boolean bad;
        if (d == null || !a.isRegularFile()) {
          stray.add(paths.root().relativize(f).toString());
          bad = true;
        } else {
          checked++;
          bad = !LocalContentStore.intact(f, d, a.size());
          if (bad) {
            corrupt.add(d);
          }
        }
        if (bad && repair) {
          Trees.delete(f);
          removed++;
        }
      }
    }
    ReferenceWalk walk = new ReferenceWalk(store).walkAll(store.references());
    List<String> problems = new ArrayList<>(walk.missing());
    problems.addAll(walk.damaged());
    return new FsckReport(checked, corrupt, stray, problems, walk.withoutTree(), removed);
  }
}
