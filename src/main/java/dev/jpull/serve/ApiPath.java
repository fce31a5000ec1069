package dev.jpull.serve;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pull-API path, {@code /v2/<name>/(manifests|blobs|referrers)/<reference>} or
 * {@code /v2/<name>/tags/list}, split without interpreting the name (that is {@link Catalog}'s job).
 *
 * @param endpoint what is asked for
 * @param name the repository as the client wrote it ({@code docker.io/library/alpine} or {@code library/alpine})
 * @param reference the tag or digest, or null for {@code /v2/} and the tag list
 */
record ApiPath(Endpoint endpoint, String name, String reference) {
  enum Endpoint { BASE, MANIFEST, BLOB, TAGS, REFERRERS }

  private static final Pattern RESOURCE = Pattern.compile("/v2/(.+)/(manifests|blobs|referrers)/([^/]+)");
  private static final Pattern TAGS = Pattern.compile("/v2/(.+)/tags/list");

  /** The endpoint a raw path names; an unknown one is a 404 {@code UNSUPPORTED} answer. */
  static ApiPath parse(String rawPath) throws ApiError {
    if (rawPath.equals("/v2/") || rawPath.equals("/v2")) {
      return new ApiPath(Endpoint.BASE, null, null);
    }
    Matcher m = TAGS.matcher(rawPath);
    if (m.matches()) {
      return new ApiPath(Endpoint.TAGS, m.group(1), null);
    }
    m = RESOURCE.matcher(rawPath);
    if (m.matches()) {
      Endpoint e = switch (m.group(2)) {
        case "manifests" -> Endpoint.MANIFEST;
        case "blobs" -> Endpoint.BLOB;
        default -> Endpoint.REFERRERS;
      };
      return new ApiPath(e, m.group(1), m.group(3));
    }
    throw new ApiError(404, "UNSUPPORTED", "no such endpoint: this store serves the distribution-spec pull API");
  }
}
