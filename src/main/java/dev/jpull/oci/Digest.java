package dev.jpull.oci;

import dev.jpull.Quoted;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest {@code algorithm:hex}, validated against the image-spec grammar before it is ever
 * used in a URL or a path (CVE-2024-3727, CVE-2021-21285): only lower-case {@code sha256} (64 hex) and
 * {@code sha512} (128 hex) are accepted.
 */
public record Digest(String algorithm, String hex) {
  private static final Pattern HEX = Pattern.compile("[a-f0-9]+");

  public Digest {
    if (algorithm == null || hex == null) {
      throw new IllegalArgumentException("digest is missing");
    }
    int want = switch (algorithm) {
      case "sha256" -> 64;
      case "sha512" -> 128;
      default -> throw new IllegalArgumentException("unsupported digest algorithm " + Quoted.of(algorithm));
    };
    if (hex.length() != want || !HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException(
          "invalid " + algorithm + " digest " + Quoted.of(hex) + ": want " + want + " lower-case hex characters");
    }
  }

  /** Parses {@code sha256:<64 hex>}; anything else is an {@link IllegalArgumentException}. */
  public static Digest parse(String s) {
    if (s == null) {
      throw new IllegalArgumentException("digest is missing");
    }
    int colon = s.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("invalid digest " + Quoted.of(s) + ": want algorithm:hex");
    }
    return new Digest(s.substring(0, colon), s.substring(colon + 1));
  }

  public static Digest sha256(byte[] bytes) {
    return new Digest("sha256", HexFormat.of().formatHex(newSha256().digest(bytes)));
  }

  /** Wraps a finished {@link MessageDigest} of this algorithm. */
  public static Digest of(String algorithm, MessageDigest finished) {
    return new Digest(algorithm, HexFormat.of().formatHex(finished.digest()));
  }

  public static MessageDigest newSha256() {
    return newDigester("sha256");
  }

  /** A fresh hasher for this digest's algorithm. */
  public MessageDigest newDigester() {
    return newDigester(algorithm);
  }

  private static MessageDigest newDigester(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm.equals("sha512") ? "SHA-512" : "SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no " + algorithm, e);
    }
  }

  /**
   * The digest naming this one followed by {@code next}: {@code sha256(this + " " + next)}, the step of a
   * chain ID (image-spec config.md "Layer ChainID").
   */
  public Digest chainedWith(Digest next) {
    return sha256((this + " " + next).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  /** The first 12 hex characters, as docker prints layer ids. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  // equals and hashCode written out: a record's are bootstrapped through invokedynamic
  // (ObjectMethods) at their first call, ~15 ms of method-handle spinning on every no-op pull, and a
  // digest is the first record any pull compares.
  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && hex.equals(d.hex) && algorithm.equals(d.algorithm);
  }

  @Override
  public int hashCode() {
    return hex.hashCode();
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }

}
