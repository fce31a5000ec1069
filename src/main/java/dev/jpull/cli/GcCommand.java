package dev.jpull.cli;

import dev.jpull.progress.Sizes;
import dev.jpull.content.GcReport;
import dev.jpull.content.LocalContentStore;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jpull gc}: removes what no reference needs; never what a running pull holds. */
@Command(name = "gc", description = {"Remove blobs, partial downloads and unpacked trees that no reference needs.", "",
    "Examples:", "  jpull rm alpine:3.18 && jpull gc"})
final class GcCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    try (LocalContentStore store = StoreLocation.open(main)) {
      GcReport r = store.gc();
      PrintWriter out = spec.commandLine().getOut();
      out.printf("Removed %d blobs, %d partial downloads, %d trees, %d stray files; freed %s%n",
          r.blobsRemoved(), r.ingestsRemoved(), r.treesRemoved(), r.strayFilesRemoved(), Sizes.human(r.bytesFreed()));
      out.printf("Kept %d blobs and %d trees%n", r.blobsKept(), r.treesKept());
      out.flush();
    }
    return 0;
  }
}
