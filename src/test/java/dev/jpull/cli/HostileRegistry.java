package dev.jpull.cli;

import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;

/**
 * A scripted registry for one repository, {@code hostile/image}: it serves the manifest bytes a test gives
 * (rewritten from a real one-layer image) under tag {@code 1} and by digest, the real blobs, and lets a test
 * replace any answer. HEAD answers carry GET's headers and no body, as a real registry's do.
 */
final class HostileRegistry {
  static final String REPO = "hostile/image";
  static final TestImage IMAGE = TestImage.of(List.of(new TarBuilder().dir("etc").file("etc/hostname", "x\n").build()),
      true);

  final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>(IMAGE.blobs);
  private volatile byte[] manifest = IMAGE.manifest;
  private volatile String manifestType = IMAGE.manifestType;
  private volatile Function<RecordedRequest, MockResponse> override = r -> null;

  /** The image's real manifest as text, to rewrite. */
  static String manifestText() {
    return new String(IMAGE.manifest, StandardCharsets.UTF_8);
  }

  HostileRegistry manifest(String json, String contentType) {
    this.manifest = json.getBytes(StandardCharsets.UTF_8);
    this.manifestType = contentType;
    return this;
  }

  HostileRegistry manifest(String json) {
    return manifest(json, MediaTypes.OCI_MANIFEST);
  }

  /** Answers a request before the defaults when {@code f} returns non-null. */
  HostileRegistry override(Function<RecordedRequest, MockResponse> f) {
    this.override = f;
    return this;
  }

  static String ref(MockWebServer server) {
    return server.getHostName() + ":" + server.getPort() + "/" + REPO + ":1";
  }

  static String host(MockWebServer server) {
    return server.getHostName() + ":" + server.getPort();
  }

  Dispatcher dispatcher() {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        MockResponse answer = answer(request);
        return request.getMethod().equals("HEAD")
            ? new MockResponse.Builder().code(answer.getCode()).headers(answer.getHeaders()).build()
            : answer;
      }
    };
  }

  private MockResponse answer(RecordedRequest r) {
    MockResponse o = override.apply(r);
    if (o != null) {
      return o;
    }
    String path = r.getUrl().encodedPath();
    if (path.equals("/v2/")) {
      return new MockResponse.Builder().code(200).build();
    }
    byte[] m = manifest;
    Digest md = Digest.sha256(m);
    if (path.equals("/v2/" + REPO + "/manifests/1") || path.equals("/v2/" + REPO + "/manifests/" + md)) {
      return new MockResponse.Builder().code(200).addHeader("Content-Type", manifestType)
          .addHeader("Docker-Content-Digest", md.toString()).body(new Buffer().write(m)).build();
    }
    if (path.startsWith("/v2/" + REPO + "/blobs/")) {
      String d = path.substring(path.lastIndexOf('/') + 1);
      byte[] blob = null;
      try {
        blob = blobs.get(Digest.parse(d));
      } catch (IllegalArgumentException e) {
        // not a digest: unknown
      }
      if (blob != null) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/octet-stream")
            .body(new Buffer().write(blob)).build();
      }
      return json(404, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown\"}]}");
    }
    if (path.equals("/v2/" + REPO + "/tags/list")) {
      return json(200, "{\"name\":\"" + REPO + "\",\"tags\":[\"1\"]}");
    }
    return json(404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known\"}]}");
  }

  static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
  }
}
