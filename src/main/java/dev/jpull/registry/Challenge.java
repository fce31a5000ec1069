package dev.jpull.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code WWW-Authenticate} challenge (RFC 7235 section 4.1): a lower-cased scheme and its parameters
 * (names lower-cased, values unquoted). Parsing never throws: junk is skipped, and a challenge that repeats
 * a parameter is dropped, because two realms in one challenge is an ambiguity an attacker could exploit.
 */
record Challenge(String scheme, Map<String, String> params) {
  private static final int MAX_HEADER = 16 * 1024;

  Challenge {
    params = Map.copyOf(params);
  }

  String param(String name) {
    return params.get(name);
  }

  /** Parses every challenge of every header, in order. */
  static List<Challenge> parseAll(List<String> headers) {
    List<Challenge> out = new ArrayList<>();
    for (String h : headers) {
      if (h != null) {
        new Parser(h.length() > MAX_HEADER ? h.substring(0, MAX_HEADER) : h).parse(out);
      }
    }
    return out;
  }

  /** A small RFC 7235 tokenizer: {@code scheme [token68 | param *("," param)] *("," challenge)}. */
  private static final class Parser {
    private final String s;
    private int i;

    Parser(String s) {
      this.s = s;
    }

    void parse(List<Challenge> out) {
      String scheme = null;
      Map<String, String> params = new HashMap<>();
      boolean broken = false;
      while (true) {
        skip(" \t,");
        if (i >= s.length()) {
          break;
        }
        String token = token();
        if (token.isEmpty()) {
          i++; // junk character: skip it
          continue;
        }
        int save = i;
        skip(" \t");
        if (i < s.length() && s.charAt(i) == '=' && !(i + 1 < s.length() && s.charAt(i + 1) == '=')) {
          i++;
          skip(" \t");
          String value = value();
          if (scheme == null) {
            continue; // a parameter without a scheme
          }
          String name = token.toLowerCase(Locale.ROOT);
          if (params.putIfAbsent(name, value) != null) {
            broken = true;
          }
          continue;
        }
        i = save;
        if (scheme != null && !broken) {
          out.add(new Challenge(scheme, params));
        }
        scheme = token.toLowerCase(Locale.ROOT);
        params = new HashMap<>();
        broken = false;
        skip(" \t");
        skipToken68();
      }
      if (scheme != null && !broken) {
        out.add(new Challenge(scheme, params));
      }
    }

    /** A token68 (e.g. {@code Negotiate abc==}) carries no parameters jpull uses; skip it. */
    private void skipToken68() {
      int save = i;
      if (token().isEmpty()) {
        i = save;
        return;
      }
      while (i < s.length() && s.charAt(i) == '=') {
        i++;
      }
      skip(" \t");
      if (i < s.length() && s.charAt(i) != ',') {
        i = save; // it was the first parameter's name
      }
    }

    private String value() {
      if (i < s.length() && s.charAt(i) == '"') {
        i++;
        StringBuilder b = new StringBuilder();
        while (i < s.length()) {
          char c = s.charAt(i++);
          if (c == '\\' && i < s.length()) {
            b.append(s.charAt(i++));
          } else if (c == '"') {
            return b.toString();
          } else {
            b.append(c);
          }
        }
        return b.toString(); // unterminated: take what there is
      }
      int start = i;
      while (i < s.length() && s.charAt(i) != ',' && s.charAt(i) != ' ' && s.charAt(i) != '\t') {
        i++;
      }
      return s.substring(start, i);
    }

    private String token() {
      int start = i;
      while (i < s.length() && isTchar(s.charAt(i))) {
        i++;
      }
      return s.substring(start, i);
    }

    private void skip(String chars) {
      while (i < s.length() && chars.indexOf(s.charAt(i)) >= 0) {
        i++;
      }
    }

    private static boolean isTchar(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~/".indexOf(c) >= 0;
    }
  }
}
