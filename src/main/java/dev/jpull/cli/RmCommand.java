package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.reference.Reference;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jpull rm REF}: forgets references; {@code jpull gc} frees what nothing needs any more. */
@Command(name = "rm", description = {"Forget image references (blobs are freed by 'jpull gc').", "",
    "Examples:", "  jpull rm alpine:3.19", "  jpull rm alpine:3.19 busybox && jpull gc"})
final class RmCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "REF", arity = "1..*", converter = Converters.ReferenceConverter.class,
      description = "References to remove.")
  List<Reference> refs;

  @Override
  public Integer call() throws Exception {
    try (LocalContentStore store = StoreLocation.open(main)) {
      for (Reference ref : refs) {
        if (!store.remove(ref.toString())) {
          throw new JpullException(Kind.NOT_FOUND, "remove " + ref + ": no such image in the store",
              "list what the store holds with 'jpull images'", null);
        }
        spec.commandLine().getOut().println("Untagged: " + ref);
      }
      spec.commandLine().getOut().flush();
    }
    return 0;
  }
}
