package dev.jpull.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code jpull} command: global options and the verbs. */
@Command(name = "jpull",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
        "Pull container images from OCI and Docker registries and unpack them into a root filesystem,",
        "without a daemon and without root.",
        "",
        "Examples:",
        "  jpull pull alpine:3.19",
        "  jpull pull --platform linux/arm64 --rootfs ./rootfs ghcr.io/org/app:1.2",
        "  jpull --store /var/cache/jpull images"},
    subcommands = {
        PullCommand.class, ImagesCommand.class, InspectCommand.class, UnpackCommand.class, ExportCommand.class,
        RmCommand.class, GcCommand.class, FsckCommand.class, TagsCommand.class, LoginCommand.class, LogoutCommand.class,
        CommandLine.HelpCommand.class, CompletionCommand.class},
    footer = {"", ExitCodes.TABLE})
public final class Main implements Runnable {
  @Spec
  CommandSpec spec;

  @Option(names = "--store", paramLabel = "DIR", scope = ScopeType.INHERIT, order = 100,
      description = "The local store (default: $JPULL_STORE, else $XDG_DATA_HOME/jpull, else ~/.local/share/jpull).")
  java.nio.file.Path store;

  @Option(names = "--hosts-dir", paramLabel = "DIR", scope = ScopeType.INHERIT, order = 101,
      description = "Registry host configuration in containerd's certs.d/<host>/hosts.toml format "
          + "(default: $JPULL_HOSTS_DIR, else ~/.config/jpull/certs.d, then /etc/containerd/certs.d).")
  java.nio.file.Path hostsDir;

  @Option(names = "--debug", scope = ScopeType.INHERIT, order = 102,
      description = "Log requests, responses (secrets redacted) and decisions to stderr; show stack traces.")
  boolean debug;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs jpull and returns the exit code (tests call this in-process). */
  public static int run(String... args) {
    configureLogging(Arrays.asList(args).contains("--debug"));
    CommandLine cli = commandLine();
    return cli.execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExitCodeExceptionMapper(new ExitCodes());
    cli.setExecutionExceptionHandler(new Failures());
    cli.setParameterExceptionHandler(new Failures());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setOut(new PrintWriter(System.out, true));
    cli.setErr(new PrintWriter(System.err, true));
    return cli;
  }

  /**
   * slf4j-simple reads its configuration once, when the first logger is created: set it before anything
   * logs. Warnings by default; everything with {@code --debug}; always on stderr.
   */
  private static void configureLogging(boolean debug) {
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", debug ? "debug" : "warn");
    System.setProperty("org.slf4j.simpleLogger.log.okhttp3", debug ? "info" : "warn");
    System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
    System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
    System.setProperty("org.slf4j.simpleLogger.levelInBrackets", "true");
  }

  /** The version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"jpull " + (v == null ? "dev" : v),
          "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
    }
  }

  static List<String> exitCodeTable() {
    return List.of(ExitCodes.TABLE.split("\n"));
  }
}
