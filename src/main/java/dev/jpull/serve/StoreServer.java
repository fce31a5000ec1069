package dev.jpull.serve;

import java.io.InputStream;

import dev.jpull.image.VerifyingInputStream;
import java.nio.channels.Channels;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A read-only distribution-spec registry over a local store ({@code jpull serve}): {@code /v2/},
 * manifests and blobs by tag and digest with {@code HEAD} and {@code Range}, tag lists and referrers.
 * Only committed (verified) blobs are served, and a full GET is hashed as it streams: the last chunk is
 * sent only once the digest matched, so a blob corrupted on disk cuts the connection short instead of
 * reaching the client whole. The JDK's HTTP server on a bounded pool; no dependency.
 */
public final class StoreServer implements AutoCloseable {
  private static final int CHUNK = 64 * 1024;
  private static final int MAX_TAGS_PAGE = 10_000;

  private final HttpServer http;
  private final ThreadPoolExecutor pool;
  private final LocalContentStore store;
  private final Catalog catalog;
  private final Consumer<String> log;

  private StoreServer(HttpServer http, ThreadPoolExecutor pool, LocalContentStore store, Consumer<String> log) {
    this.http = http;
    this.pool = pool;
    this.store = store;
    this.catalog = new Catalog(store);
    this.log = log;
  }

  /**
   * Binds {@code address} and starts serving with at most {@code threads} requests at once (more wait in
   * a short queue, then in the kernel's backlog). An address in use is {@code LOCAL_IO}.
   *
   * @param log where problems worth an operator's attention go (a corrupt blob)
   */
  public static StoreServer start(LocalContentStore store, InetSocketAddress address, int threads, Consumer<String> log)
      throws JpullException {
    HttpServer http;
    try {
      http = HttpServer.create(address, 64);
    } catch (BindException e) {
      throw new JpullException(Kind.LOCAL_IO, "serve: the address " + show(address) + " is taken or cannot be bound ("
          + e.getMessage() + ")", "stop what listens there, or choose another with --address HOST:PORT", e);
    } catch (IOException e) {
      throw new JpullException(Kind.LOCAL_IO, "serve: cannot listen on " + show(address) + ": " + e.getMessage(), e);
    }
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(threads * 4), r -> {
          Thread t = new Thread(r, "jpull-serve");
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
    StoreServer server = new StoreServer(http, pool, store, log);
    http.createContext("/", server::handle);
    http.setExecutor(pool);
    http.start();
    return server;
  }

  private static String show(InetSocketAddress a) {
    String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /** The bound address (the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  /** Stops accepting, lets requests in flight finish for up to {@code graceSeconds}, then stops. */
  public void stop(int graceSeconds) {
    http.stop(graceSeconds);
    pool.shutdown();
    try {
      pool.awaitTermination(graceSeconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pool.shutdownNow();
  }

  @Override
  public void close() {
    stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      ex.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
      String method = ex.getRequestMethod();
      boolean head = method.equals("HEAD");
      try {
        if (!head && !method.equals("GET")) {
          throw new ApiError(405, "UNSUPPORTED", "this store is read-only: " + method + " is not supported");
        }
        ApiPath path = ApiPath.parse(ex.getRequestURI().getRawPath());
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        switch (path.endpoint()) {
          case BASE -> json(ex, head, 200, Json.MAPPER.createObjectNode(), null);
          case TAGS -> tags(ex, head, path, query);
          case MANIFEST -> manifest(ex, head, catalog.repository(path.name(), query.get("ns")), path.reference());
          case BLOB -> blob(ex, head, catalog.repository(path.name(), query.get("ns")), path.reference());
          case REFERRERS -> referrers(ex, head, path, query);
        }
      } catch (ApiError e) {
        error(ex, head, e.status, e.code, e.getMessage());
      } catch (JpullException e) {
        if (e.kind() == Kind.NOT_FOUND) {
          error(ex, head, 404, "BLOB_UNKNOWN", e.getMessage());
        } else {
          if (e.kind() != Kind.VERIFICATION) { // a corrupt blob was reported where it was found
            log.accept("serve " + ex.getRequestURI().getRawPath() + ": " + e.getMessage());
          }
          error(ex, head, 500, "UNKNOWN", e.getMessage());
        }
      }
    } catch (IOException | RuntimeException e) {
      // The client went away mid-stream, or a corrupt blob was cut short: nothing more to tell it.
      ex.close();
    }
  }

  private void tags(HttpExchange ex, boolean head, ApiPath path, Map<String, String> query) throws ApiError, IOException {
    Catalog.Repo repo = catalog.repository(path.name(), query.get("ns"));
    List<String> tags = Catalog.tags(repo);
    String last = query.get("last");
    if (last != null) {
      tags = tags.stream().filter(t -> t.compareTo(last) > 0).toList();
    }
    String n = query.get("n");
    String link = null;
    if (n != null) {
      int limit;
      try {
        limit = Integer.parseInt(n);
      } catch (NumberFormatException e) {
        throw new ApiError(400, "PAGINATION_NUMBER_INVALID", "n must be a number, not " + n);
      }
      if (limit < 0 || limit > MAX_TAGS_PAGE) {
        throw new ApiError(400, "PAGINATION_NUMBER_INVALID", "n must be between 0 and " + MAX_TAGS_PAGE);
      }
      if (tags.size() > limit) {
        tags = tags.subList(0, limit);
        if (!tags.isEmpty()) {
          link = "</v2/" + path.name() + "/tags/list?n=" + limit + "&last=" + tags.get(tags.size() - 1)
              + (query.get("ns") != null ? "&ns=" + query.get("ns") : "") + ">; rel=\"next\"";
        }
      }
    }
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("name", path.name());
    ArrayNode list = body.putArray("tags");
    tags.forEach(list::add);
    if (link != null) {
      ex.getResponseHeaders().set("Link", link);
    }
    json(ex, head, 200, body, null);
  }

  private void referrers(HttpExchange ex, boolean head, ApiPath path, Map<String, String> query)
      throws ApiError, IOException {
    catalog.repository(path.name(), query.get("ns"));
    Catalog.digest(path.reference());
    // The store keeps no referrers (signatures, SBOMs): the spec's answer is an empty index, not a 404.
    ObjectNode index = Json.MAPPER.createObjectNode();
    index.put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX).putArray("manifests");
    json(ex, head, 200, index, MediaTypes.OCI_INDEX);
  }

  private void manifest(HttpExchange ex, boolean head, Catalog.Repo repo, String reference)
      throws ApiError, IOException {
    Descriptor d = catalog.manifest(repo, reference);
    byte[] bytes;
    try (FileChannel ch = open(d.digest())) {
      bytes = VerifyingInputStream.readAll(Channels.newInputStream(ch), d, dev.jpull.oci.Document.MAX_SIZE);
    } catch (JpullException e) {
      throw e.kind() == Kind.VERIFICATION ? corrupt(d.digest(), e.getMessage()) : e;
    }
    ex.getResponseHeaders().set("Content-Type", d.mediaType());
    ex.getResponseHeaders().set("Docker-Content-Digest", d.digest().toString());
    ex.getResponseHeaders().set("Content-Length", Long.toString(bytes.length));
    if (head) {
      ex.sendResponseHeaders(200, -1);
      return;
    }
    ex.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private JpullException corrupt(Digest d, String why) {
    String message = "stored blob " + d + " is corrupt (" + why + "); run jpull fsck --repair";
    log.accept(message);
    return new JpullException(Kind.VERIFICATION, message);
  }

  /** Opens a committed blob; one removed since (gc) is {@code BLOB_UNKNOWN}. The open file outlives a gc. */
  private FileChannel open(Digest d) throws ApiError, IOException {
    try {
      return FileChannel.open(store.blobPath(d), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw ApiError.blobUnknown(d.toString());
    }
  }

  private void blob(HttpExchange ex, boolean head, Catalog.Repo repo, String reference) throws ApiError, IOException {
    Digest d = Catalog.digest(reference);
    if (!store.contains(d)) {
      throw ApiError.blobUnknown(reference);
    }
    try (FileChannel ch = open(d)) {
      long size = ch.size();
      ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
      ex.getResponseHeaders().set("Docker-Content-Digest", d.toString());
      ex.getResponseHeaders().set("Accept-Ranges", "bytes");
      long[] range = Ranges.parse(ex.getRequestHeaders().getFirst("Range"), size);
      if (range == Ranges.UNSATISFIABLE) {
        ex.getResponseHeaders().set("Content-Range", "bytes */" + size);
        error(ex, head, 416, "BLOB_UNKNOWN", "range not satisfiable for " + size + " bytes");
        return;
      }
      if (range != null) {
        long length = range[1] - range[0] + 1;
        ex.getResponseHeaders().set("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + size);
        ex.getResponseHeaders().set("Content-Length", Long.toString(length));
        if (head) {
          ex.sendResponseHeaders(206, -1);
          return;
        }
        ex.sendResponseHeaders(206, length);
        // A part cannot be checked against the blob's digest; the client verifies what it assembles.
        copy(Channels.newInputStream(ch.position(range[0])), length, ex.getResponseBody(), d, false);
        return;
      }
      ex.getResponseHeaders().set("Content-Length", Long.toString(size));
      if (head) {
        ex.sendResponseHeaders(200, -1);
        return;
      }
      ex.sendResponseHeaders(200, size == 0 ? -1 : size);
      copy(VerifyingInputStream.of(Channels.newInputStream(ch), new Descriptor("", d, size)), size,
          ex.getResponseBody(), d, true);
    }
  }

  /**
   * Copies {@code length} bytes of blob {@code d}; when {@code verified} ({@code in} is a verifying stream),
   * each chunk is sent only after the next was read, and the last only after the end of the stream matched
   * the digest: on a mismatch the response ends short and the client sees a broken transfer, never a
   * complete wrong blob. A range cannot be checked against the digest; the client verifies what it
   * assembles.
   */
  private void copy(InputStream in, long length, OutputStream out, Digest d, boolean verified) throws IOException {
    byte[] pending = new byte[CHUNK];
    byte[] next = new byte[CHUNK];
    int pendingLength = 0;
    long left = length;
    try {
      while (left > 0) {
        int n = in.read(next, 0, (int) Math.min(CHUNK, left));
        if (n < 0) {
          throw corrupt(d, "it is shorter than it was");
        }
        left -= n;
        if (pendingLength > 0) {
          out.write(pending, 0, pendingLength);
        }
        byte[] t = pending;
        pending = next;
        next = t;
        pendingLength = n;
      }
      if (verified && in.read() >= 0) {
        throw corrupt(d, "it is longer than it was");
      }
    } catch (JpullException e) {
      throw e.kind() == Kind.VERIFICATION && !e.getMessage().startsWith("stored blob ") ? corrupt(d, e.getMessage()) : e;
    }
    if (pendingLength > 0) {
      out.write(pending, 0, pendingLength);
    }
    out.close();
  }

  private static void json(HttpExchange ex, boolean head, int status, ObjectNode body, String type) throws IOException {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type != null ? type : "application/json");
    ex.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
    if (head) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void error(HttpExchange ex, boolean head, int status, String code, String message) throws IOException {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.putArray("errors").addObject().put("code", code).put("message", message).putNull("detail");
    ex.getResponseHeaders().remove("Docker-Content-Digest");
    json(ex, head, status, body, null);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> m = new HashMap<>();
    if (raw == null) {
      return m;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      m.putIfAbsent(k, v);
    }
    return m;
  }
}
