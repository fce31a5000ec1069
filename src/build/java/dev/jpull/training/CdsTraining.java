package dev.jpull.training;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jpull.cli.Main;
import dev.jpull.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Build-time only, never in the jar: runs jpull's common commands in-process against a throwaway loopback
 * registry while the JVM records what they load. On Java 17 to 24 it records the class list
 * ({@code -XX:DumpLoadedClassList}), which the pom filters and dumps into one static CDS archive,
 * {@code target/jpull.jsa}; on Java 25 and newer it writes a JDK AOT cache, {@code target/jpull.aot}
 * ({@code -XX:AOTCacheOutput}). The launcher passes the file that matches the JVM it runs. Both check the
 * class path, which must be the launcher's alone ({@code -jar target/jpull}), so the pom runs this file in
 * source-file mode ({@code java -cp target/jpull CdsTraining.java}): compiled in memory and loaded by its own
 * class loader, it is on no class path (in a directory or a jar after the launcher it would make the
 * jar-only run refuse the archive). Hence one file that uses only jpull's public entry points
 * ({@code Main.run}, {@code Digest}). Cost: javac's classes, loaded to compile it, are in the AOT cache too
 * (the class list of Java 17 to 24 drops them). The pom turns off {@code AOTClassLinking} for the AOT
 * cache: Temurin 25.0.3 crashes assembling a cache of jpull's classes with it (archiveHeapWriter.cpp:757,
 * also for a plain {@code -jar target/jpull --version} training run).
 */
final class CdsTraining {
  private CdsTraining() {}

  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("jpull-cds-");
    PrintStream out = System.out;
    PrintStream err = System.err;
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    try {
      Map<String, byte[]> blobs = new HashMap<>();
      byte[] manifest = image(blobs);
      server.createContext("/v2/", ex -> serve(ex, manifest, blobs));
      server.start();
      String ref = "127.0.0.1:" + server.getAddress().getPort() + "/train/image:1";
      String store = work.resolve("store").toString();
      PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
      System.setOut(quiet);
      System.setErr(quiet);
      jpull("--version");
      jpull("--help");
      jpull("--store", store, "pull", "--plain-http", "--progress", "plain", ref);
      jpull("--store", store, "pull", "--plain-http", "-q", ref);
      jpull("--store", store, "pull", "--plain-http", "--progress", "json", "--rootfs",
          work.resolve("rootfs").toString(), ref);
      jpull("--store", store, "images");
      jpull("--store", store, "inspect", "--local", ref);
    } finally {
      System.setOut(out);
      System.setErr(err);
      server.stop(0);
      try (Stream<Path> s = Files.walk(work)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Runs one jpull command in this JVM; a failure fails the training, so the build says so. */
  private static void jpull(String... args) {
    int code = Main.run(args);
    if (code != 0) {
      throw new IllegalStateException("jpull " + String.join(" ", args) + " exited " + code);
    }
  }

  /** A one-layer OCI image; returns the manifest and fills {@code blobs} by digest. */
  private static byte[] image(Map<String, byte[]> blobs) throws IOException {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(tar)) {
      t.putArchiveEntry(new TarArchiveEntry("etc/"));
      t.closeArchiveEntry();
      byte[] data = "jpull\n".getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry f = new TarArchiveEntry("etc/hostname");
      f.setSize(data.length);
      t.putArchiveEntry(f);
      t.write(data);
      t.closeArchiveEntry();
    }
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write(tar.toByteArray());
    }
    byte[] layer = gz.toByteArray();
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + Digest.sha256(tar.toByteArray()) + "\"]}}").getBytes(StandardCharsets.UTF_8);
    blobs.put(Digest.sha256(layer).toString(), layer);
    blobs.put(Digest.sha256(config).toString(), config);
    return ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{"
        + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest.sha256(config)
        + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
        + "\"digest\":\"" + Digest.sha256(layer) + "\",\"size\":" + layer.length + "}]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static void serve(HttpExchange ex, byte[] manifest, Map<String, byte[]> blobs) throws IOException {
    String path = ex.getRequestURI().getPath();
    byte[] body = null;
    if (path.startsWith("/v2/train/image/manifests/")) {
      body = manifest;
      ex.getResponseHeaders().add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
      ex.getResponseHeaders().add("Docker-Content-Digest", Digest.sha256(manifest).toString());
    } else if (path.startsWith("/v2/train/image/blobs/")) {
      body = blobs.get(path.substring(path.lastIndexOf('/') + 1));
    } else if (path.equals("/v2/")) {
      body = new byte[0];
    }
    if (body == null) {
      ex.sendResponseHeaders(404, -1);
    } else if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
      ex.sendResponseHeaders(200, -1);
    } else {
      ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
      ex.getResponseBody().write(body);
    }
    ex.close();
  }
}
