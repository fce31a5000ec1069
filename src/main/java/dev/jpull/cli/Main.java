package dev.jpull.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
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
    footer = {"", ExitCodes.TABLE})
public final class Main implements Runnable {
  /**
   * The verbs, in help order. Registered lazily: picocli builds each command's model by reflection, which
   * is a third of a no-op pull's CPU, so a run builds only the verb it executes; help and completion,
   * which list them all, get them all.
   */
  private static Map<String, Supplier<Object>> verbs() {
    Map<String, Supplier<Object>> m = new LinkedHashMap<>();
    m.put("pull", PullCommand::new);
    m.put("images", ImagesCommand::new);
    m.put("inspect", InspectCommand::new);
    m.put("unpack", UnpackCommand::new);
    m.put("export", ExportCommand::new);
    m.put("rm", RmCommand::new);
    m.put("gc", GcCommand::new);
    m.put("fsck", FsckCommand::new);
    m.put("tags", TagsCommand::new);
    m.put("lock", LockCommand::new);
    m.put("serve", ServeCommand::new);
    m.put("login", LoginCommand::new);
    m.put("logout", LogoutCommand::new);
    m.put("help", CommandLine.HelpCommand::new);
    m.put("completion", CompletionCommand::new);
    return Collections.unmodifiableMap(m);
  }

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
    if (!isVersion(args)) {
      warmUp(verb(args));
    }
    System.exit(run(args));
  }

  /**
   * Initialises Jackson's mapper and loads OkHttp on the second core while picocli builds the command
   * line: both are needed by every registry or store command and cost ~0.3 s of interpreted class
   * initialisation, a third of a no-op pull. The main thread simply waits on the class init if it gets
   * there first; a failure here is left for the real use to report.
   */
  private static void warmUp(String verb) {
    if (verb == null || verb.equals("help") || verb.equals("completion")) {
      return;
    }
    Thread t = new Thread(() -> {
      try {
        Class.forName("dev.jpull.oci.Json");
        new okhttp3.OkHttpClient.Builder();
      } catch (Throwable ignored) {
        // reported where the classes are really used
      }
    }, "jpull-warm-up");
    t.setDaemon(true);
    t.start();
  }

  /** Runs jpull and returns the exit code (tests call this in-process). */
  public static int run(String... args) {
    if (isVersion(args)) {
      // What picocli prints for -V, without building a command model for it: the model is read from the
      // annotations by reflection, two thirds of this command's run (issue 15).
      PrintWriter out = new PrintWriter(System.out, true);
      for (String line : new Version().getVersion()) {
        out.println(line);
      }
      return 0;
    }
    configureLogging(Arrays.asList(args).contains("--debug"));
    // No option takes a java.sql or java.time value: picocli would otherwise look their converters up by
    // reflection for every command line, loading ~150 classes (a tenth of a no-op pull's start).
    System.setProperty("picocli.converters.excludes", "java\\.sql\\..*,java\\.time\\..*");
    return commandLine(verb(args)).execute(args);
  }

  /** A bare {@code jpull --version} (or {@code -V}); {@code jpull pull --version} goes through picocli. */
  private static boolean isVersion(String... args) {
    return args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"));
  }

  /** The verb a command line names, or null; the values of the global options are skipped. */
  static String verb(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--store") || a.equals("--hosts-dir")) {
        i++;
      } else if (!a.startsWith("-")) {
        return a;
      }
    }
    return null;
  }

  static CommandLine commandLine() {
    return commandLine(null);
  }

  /** With every verb, unless {@code verb} names one that does not list the others. */
  static CommandLine commandLine(String verb) {
    CommandLine cli = new CommandLine(new Main());
    Map<String, Supplier<Object>> verbs = verbs();
    boolean one = verb != null && verbs.containsKey(verb) && !verb.equals("help") && !verb.equals("completion");
    for (Map.Entry<String, Supplier<Object>> v : verbs.entrySet()) {
      if (!one || v.getKey().equals(verb)) {
        cli.addSubcommand(v.getKey(), v.getValue().get());
      }
    }
    cli.setExitCodeExceptionMapper(new ExitCodes());
    cli.setExecutionExceptionHandler(new Failures());
    cli.setParameterExceptionHandler(new Failures());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    // -h/--help and -V/--version on every command, not only the top level: "jpull login --help" must print the
    // usage, not "Missing required parameter". picocli's own help command already has its -h.
    for (CommandLine sub : cli.getSubcommands().values()) {
      if (!(sub.getCommand() instanceof CommandLine.HelpCommand)) {
        sub.getCommandSpec().versionProvider(new Version()).mixinStandardHelpOptions(true);
      }
    }
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
}
