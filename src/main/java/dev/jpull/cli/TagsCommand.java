package dev.jpull.cli;

import dev.jpull.reference.Reference;
import dev.jpull.registry.RegistryClient;
import dev.jpull.registry.TagList;
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
    java.io.PrintWriter out = spec.commandLine().getOut();
    Output warnings = Output.silent();
    TagList result;
    try (RegistryClient client = Wiring.registryClient(main, registry, repo.registry(), warnings)) {
      // Each page is printed (and flushed) before the next is asked for: a later failure keeps what was shown.
      result = client.tags(repo, new RegistryClient.TagSink() {
        @Override
        public void accept(String tag) {
          out.println(tag);
        }

        @Override
        public void pageDone() {
          out.flush();
        }
      });
    } finally {
      out.flush();
    }
    if (result.invalid() > 0) {
      warnings.warn(result.invalid() + " tag" + (result.invalid() == 1 ? "" : "s") + " of " + repo.name()
          + " left out: not valid tag names ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})");
    }
    if (result.omitted() > 0) {
      warnings.warn(result.omitted() + " more tag" + (result.omitted() == 1 ? "" : "s") + " of " + repo.name()
          + " left out after the first " + result.listed());
    }
    if (result.truncated()) {
      warnings.warn("the tag list of " + repo.name() + " has more pages than jpull reads; the rest were not listed");
    }
    return 0;
  }
}
