package dev.jpull.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Document;
import dev.jpull.oci.Json;
import dev.jpull.reference.Reference;
import java.io.IOException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.Response;

/**
 * The tags endpoint at one host, following {@code Link: <…>; rel="next"} pagination (distribution-spec
 * "Listing Tags") within the same origin, each page bounded. Tags stream to the sink page by page, so the
 * first page is printed before the second is requested and nothing grows with the list; tags that break
 * the tag grammar are counted, never passed on (a registry's ESC or C1 bytes never reach a terminal).
 */
final class TagLister {
  static final int MAX_PAGES = 1000;
  static final long MAX_TAGS = 1_000_000;
  /** distribution's tag grammar: {@code [\w][\w.-]{0,127}}. */
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  private static final Pattern LINK = Pattern.compile("<([^>]*)>\\s*;([^,]*)");
  private static final Pattern REL_NEXT = Pattern.compile("(?i)rel\\s*=\\s*\"?next\"?");

  private final OkHttpRegistryClient client;
  private final Endpoint ep;
  private final Reference ref;
  private final long maxTags;

  TagLister(OkHttpRegistryClient client, Endpoint ep, Reference ref, long maxTags) {
    this.client = client;
    this.ep = ep;
    this.ref = ref;
    this.maxTags = maxTags;
  }

  TagList list(RegistryClient.TagSink sink) throws IOException {
    String action = "list tags of " + ref.name();
    Transport.Context ctx = new Transport.Context(action, null, ep.name());
    HttpUrl url = client.url(ep, ref.repository(), "tags", "list");
    long listed = 0;
    long invalid = 0;
    long omitted = 0;
    for (int page = 0; url != null; page++) {
      if (page >= MAX_PAGES) {
        return new TagList(listed, invalid, omitted, true);
      }
      try (Response r = client.exchange(ep, "GET", url, Map.of("Accept", "application/json"),
          OkHttpRegistryClient.scopes(ref), ctx)) {
        if (r.code() != 200) {
          throw ErrorResponse.of(r, action, ep.name(), ep.registry(), ep.hasCredentials());
        }
        byte[] body;
        try {
          body = Bodies.readAtMost(r.body().byteStream(), Document.MAX_SIZE);
        } catch (Bodies.TooLarge e) {
          throw new JpullException(Kind.VERIFICATION, action + " at " + ep.name() + ": a tag list page exceeds "
              + Document.MAX_SIZE + " bytes");
        }
        JsonNode tree;
        try {
          tree = Json.MAPPER.readTree(body);
        } catch (IOException e) {
          throw new JpullException(Kind.VERIFICATION, action + " at " + ep.name() + ": the tag list is not JSON", e);
        }
        JsonNode list = tree == null ? null : tree.get("tags");
        if (list != null && list.isArray()) {
          for (JsonNode t : list) {
            if (!t.isTextual() || !TAG.matcher(t.asText()).matches()) {
              invalid++;
            } else if (listed >= maxTags) {
              omitted++;
            } else {
              listed++;
              sink.accept(t.asText());
            }
          }
        }
        sink.pageDone();
        url = next(r, url, action);
      }
    }
    return new TagList(listed, invalid, omitted, false);
  }

  private HttpUrl next(Response r, HttpUrl current, String action) throws JpullException {
    for (String link : r.headers("Link")) {
      Matcher m = LINK.matcher(link);
      while (m.find()) {
        if (!REL_NEXT.matcher(m.group(2)).find()) {
          continue;
        }
        HttpUrl next = current.resolve(m.group(1).trim());
        if (next == null || !Transport.origin(next).equals(Transport.origin(current))) {
          throw new JpullException(Kind.NETWORK, action + " at " + ep.name() + ": refusing pagination link to "
              + Redactor.url(m.group(1)) + " (another origin)");
        }
        if (next.equals(current)) {
          return null;
        }
        return next;
      }
    }
    return null;
  }
}
