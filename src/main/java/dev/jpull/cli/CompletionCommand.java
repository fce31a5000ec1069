package dev.jpull.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jpull completion bash|zsh}: prints a shell completion script. */
@Command(name = "completion",
    description = {"Print a shell completion script.", "",
        "Examples:",
        "  source <(jpull completion bash)",
        "  jpull completion zsh > \"${fpath[1]}/_jpull\""})
final class CompletionCommand implements Callable<Integer> {
  enum Shell { bash, zsh }

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh")
  Shell shell;

  @Override
  public Integer call() {
    String script = AutoComplete.bash("jpull", spec.root().commandLine());
    if (shell == Shell.zsh) {
      // picocli's script is bash; zsh runs it through bashcompinit.
      script = "#compdef jpull\nautoload -U +X bashcompinit && bashcompinit\nautoload -U +X compinit && compinit\n"
          + script;
    }
    spec.commandLine().getOut().print(script);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
