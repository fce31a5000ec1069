package dev.jpull.registry;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.image.DigestMismatchException;
import dev.jpull.image.VerifyingInputStream;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import dev.jpull.oci.MediaTypes;
import dev.jpull.reference.Reference;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.Response;

/**
 * The manifests endpoint at one host: resolve a tag or digest, fetch a document by digest. The digest is
 * never taken from a header alone: bytes fetched are hashed and compared (distribution-spec: a client using
 * {@code Docker-Content-Digest} "MUST verify"; moby {@code schema2ManifestDigest}).
 */
final class Manifests {
  private final OkHttpRegistryClient client;
  private final Endpoint ep;
  private final Reference ref;

  Manifests(OkHttpRegistryClient client, Endpoint ep, Reference ref) {
    this.client = client;
    this.ep = ep;
    this.ref = ref;
  }

  /** HEAD first (free of Docker Hub's pull limit); GET and hash when HEAD gives no usable digest. */
  Resolution resolve() throws IOException {
    String action = "resolve " + ref;
    Transport.Context ctx = new Transport.Context(action, null, ep.name());
    HttpUrl url = client.url(ep, ref.repository(), "manifests", ref.identifier());
    Map<String, String> headers = Map.of("Accept", OkHttpRegistryClient.MANIFEST_ACCEPT,
        "Accept-Encoding", "identity");
    try (Response head = client.exchange(ep, "HEAD", url, headers, OkHttpRegistryClient.scopes(ref), ctx)) {
      // A refusal, rate limit or outage (retries already spent) would only be repeated by the GET (HEAD bodies are empty, so the message
      // carries the status alone); other failures (404, 405…) fall back to GET, which names the error code.
      if (head.code() == 401 || head.code() == 403 || Transport.retryable(head.code())) {
        throw ErrorResponse.of(head, action, ep.name(), ep.registry(), ep.hasCredentials());
      }
      if (head.code() == 200) {
        String type = MediaTypes.normalize(head.header("Content-Type"));
        refuseSchema1(type);
        Digest served = parseDigest(head.header("Docker-Content-Digest"));
        long size = parseLength(head.header("Content-Length"));
        Digest d = ref.digest() != null ? ref.digest() : served;
        // Without a manifest or index type the HEAD says nothing about what the bytes are (an empty or
        // generic Content-Type would make the root a childless "blob"): GET and type it from its body.
        boolean typed = MediaTypes.isManifest(type) || MediaTypes.isIndex(type);
        if (typed && d != null && size > 0 && size <= Document.MAX_SIZE) {
          return new Resolution(new Descriptor(type, d, size), ep.name(), ref.digest() == null);
        }
        if (!typed) {
          client.log().log(action + " at " + ep.name() + ": HEAD gave Content-Type "
              + dev.jpull.Quoted.of(head.header("Content-Type")) + ", not a manifest type; fetching the manifest");
        }
      }
    }
    try (Response get = client.exchange(ep, "GET", url, headers, OkHttpRegistryClient.scopes(ref), ctx)) {
      if (get.code() != 200) {
        throw ErrorResponse.of(get, action, ep.name(), ep.registry(), ep.hasCredentials());
      }
      String type = MediaTypes.normalize(get.header("Content-Type"));
      refuseSchema1(type);
      byte[] bytes = read(get, action, ref.digest(), Document.MAX_SIZE);
      Digest computed = verify(bytes, ref.digest(), action);
      Digest served = parseDigest(get.header("Docker-Content-Digest"));
      if (served != null && served.algorithm().equals(computed.algorithm()) && !served.equals(computed)) {
        throw new JpullException(Kind.VERIFICATION, action + " at " + ep.name() + ": the registry says the manifest is "
            + served + " but its bytes hash to " + computed);
      }
      Document doc = Document.parse(bytes, type, new Descriptor("", computed, bytes.length));
      return new Resolution(doc.descriptor(), ep.name());
    }
  }

  /**
   * GETs a document by digest.
   *
   * @param namedByHead the digest came from a HEAD's {@code Docker-Content-Digest} for {@link #ref}'s tag:
   *     when the registry cannot serve it by digest, the tag is fetched and its bytes must hash to it
   *     (a lying header is exit 7, never "not found")
   */
  Document fetch(Descriptor desc, boolean namedByHead) throws IOException {
    String action = "fetch manifest " + desc.digest() + " of " + ref.name();
    Transport.Context ctx = new Transport.Context(action, desc.digest().toString(), ep.name());
    checkDeclaredSize(desc, action);
    HttpUrl url = client.url(ep, ref.repository(), "manifests", desc.digest().toString());
    Map<String, String> headers = Map.of("Accept", OkHttpRegistryClient.MANIFEST_ACCEPT,
        "Accept-Encoding", "identity");
    Response first = client.exchange(ep, "GET", url, headers, OkHttpRegistryClient.scopes(ref), ctx);
    if (first.code() == 404 && namedByHead && ref.tag() != null) {
      first.close();
      action = "fetch manifest " + desc.digest() + " of " + ref + " (by tag: the registry named the digest but "
          + "cannot serve it)";
      ctx = new Transport.Context(action, desc.digest().toString(), ep.name());
      client.log().log(action);
      first = client.exchange(ep, "GET", client.url(ep, ref.repository(), "manifests", ref.tag()), headers,
          OkHttpRegistryClient.scopes(ref), ctx);
    }
    try (Response r = first) {
      if (r.code() != 200) {
        throw ErrorResponse.of(r, action, ep.name(), ep.registry(), ep.hasCredentials());
      }
      byte[] bytes = read(r, action, desc.digest(), (int) desc.size());
      // Size 0 is no manifest at all: a missing "size" never skips this check.
      if (bytes.length != desc.size()) {
        throw new JpullException(Kind.VERIFICATION, action + " at " + ep.name() + ": manifest verification failed for "
            + "digest " + desc.digest() + ": size " + bytes.length + ", want " + desc.size());
      }
      verify(bytes, desc.digest(), action);
      return Document.parse(bytes, r.header("Content-Type"), desc);
    }
  }

  /** A document declared larger than the limit gets no request at all. */
  private void checkDeclaredSize(Descriptor desc, String action) throws JpullException {
    if (desc.size() > Document.MAX_SIZE || desc.size() <= 0) {
      throw new JpullException(Kind.VERIFICATION, action + " at " + ep.name() + ": the manifest is declared as "
          + desc.size() + " bytes; a manifest is 1 to " + Document.MAX_SIZE + " bytes, so it was not requested");
    }
  }

  /**
   * The digest of the bytes, through {@link VerifyingInputStream}: checked against {@code expected} when
   * there is one; else (a tag fetched by GET) only computed, sha256, as the registry would name it.
   */
  private Digest verify(byte[] bytes, Digest expected, String action) throws IOException {
    if (expected == null) {
      try (VerifyingInputStream v = VerifyingInputStream.computing(new ByteArrayInputStream(bytes))) {
        v.verifyAtEnd();
        return v.digest();
      }
    }
    try (VerifyingInputStream v = VerifyingInputStream.ofDigest(new ByteArrayInputStream(bytes), expected,
        "manifest " + expected)) {
      v.verifyAtEnd();
      return expected;
    } catch (DigestMismatchException e) {
      throw mismatch(action, expected, e.actual());
    }
  }

  private JpullException mismatch(String action, Digest want, Digest got) {
    return new JpullException(Kind.VERIFICATION, action + " at " + ep.name()
        + ": manifest verification failed for digest " + want + ": got " + got);
  }

  /**
   * Refuses more than {@code limit} bytes ({@link Document#MAX_SIZE}, or the descriptor's size when known)
   * before reading when the length is declared, else after limit+1 bytes.
   */
  private byte[] read(Response r, String action, Digest digest, int limit) throws IOException {
    long declared = r.body().contentLength();
    String what = action + " at " + ep.name() + ": manifest " + (digest == null ? "" : digest + " ")
        + "exceeds " + (limit == Document.MAX_SIZE ? Document.MAX_SIZE + " bytes" : "its declared size of " + limit
        + " bytes");
    if (declared > limit) {
      throw new JpullException(Kind.VERIFICATION, what + " (Content-Length " + declared + ")");
    }
    try {
      return Bodies.readAtMost(r.body().byteStream(), limit);
    } catch (Bodies.TooLarge e) {
      throw new JpullException(Kind.VERIFICATION, what);
    }
  }

  private void refuseSchema1(String type) throws JpullException {
    if (MediaTypes.isSchema1(type)) {
      throw new JpullException(Kind.UNSUPPORTED, "resolve " + ref + " at " + ep.name()
          + ": it is a Docker schema 1 manifest, which is no longer supported",
          "push the image again with a current docker, buildah or skopeo (schema 2 or OCI), "
              + "e.g. skopeo copy --format v2s2", null);
    }
  }

  private static Digest parseDigest(String header) {
    if (header == null) {
      return null;
    }
    try {
      return Digest.parse(header.trim());
    } catch (IllegalArgumentException e) {
      return null; // a junk header is as good as none: the bytes will be fetched and hashed
    }
  }

  private static long parseLength(String header) {
    if (header == null) {
      return -1;
    }
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
