package dev.jpull.registry;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Reads a PEM private key for a client certificate: PKCS#8 ({@code PRIVATE KEY}), PKCS#1
 * ({@code RSA PRIVATE KEY}) and SEC1 ({@code EC PRIVATE KEY}), the last two re-wrapped as PKCS#8 because
 * that is the only encoding the JDK's key factories read. Encrypted keys are refused.
 */
final class PemKeys {
  private static final byte[] RSA_ALGORITHM = HexFormat.of().parseHex("300d06092a864886f70d0101010500");
  private static final byte[] EC_PUBLIC_KEY_OID = HexFormat.of().parseHex("06072a8648ce3d0201");

  private PemKeys() {}

  static PrivateKey read(String pem, String where) throws GeneralSecurityException {
    String type = blockType(pem);
    if (type == null) {
      throw new IllegalArgumentException("no PEM private key in " + where);
    }
    byte[] der = Base64.getMimeDecoder().decode(blockBody(pem, type));
    return switch (type) {
      case "PRIVATE KEY" -> pkcs8(der, where);
      case "RSA PRIVATE KEY" -> KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
          sequence(concat(new byte[] {2, 1, 0}, RSA_ALGORITHM, tlv(0x04, der)))));
      case "EC PRIVATE KEY" -> KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
          sequence(concat(new byte[] {2, 1, 0}, sequence(concat(EC_PUBLIC_KEY_OID, sec1Curve(der, where))),
              tlv(0x04, der)))));
      default -> throw new IllegalArgumentException("unsupported key type " + type + " in " + where
          + " (encrypted keys are not supported)");
    };
  }

  private static PrivateKey pkcs8(byte[] der, String where) throws GeneralSecurityException {
    for (String alg : new String[] {"RSA", "EC", "Ed25519", "EdDSA"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new GeneralSecurityException("unreadable PKCS#8 key in " + where);
  }

  private static String blockType(String pem) {
    int begin = pem.indexOf("-----BEGIN ");
    if (begin < 0) {
      return null;
    }
    int end = pem.indexOf("-----", begin + 11);
    return end < 0 ? null : pem.substring(begin + 11, end);
  }

  private static String blockBody(String pem, String type) {
    String head = "-----BEGIN " + type + "-----";
    int start = pem.indexOf(head) + head.length();
    int end = pem.indexOf("-----END " + type + "-----", start);
    if (end < 0) {
      throw new IllegalArgumentException("unterminated PEM block " + type);
    }
    String body = pem.substring(start, end);
    if (body.contains("Proc-Type") || body.contains("DEK-Info")) {
      throw new IllegalArgumentException("encrypted PEM keys are not supported");
    }
    return body;
  }

  /** The named-curve OID in a SEC1 {@code ECPrivateKey}: the {@code [0]} element of the outer SEQUENCE. */
  private static byte[] sec1Curve(byte[] der, String where) {
    int[] pos = {0};
    int[] len = header(der, pos, 0x30);
    int end = pos[0] + len[0];
    while (pos[0] < end) {
      int tag = der[pos[0]] & 0xff;
      int start = pos[0];
      int[] l = header(der, pos, tag);
      if (tag == 0xa0) {
        int inner = pos[0];
        if ((der[inner] & 0xff) != 0x06) {
          break;
        }
        int[] p2 = {inner};
        int[] ol = header(der, p2, 0x06);
        byte[] oid = new byte[p2[0] + ol[0] - inner];
        System.arraycopy(der, inner, oid, 0, oid.length);
        return oid;
      }
      pos[0] += l[0];
      if (pos[0] <= start) {
        break;
      }
    }
    throw new IllegalArgumentException("EC key in " + where + " names no curve");
  }

  private static int[] header(byte[] der, int[] pos, int wantTag) {
    if (pos[0] + 2 > der.length || (der[pos[0]] & 0xff) != wantTag) {
      throw new IllegalArgumentException("malformed DER key");
    }
    pos[0]++;
    int first = der[pos[0]++] & 0xff;
    int len = first;
    if (first >= 0x80) {
      int n = first & 0x7f;
      if (n == 0 || n > 3 || pos[0] + n > der.length) {
        throw new IllegalArgumentException("malformed DER length");
      }
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (der[pos[0]++] & 0xff);
      }
    }
    if (pos[0] + len > der.length) {
      throw new IllegalArgumentException("truncated DER key");
    }
    return new int[] {len};
  }

  private static byte[] sequence(byte[] content) {
    return tlv(0x30, content);
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else if (n < 0x10000) {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n);
    } else {
      out.write(0x83);
      out.write(n >> 16);
      out.write(n >> 8);
      out.write(n);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
