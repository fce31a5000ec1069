package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Json;
import dev.jpull.oci.MediaTypes;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.TarBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Layers beyond the reader's bounds, and layers that do not decompress, pulled through the real launcher:
 * each is exit 7 with one {@code jpull: error:} line naming the layer's digest, never 1 or 9. The layer's
 * descriptor digest and diffID match its bytes, as an attacker would make them.
 */
class HostileLayerExitIT {
  @StartStop
  final MockWebServer server = new MockWebServer();

  @TempDir
  Path dir;

  static Stream<Arguments> layers() {
    byte[] ok = new TarBuilder().file("f", 0644, new byte[50_000]).build();
    byte[] gz = TarBuilder.gzip(ok);
    byte[] badCrc = gz.clone();
    badCrc[gz.length - 7] ^= 1;
    byte[] zst = TarBuilder.zstd(ok);
    ByteArrayOutputStream paxes = new ByteArrayOutputStream();
    byte[] record = TarBuilder.paxRecord("path", "p");
    for (int i = 0; i < 1000; i++) {
      paxes.writeBytes(TarBuilder.header("PaxHeader", 'x', record.length));
      paxes.writeBytes(TarBuilder.pad(record));
    }
    paxes.writeBytes(ok);
    byte[] longName = ("n".repeat(200) + "/").repeat(30).getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream gnu = new ByteArrayOutputStream();
    gnu.writeBytes(TarBuilder.header("././@LongLink", 'L', longName.length));
    gnu.writeBytes(TarBuilder.pad(longName));
    gnu.writeBytes(ok);
    ByteArrayOutputStream fname = new ByteArrayOutputStream();
    fname.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3});
    fname.writeBytes("f".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII));
    return Stream.of(
        Arguments.of("a path component of 256 bytes", tar(new TarBuilder().file("a".repeat(256), "x").build()), "NAME_MAX"),
        Arguments.of("a path 5000 directories deep", tar(new TarBuilder().file("a/".repeat(5000) + "f", "x").build()),
            "PATH_MAX"),
        Arguments.of("1000 PAX headers before one entry", tar(paxes.toByteArray()), "extended headers"),
        Arguments.of("a GNU long name over PATH_MAX", tar(gnu.toByteArray()), "GNU long name"),
        Arguments.of("a truncated tar", tar(Arrays.copyOf(ok, 5000)), "unexpected end"),
        Arguments.of("a gzip CRC mismatch", layer(MediaTypes.OCI_LAYER_GZIP, badCrc, ok), "CRC32"),
        Arguments.of("a truncated gzip", layer(MediaTypes.OCI_LAYER_GZIP, Arrays.copyOf(gz, gz.length / 2), ok),
            "truncated"),
        Arguments.of("a gzip file name of 1 MiB", layer(MediaTypes.OCI_LAYER_GZIP, fname.toByteArray(), ok),
            "file name longer"),
        Arguments.of("a truncated zstd", layer(MediaTypes.OCI_LAYER_ZSTD, Arrays.copyOf(zst, zst.length - 3), ok),
            "truncated"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layers")
  void badLayerExits7NamingTheLayer(String name, Image image, String problem) throws Exception {
    server.setDispatcher(image.dispatcher());
    String ref = server.getHostName() + ":" + server.getPort() + "/hostile/layer:1";
    Launcher.Result r = Launcher.run(dir, "--store", dir.resolve("s").toString(), "pull", "--plain-http",
        "--progress", "plain", ref);
    assertEquals(7, r.exit(), r.stderr());
    List<String> errors = r.stderr().lines().filter(l -> l.startsWith("jpull: error: ")).toList();
    assertEquals(1, errors.size(), r.stderr());
    assertTrue(errors.get(0).contains(image.layer.toString()), r.stderr());
    assertTrue(errors.get(0).contains(problem), r.stderr());
    assertFalse(r.stderr().contains("\tat "), "no stack trace without --debug: " + r.stderr());
  }

  private static Image tar(byte[] tar) {
    return layer(MediaTypes.OCI_LAYER, tar, tar);
  }

  private static Image layer(String mediaType, byte[] blob, byte[] uncompressed) {
    return new Image(mediaType, blob, Digest.sha256(uncompressed));
  }

  /** One image of one layer whose descriptor and diffID are the layer's true digests. */
  static final class Image {
    final Digest layer;
    final Map<String, byte[]> blobs = new HashMap<>();
    final byte[] manifest;

    Image(String mediaType, byte[] blob, Digest diffId) {
      layer = Digest.sha256(blob);
      ObjectNode c = Json.MAPPER.createObjectNode().put("architecture", "amd64").put("os", "linux");
      c.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(diffId.toString());
      byte[] config = c.toString().getBytes(StandardCharsets.UTF_8);
      ObjectNode m = Json.MAPPER.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_MANIFEST);
      m.putObject("config").put("mediaType", MediaTypes.OCI_CONFIG).put("digest", Digest.sha256(config).toString())
          .put("size", config.length);
      m.putArray("layers").addObject().put("mediaType", mediaType).put("digest", layer.toString())
          .put("size", blob.length);
      manifest = m.toString().getBytes(StandardCharsets.UTF_8);
      blobs.put(layer.toString(), blob);
      blobs.put(Digest.sha256(config).toString(), config);
    }

    @Override
    public String toString() {
      return "image with layer " + layer;
    }

    Dispatcher dispatcher() {
      return new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest r) {
          MockResponse answer = answer(r.getUrl().encodedPath());
          return r.getMethod().equals("HEAD")
              ? new MockResponse.Builder().code(answer.getCode()).headers(answer.getHeaders()).build()
              : answer;
        }
      };
    }

    private MockResponse answer(String path) {
      if (path.equals("/v2/")) {
        return new MockResponse.Builder().code(200).build();
      }
      if (path.startsWith("/v2/hostile/layer/manifests/")) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", MediaTypes.OCI_MANIFEST)
            .addHeader("Docker-Content-Digest", Digest.sha256(manifest).toString())
            .body(new Buffer().write(manifest)).build();
      }
      byte[] blob = blobs.get(path.substring(path.lastIndexOf('/') + 1));
      if (path.startsWith("/v2/hostile/layer/blobs/") && blob != null) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/octet-stream")
            .body(new Buffer().write(blob)).build();
      }
      return new MockResponse.Builder().code(404).addHeader("Content-Type", "application/json")
          .body("{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"unknown\"}]}").build();
    }
  }
}
