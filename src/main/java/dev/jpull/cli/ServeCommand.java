package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.serve.StoreServer;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/** {@code jpull serve}: the store, read-only, over the distribution-spec pull API. */
@Command(name = "serve", sortOptions = false,
    description = {"Serve the store read-only over the registry pull API (/v2/): manifests and blobs by tag",
        "and digest, HEAD, Range, tag lists and referrers. Names are the stored canonical ones",
        "(/v2/docker.io/library/alpine/manifests/3.19), or the repository with containerd's ns parameter",
        "(?ns=docker.io), so a hosts.toml can name this store as a mirror. Stops on SIGTERM or Ctrl-C.", "",
        "Examples:",
        "  jpull serve                                  # http://127.0.0.1:5080",
        "  jpull serve --address 0.0.0.0:5080           # for other machines (no TLS, no auth: a trusted network)",
        "  skopeo inspect --tls-verify=false docker://127.0.0.1:5080/docker.io/library/alpine:3.19"})
final class ServeCommand implements Callable<Integer> {
  private static final int GRACE_SECONDS = 10;

  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Option(names = "--address", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:5080",
      description = "Where to listen (default: ${DEFAULT-VALUE}; loopback only; port 0 picks a free one).")
  String address;

  @Option(names = "--connections", paramLabel = "N", defaultValue = "16",
      description = "Requests served at once (default: ${DEFAULT-VALUE}); more wait.")
  int connections;

  @Override
  public Integer call() throws Exception {
    if (connections < 1 || connections > 256) {
      throw new ParameterException(spec.commandLine(), "--connections must be between 1 and 256");
    }
    InetSocketAddress bind = parse(address);
    PrintWriter err = spec.commandLine().getErr();
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger code = new AtomicInteger(0);
    // Signals are handled here rather than by the JVM's default (exit 143 and shutdown hooks), so a
    // SIGTERM is a graceful stop: no new connections, requests in flight finish, exit 0.
    Signal.handle(new Signal("TERM"), s -> stop.countDown());
    Signal.handle(new Signal("INT"), s -> {
      code.set(ExitCodes.SIGINT);
      stop.countDown();
    });
    try (LocalContentStore store = StoreLocation.open(main)) {
      StoreServer server = StoreServer.start(store, bind, connections, m -> {
        synchronized (err) {
          err.println("warning: " + m);
          err.flush();
        }
      });
      InetSocketAddress a = server.address();
      String host = a.getAddress().getHostAddress();
      if (!a.getAddress().isLoopbackAddress()) {
        err.println("warning: serving on " + host + ", not loopback: whoever reaches it can read every image in the store");
      }
      err.println("Serving " + store.root() + " read-only on http://" + (host.contains(":") ? "[" + host + "]" : host)
          + ":" + a.getPort() + "/v2/ (SIGTERM or Ctrl-C stops)");
      err.flush();
      stop.await();
      server.stop(GRACE_SECONDS);
      err.println("Stopped");
      err.flush();
    }
    return code.get();
  }

  private InetSocketAddress parse(String s) throws JpullException {
    int colon = s.lastIndexOf(':');
    String host = colon < 0 ? s : s.substring(0, colon);
    String port = colon < 0 ? "" : s.substring(colon + 1);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty() || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
      throw new ParameterException(spec.commandLine(), "--address must be HOST:PORT, e.g. 127.0.0.1:5080, not "
          + dev.jpull.Quoted.of(s));
    }
    try {
      // Literal addresses and names that resolve locally (localhost); nothing is sent anywhere.
      return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(port));
    } catch (UnknownHostException e) {
      throw new JpullException(Kind.INVALID_INPUT, "--address " + s + ": unknown host " + host,
          "give an IP address, e.g. 127.0.0.1:5080", e);
    }
  }
}
