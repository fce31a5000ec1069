package dev.jpull.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A plain TCP forwarder on a free loopback port in front of a real server. It counts every byte the
 * upstream sends (status lines, headers and bodies of every connection) and can throttle that direction,
 * so a test can both slow a download down enough to kill it midway and measure what a resume requested.
 * Knows nothing of HTTP, so it cannot change what the client and the registry say to each other.
 */
public final class CountingForwarder implements AutoCloseable {
  private static final int CHUNK = 16 * 1024;

  private final ServerSocket server;
  private final String upstreamHost;
  private final int upstreamPort;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "forwarder");
    t.setDaemon(true);
    return t;
  });
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicLong fromUpstream = new AtomicLong();
  private final AtomicLong connections = new AtomicLong();
  private volatile long bytesPerSecond;

  private CountingForwarder(ServerSocket server, String upstreamHost, int upstreamPort) {
    this.server = server;
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
  }

  /** Starts forwarding to {@code upstreamHostPort} ({@code host:port}). */
  public static CountingForwarder start(String upstreamHostPort) throws IOException {
    int colon = upstreamHostPort.lastIndexOf(':');
    ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    CountingForwarder f = new CountingForwarder(s, upstreamHostPort.substring(0, colon),
        Integer.parseInt(upstreamHostPort.substring(colon + 1)));
    f.threads.execute(f::accept);
    return f;
  }

  public String hostPort() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** Bytes received from the upstream on all connections so far. */
  public long bytesFromUpstream() {
    return fromUpstream.get();
  }

  /** Connections accepted so far. */
  public long connections() {
    return connections.get();
  }

  /** Limits the upstream-to-client direction to about this rate; 0 lifts the limit. */
  public void throttle(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      connections.incrementAndGet();
      sockets.add(client);
      try {
        Socket upstream = new Socket(upstreamHost, upstreamPort);
        sockets.add(upstream);
        threads.execute(() -> pump(client, upstream, false));
        threads.execute(() -> pump(upstream, client, true));
      } catch (IOException e) {
        closeQuietly(client); // upstream down: the client sees a closed connection, as it would without us
      }
    }
  }

  private void pump(Socket from, Socket to, boolean counted) {
    byte[] buf = new byte[CHUNK];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n; (n = in.read(buf)) > 0; ) {
        if (counted) {
          fromUpstream.addAndGet(n);
          long rate = bytesPerSecond;
          if (rate > 0) {
            LockSupport.parkNanos(n * 1_000_000_000L / rate);
          }
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // the other side went away (a killed client, a closed forwarder)
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    sockets.forEach(CountingForwarder::closeQuietly);
    threads.shutdownNow();
  }
}
