package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.reference.Reference;
import dev.jpull.registry.auth.DockerConfigFile;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jpull logout HOST}: removes only that registry's stored credentials. */
@Command(name = "logout", description = {"Remove a registry's stored credentials (only that entry).", "",
    "Examples:", "  jpull logout ghcr.io"})
final class LogoutCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "HOST")
  String host;

  @Override
  public Integer call() throws Exception {
    String name = Reference.parse(host + "/x").registry();
    DockerConfigFile config = DockerConfigFile.fromEnvironment(System.getenv(), Home.get());
    if (!config.remove(name)) {
      throw new JpullException(Kind.NOT_FOUND, "logout " + name + ": not logged in (nothing stored in " + config.path() + ")");
    }
    spec.commandLine().getErr().println("Removing login credentials for " + name);
    spec.commandLine().getErr().flush();
    return 0;
  }
}
