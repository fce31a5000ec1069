package dev.jpull.registry;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.MediaTypes;
import dev.jpull.reference.Reference;
import dev.jpull.registry.hosts.RegistryHost;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The blobs endpoint for one blob: a foreign layer's own URLs when allowed, else the mirrors and the
 * registry in turn. The body resumes itself ({@link BlobBody}); only the bytes of the blob are asked for
 * ({@code Accept-Encoding: identity}), never a transparently decompressed form.
 */
final class Blobs {
  private final OkHttpRegistryClient client;
  private final Reference ref;
  private final Descriptor descriptor;
  private final String action;

  Blobs(OkHttpRegistryClient client, Reference ref, Descriptor descriptor) {
    this.client = client;
    this.ref = ref;
    this.descriptor = descriptor;
    this.action = "fetch blob " + descriptor.digest() + " of " + ref.name();
  }

  /** Opens the blob at {@code offset} (0: from the start). */
  BlobStream open(long offset) throws IOException {
    boolean foreign = MediaTypes.isForeignLayer(descriptor.mediaType());
    if (foreign && !descriptor.urls().isEmpty() && !client.allowForeignUrls()) {
      client.log().log(action + ": not using the layer's foreign URLs (--allow-foreign-urls not given); "
          + "asking the registry");
    }
    if (foreign && client.allowForeignUrls()) {
      BlobStream s = fromForeignUrls(offset);
      if (s != null) {
        return s;
      }
    }
    return client.fallback().onHosts(ref.registry(), RegistryHost.Capability.PULL, action, ep -> fromHost(ep, offset));
  }

  /** The first of the layer's https URLs that serves it, or null when none does. */
  private BlobStream fromForeignUrls(long offset) throws IOException {
    for (String u : descriptor.urls()) {
      HttpUrl url = HttpUrl.parse(u);
      if (url == null || !url.isHttps()) {
        client.log().log(action + ": skipping foreign URL " + Redactor.url(u) + " (only https)");
        continue;
      }
      try {
        return open(foreignSource(url, foreignTls()), offset,
            new Transport.Context(action, descriptor.digest().toString(), url.host()), false);
      } catch (JpullException e) {
        if (e.kind() == Kind.CANCELLED || client.transport().cancelled()) {
          throw e;
        }
        client.log().log(action + ": foreign URL " + Redactor.url(url) + " failed (" + e.getMessage()
            + "), trying next");
      }
    }
    return null;
  }

  private BlobStream fromHost(Endpoint ep, long offset) throws IOException {
    Transport.Context ctx = new Transport.Context(action, descriptor.digest().toString(), ep.name());
    HttpUrl url = client.url(ep, ref.repository(), "blobs", descriptor.digest().toString());
    AtomicBoolean opened = new AtomicBoolean();
    BlobBody.Source source = offset1 -> {
      // Only the first open can fall back to the next host; a resume mid-body gets the whole retry budget.
      int attempts = opened.getAndSet(true) ? client.transport().options().attempts() : client.firstAttempts(ep);
      Response r = client.exchange(ep, "GET", url, headers(offset1), OkHttpRegistryClient.scopes(ref), attempts,
          ctx);
      if (r.code() == 200 || r.code() == 206 || r.code() == 416) {
        return r;
      }
      throw ErrorResponse.of(r, action, ep.name(), ep.registry(), ep.hasCredentials());
    };
    return open(source, offset, ctx, ep.host().mirror());
  }

  /**
   * A foreign URL is verified against the system's CAs and the CAs configured for the registry (as its token
   * realm is), never with the registry's client certificate or skip_verify.
   */
  private RegistryHost.Tls foreignTls() throws IOException {
    List<java.nio.file.Path> cas = new ArrayList<>();
    for (RegistryHost h : client.hosts().hosts(ref.registry())) {
      if (!h.mirror()) {
        cas.addAll(h.tls().caCertificates());
      }
    }
    return new RegistryHost.Tls(true, cas, List.of());
  }

  /**
   * Foreign layer URLs get no credentials, ever: not even after a 401 (CVE-2020-15157); and only https to
   * public addresses, on every hop ({@link RequestPolicy.Permit#FOREIGN}).
   */
  private BlobBody.Source foreignSource(HttpUrl url, RegistryHost.Tls tls) {
    Transport.Context ctx = new Transport.Context(action, descriptor.digest().toString(), url.host());
    return offset -> {
      Request.Builder rb = new Request.Builder().url(url).get()
          .tag(Transport.Binding.class, new Transport.Binding("", null, Map.of()))
          .tag(RequestPolicy.Permit.class, RequestPolicy.Permit.FOREIGN);
      headers(offset).forEach(rb::header);
      Response r = client.transport().send(rb.build(), tls, true, ctx);
      if (r.code() == 200 || r.code() == 206 || r.code() == 416) {
        return r;
      }
      throw ErrorResponse.of(r, action, url.host(), url.host(), false);
    };
  }

  private BlobStream open(BlobBody.Source source, long offset, Transport.Context ctx, boolean mirror)
      throws IOException {
    DebugLog log = client.log();
    BlobBody.Opened first = BlobBody.open(source, descriptor.size(), offset, ctx, log);
    log.log(ctx.action() + ": served by " + ctx.host() + " from byte " + first.start());
    return new BlobStream(new BlobBody(source, descriptor.size(), first, client.transport(), ctx, log),
        first.start(), ctx.host(), mirror);
  }

  private static Map<String, String> headers(long offset) {
    // identity: the bytes must be the blob's exact bytes, never transparently decompressed.
    return offset > 0 ? Map.of("Accept-Encoding", "identity", "Range", "bytes=" + offset + "-")
        : Map.of("Accept-Encoding", "identity");
  }
}
