package dev.jpull.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Document;
import dev.jpull.oci.Json;
import dev.jpull.reference.Reference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.Response;

/**
 * The tags endpoint at one host, following {@code Link: <…>; rel="next"} pagination (distribution-spec
 * "Listing Tags") within the same origin, each page bounded.
 */
final class TagLister {
  private static final int MAX_PAGES = 1000;
  private static final int MAX_TAGS = 1_000_000;
  private static final Pattern LINK = Pattern.compile("<([^>]*)>\\s*;([^,]*)");
  private static final Pattern REL_NEXT = Pattern.compile("(?i)rel\\s*=\\s*\"?next\"?");

  private final OkHttpRegistryClient client;
  private final Endpoint ep;
  private final Reference ref;

  TagLister(OkHttpRegistryClient client, Endpoint ep, Reference ref) {
    this.client = client;
    this.ep = ep;
    this.ref = ref;
  }

  List<String> list() throws IOException {
    String action = "list tags of " + ref.name();
    Transport.Context ctx = new Transport.Context(action, null, ep.name());
    HttpUrl url = client.url(ep, ref.repository(), "tags", "list");
    List<String> tags = new ArrayList<>();
    for (int page = 0; url != null; page++) {
      if (page >= MAX_PAGES) {
        throw new JpullException(Kind.NETWORK, action + " at " + ep.name() + ": more than " + MAX_PAGES + " pages");
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
            if (t.isTextual() && tags.size() < MAX_TAGS) {
              tags.add(t.asText());
            }
          }
        }
        url = next(r, url, action);
      }
    }
    return tags;
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
