package dev.jpull.registry.auth;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.Quoted;
import dev.jpull.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * One docker {@code config.json} or containers {@code auth.json}, read as a JSON tree so that a rewrite keeps
 * every key jpull does not know. The file holds secrets: errors name the file and the registry, never a
 * value, and parser messages (which quote the offending text) are not passed on.
 */
final class AuthFile {
  /** Credential files are a few KiB; the cap keeps a hostile or corrupt file from exhausting memory. */
  static final int MAX_BYTES = 1 << 20;

  /**
   * The file as a whole cannot be used (unreadable, not JSON, a section of the wrong type): the keychain warns
   * and moves on to the next source, where a bad entry for one registry (HOSTILE-INPUTS F3) stays an error.
   */
  static final class Malformed extends JpullException {
    private static final long serialVersionUID = 1L;

    Malformed(String message, String hint) {
      super(Kind.UNAUTHORIZED, message, hint, null);
    }
  }

  /** Where the JSON came from, for messages: a file's path, or {@code $DOCKER_AUTH_CONFIG}. */
  private final String path;
  private final ObjectNode root;

  AuthFile(String origin, ObjectNode root) {
    this.path = origin;
    this.root = root;
  }

  /** Reads {@code path}; empty when the file does not exist. */
  static Optional<AuthFile> read(Path path) throws JpullException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(path)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new Malformed("read credentials file " + path + ": " + e, "check the permissions of " + path);
    }
    return Optional.of(parse(path.toString(), bytes));
  }

  /** Parses a whole docker config or auth.json held in memory, such as the {@code DOCKER_AUTH_CONFIG} value. */
  static AuthFile parse(String origin, byte[] bytes) throws JpullException {
    String path = origin;
    if (bytes.length > MAX_BYTES) {
      throw malformed(path, "larger than " + MAX_BYTES + " bytes");
    }
    String text;
    try {
      text = Json.utf8(bytes);
    } catch (CharacterCodingException e) {
      throw malformed(path, "not UTF-8");
    }
    if (text.isBlank()) {
      return new AuthFile(path, Json.MAPPER.createObjectNode());
    }
    JsonNode tree;
    try {
      tree = Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw malformed(path, at == null ? "malformed JSON"
          : "malformed JSON at line " + at.getLineNr() + ", column " + at.getColumnNr());
    }
    if (!(tree instanceof ObjectNode)) {
      throw malformed(path, "not a JSON object");
    }
    return new AuthFile(path, (ObjectNode) tree);
  }

  private static Malformed malformed(String path, String why) {
    return new Malformed("read credentials file " + path + ": " + why, "fix or remove " + path);
  }

  String path() {
    return path;
  }

  ObjectNode root() {
    return root;
  }

  /** The helper named by {@code credHelpers} for {@code registry}, if any. */
  Optional<String> credHelper(String registry) throws JpullException {
    Optional<Map.Entry<String, JsonNode>> entry = find("credHelpers", registry);
    if (entry.isEmpty()) {
      return Optional.empty();
    }
    JsonNode name = entry.get().getValue();
    if (!name.isTextual()) {
      throw forRegistry(registry, "\"credHelpers\" value is not a string");
    }
    return Optional.of(name.asText());
  }

  /** The default helper ({@code credsStore}), if any. */
  Optional<String> credsStore() throws JpullException {
    JsonNode store = root.get("credsStore");
    if (store == null || store.isNull() || (store.isTextual() && store.asText().isEmpty())) {
      return Optional.empty();
    }
    if (!store.isTextual()) {
      throw malformed(path, "\"credsStore\" is not a string");
    }
    return Optional.of(store.asText());
  }

  /**
   * Decodes the {@code auths} entry for {@code registry}; empty when there is none or it holds no
   * credential (docker writes an empty entry when a helper holds the secret).
   */
  Optional<Credentials> auths(String registry) throws JpullException {
    Optional<Map.Entry<String, JsonNode>> entry = find("auths", registry);
    if (entry.isEmpty()) {
      return Optional.empty();
    }
    JsonNode e = entry.get().getValue();
    if (!e.isObject()) {
      throw forRegistry(registry, "\"auths\" entry is not an object");
    }
    String username = text(e, "username", registry);
    String password = text(e, "password", registry);
    String auth = text(e, "auth", registry);
    String identityToken = text(e, "identitytoken", registry);
    if (!auth.isEmpty()) {
      String decoded = decodeBase64(auth, registry);
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw forRegistry(registry, "\"auth\" field is not base64 of \"user:password\" (no colon)");
      }
      username = decoded.substring(0, colon);
      // docker/cli decodeAuth trims NULs that some writers padded the password with.
      password = stripNuls(decoded.substring(colon + 1));
    }
    if (!identityToken.isEmpty()) {
      return Optional.of(new Credentials(username, "", identityToken));
    }
    if (username.isEmpty() && password.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Credentials.basic(username, password));
  }

  /** The first key of section {@code name} meant for {@code registry}: exact canonical key first. */
  private Optional<Map.Entry<String, JsonNode>> find(String name, String registry) throws JpullException {
    JsonNode section = root.get(name);
    if (section == null || section.isNull()) {
      return Optional.empty();
    }
    if (!section.isObject()) {
      throw malformed(path, Quoted.of(name) + " is not an object");
    }
    String canonical = HostKeys.canonicalKey(registry);
    JsonNode exact = section.get(canonical);
    if (exact != null) {
      return Optional.of(Map.entry(canonical, exact));
    }
    for (Map.Entry<String, JsonNode> field : section.properties()) {
      if (HostKeys.matches(field.getKey(), registry)) {
        return Optional.of(field);
      }
    }
    return Optional.empty();
  }

  private String text(JsonNode entry, String field, String registry) throws JpullException {
    JsonNode v = entry.get(field);
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isTextual()) {
      throw forRegistry(registry, Quoted.of(field) + " field is not a string");
    }
    return v.asText();
  }

  private String decodeBase64(String auth, String registry) throws JpullException {
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(auth.trim());
    } catch (IllegalArgumentException e) {
      // Never attach e: its message may quote a character of the secret.
      throw forRegistry(registry, "\"auth\" field is not valid base64");
    }
    try {
      return Json.utf8(raw);
    } catch (CharacterCodingException e) {
      throw forRegistry(registry, "\"auth\" field does not decode to UTF-8 text");
    }
  }

  private static String stripNuls(String s) {
    int begin = 0;
    int end = s.length();
    while (begin < end && s.charAt(begin) == 0) {
      begin++;
    }
    while (end > begin && s.charAt(end - 1) == 0) {
      end--;
    }
    return s.substring(begin, end);
  }

  JpullException forRegistry(String registry, String why) {
    return new JpullException(Kind.UNAUTHORIZED, "read credentials for " + registry + " from " + path + ": " + why,
        "run 'jpull login " + registry + "' again or fix " + path, null);
  }

  static String basicAuth(Credentials c) {
    return Base64.getEncoder()
        .encodeToString((c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
  }
}
