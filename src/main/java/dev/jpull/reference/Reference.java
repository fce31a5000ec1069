package dev.jpull.reference;

import dev.jpull.Quoted;
import dev.jpull.oci.Digest;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A parsed, normalised image reference {@code [HOST[:PORT]/]PATH[:TAG][@ALGO:HEX]} following the
 * distribution reference grammar and docker's normalisation: no host means {@code docker.io}, a
 * single-component path there gets {@code library/}, and no tag and no digest means {@code latest}.
 *
 * @param registry the registry as users write it ({@code docker.io}, {@code ghcr.io}, {@code 127.0.0.1:5000})
 * @param repository the repository path ({@code library/alpine})
 * @param tag the tag, or null when pulled by digest only
 * @param digest the digest, or null
 */
public record Reference(String registry, String repository, String tag, Digest digest) {
  public static final String DOCKER_HUB = "docker.io";
  /** The API endpoint that serves {@code docker.io}. */
  public static final String DOCKER_HUB_API = "registry-1.docker.io";

  private static final int MAX_NAME = 255;
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern HOST_LABEL = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
  private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]+(?:%[A-Za-z0-9]+)?]");

  public Reference {
    if (registry == null || repository == null) {
      throw new IllegalArgumentException("registry and repository are required");
    }
    if (tag == null && digest == null) {
      throw new IllegalArgumentException("a reference needs a tag or a digest");
    }
  }

  /** Parses and normalises; every grammar violation names the offending part. */
  public static Reference parse(String input) throws ReferenceParseException {
    if (input == null || input.isEmpty()) {
      throw new ReferenceParseException("invalid reference: empty");
    }
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        throw new ReferenceParseException("invalid reference " + Quoted.of(input)
            + ": it contains a space, control or non-ASCII character");
      }
    }
    String rest = input;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      String d = rest.substring(at + 1);
      rest = rest.substring(0, at);
      try {
        digest = Digest.parse(d);
      } catch (IllegalArgumentException e) {
        throw new ReferenceParseException("invalid reference " + Quoted.of(input) + ": " + e.getMessage());
      }
    }
    String tag = null;
    int slash = rest.lastIndexOf('/');
    int colon = rest.lastIndexOf(':');
    if (colon > slash) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new ReferenceParseException("invalid reference " + Quoted.of(input) + ": invalid tag " + Quoted.of(tag)
            + " (want letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')");
      }
    }
    String registry;
    String path;
    int first = rest.indexOf('/');
    String head = first < 0 ? "" : rest.substring(0, first);
    if (first >= 0 && (head.contains(".") || head.contains(":") || head.equals("localhost")
        || !head.toLowerCase(Locale.ROOT).equals(head))) {
      registry = head;
      path = rest.substring(first + 1);
      checkHost(input, registry);
    } else {
      registry = DOCKER_HUB;
      path = rest;
    }
    if (registry.equals("index.docker.io") || registry.equals(DOCKER_HUB_API)) {
      registry = DOCKER_HUB;
    }
    if (path.isEmpty()) {
      throw new ReferenceParseException("invalid reference " + Quoted.of(input) + ": the repository name is empty");
    }
    for (String component : path.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        String why = !component.toLowerCase(Locale.ROOT).equals(component)
            ? "repository name must be lowercase"
            : component.isEmpty() ? "empty path component" : "invalid characters";
        throw new ReferenceParseException("invalid reference " + Quoted.of(input) + ": " + why + " in "
            + Quoted.of(component) + " (repository " + Quoted.of(path) + ")");
      }
    }
    if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
      path = "library/" + path;
    }
    if (registry.length() + 1 + path.length() > MAX_NAME) {
      throw new ReferenceParseException("invalid reference " + Quoted.of(input) + ": the name is longer than "
          + MAX_NAME + " characters");
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new Reference(registry, path, tag, digest);
  }

  private static void checkHost(String input, String host) throws ReferenceParseException {
    String name = host;
    int colon = host.lastIndexOf(':');
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      name = close < 0 ? host : host.substring(0, close + 1);
      if (!IPV6.matcher(name).matches()) {
        throw new ReferenceParseException("invalid reference " + Quoted.of(input) + ": invalid host " + Quoted.of(host));
      }
      colon = host.length() > name.length() && host.charAt(name.length()) == ':' ? name.length() : -1;
    } else if (colon >= 0) {
      name = host.substring(0, colon);
    }
    if (colon >= 0) {
      String port = host.substring(colon + 1);
      if (!PORT.matcher(port).matches() || Integer.parseInt(port) == 0 || Integer.parseInt(port) > 65535) {
        throw new ReferenceParseException("invalid reference " + Quoted.of(input) + ": invalid port " + Quoted.of(port)
            + " in host " + Quoted.of(host));
      }
    }
    if (!host.startsWith("[")) {
      for (String label : name.split("\\.", -1)) {
        if (!HOST_LABEL.matcher(label).matches()) {
          throw new ReferenceParseException("invalid reference " + Quoted.of(input) + ": invalid host "
              + Quoted.of(host));
        }
      }
    }
  }

  /** The host to talk to: {@code registry-1.docker.io} for {@code docker.io}, else the registry itself. */
  public String apiHost() {
    return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API : registry;
  }

  /** The tag or digest to ask the registry for; the digest wins when both are given. */
  public String identifier() {
    return digest != null ? digest.toString() : tag;
  }

  /** {@code registry/repository}. */
  public String name() {
    return registry + "/" + repository;
  }

  /** The same name pinned to a digest, dropping the tag only when asked: {@code name:tag@digest}. */
  public Reference pinned(Digest d) {
    return new Reference(registry, repository, tag, d);
  }

  public Reference withoutDigest() {
    return digest == null || tag == null ? this : new Reference(registry, repository, tag, null);
  }

  /** The fully qualified canonical form, e.g. {@code docker.io/library/alpine:3.19}. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(name());
    if (tag != null) {
      b.append(':').append(tag);
    }
    if (digest != null) {
      b.append('@').append(digest);
    }
    return b.toString();
  }
}
