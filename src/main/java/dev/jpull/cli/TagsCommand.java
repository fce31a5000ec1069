package dev.jpull.cli;

import dev.jpull.reference.Reference;
import dev.jpull.registry.RegistryClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jpull tags REPO}: a repository's tags, one per line. */
@Command(name = "tags", description = {"List a repository's tags (follows Link pagination).", "",
    "Examples:", "  jpull tags alpine", "  jpull tags --plain-http 127.0.0.1:5000/app"})
final class TagsCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REPO", converter = Converters.ReferenceConverter.class)
  Reference repo;

  @Mixin
  RegistryOptions registry;

  @Override
  public Integer call() throws Exception {
    try (RegistryClient client = Wiring.registryClient(main, registry, repo.registry(), Output.silent())) {
      for (String tag : client.tags(repo)) {
        spec.commandLine().getOut().println(tag);
      }
    }
    spec.commandLine().getOut().flush();
    return 0;
  }
}
