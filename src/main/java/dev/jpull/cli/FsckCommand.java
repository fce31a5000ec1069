package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.FsckReport;
import dev.jpull.content.LocalContentStore;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jpull fsck}: re-verifies every blob and every reference's tree. */
@Command(name = "fsck", description = {"Re-verify every blob's digest and every reference's tree.", "",
    "Examples:", "  jpull fsck", "  jpull fsck --repair && jpull pull alpine:3.19"})
final class FsckCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Option(names = "--repair", description = "Delete corrupt blobs and stray files (pull again to restore them).")
  boolean repair;

  @Override
  public Integer call() throws Exception {
    try (LocalContentStore store = StoreLocation.open(main)) {
      FsckReport r = store.fsck(repair);
      PrintWriter out = spec.commandLine().getOut();
      out.printf("Checked %d blobs%n", r.blobsChecked());
      r.corruptBlobs().forEach(d -> out.println("corrupt blob: " + d));
      r.strayFiles().forEach(f -> out.println("stray file: " + f));
      r.referenceProblems().forEach(p -> out.println(dev.jpull.Quoted.text("reference problem: " + p)));
      r.referencesWithoutTree().forEach(p -> out.println("not unpacked: " + p));
      if (repair && r.removed() > 0) {
        out.printf("Removed %d corrupt blobs and stray files%n", r.removed());
      }
      out.flush();
      if (!r.ok() && !repair) {
        throw new JpullException(Kind.VERIFICATION, "fsck found " + (r.corruptBlobs().size() + r.strayFiles().size()
            + r.referenceProblems().size()) + " problems in store " + store.root(),
            "run 'jpull fsck --repair', then pull the affected images again", null);
      }
    }
    return 0;
  }
}
