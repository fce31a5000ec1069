package dev.jpull.testing;

import dev.jpull.oci.Digest;
import java.io.IOException;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Pushes images through the distribution API: monolithic blob uploads and manifest PUTs. */
public final class ImagePusher {
  private final OkHttpClient http = new OkHttpClient();
  private final String base;

  public ImagePusher(String registryUrl) {
    this.base = registryUrl;
  }

  public void push(String repository, String tag, TestImage image) throws IOException {
    for (Map.Entry<Digest, byte[]> b : image.blobs.entrySet()) {
      blob(repository, b.getKey(), b.getValue());
    }
    manifest(repository, tag, image.manifestType, image.manifest);
  }

  public void blob(String repository, Digest digest, byte[] bytes) throws IOException {
    Request start = new Request.Builder().url(base + "/v2/" + repository + "/blobs/uploads/")
        .post(RequestBody.create(new byte[0])).build();
    String location;
    try (Response r = http.newCall(start).execute()) {
      if (r.code() != 202) {
        throw new IOException("start upload: " + r.code() + " " + r.body().string());
      }
      location = r.header("Location");
    }
    String url = location.startsWith("http") ? location : base + location;
    url += (url.contains("?") ? "&" : "?") + "digest=" + digest;
    Request put = new Request.Builder().url(url)
        .put(RequestBody.create(bytes, MediaType.get("application/octet-stream"))).build();
    try (Response r = http.newCall(put).execute()) {
      if (r.code() != 201) {
        throw new IOException("upload " + digest + ": " + r.code() + " " + r.body().string());
      }
    }
  }

  public void manifest(String repository, String reference, String mediaType, byte[] bytes) throws IOException {
    Request put = new Request.Builder().url(base + "/v2/" + repository + "/manifests/" + reference)
        .put(RequestBody.create(bytes, MediaType.get(mediaType))).build();
    try (Response r = http.newCall(put).execute()) {
      if (r.code() != 201) {
        throw new IOException("put manifest: " + r.code() + " " + r.body().string());
      }
    }
  }
}
