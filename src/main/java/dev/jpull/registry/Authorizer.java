package dev.jpull.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import okhttp3.HttpUrl;
import okhttp3.Response;

/**
 * Answers registry challenges (containerd {@code remotes/docker/authorizer.go}): remembers each origin's
 * last challenge so later requests authorise up front, caches Bearer tokens per (origin, realm, service,
 * scopes, identity) so one identity's token never serves another (oras-java 13d5d0d), and bounds the 401
 * dance: one re-fetch after {@code invalid_token}, one re-authorisation after {@code insufficient_scope},
 * and no second try of a token or password the registry has just refused.
 */
final class Authorizer {
  /** The authorisation state of one logical request. */
  static final class Round {
    final List<String> scopes;
    String header;
    boolean fresh;
    boolean basic;
    boolean invalidRetried;
    boolean scopeRetried;

    Round(List<String> scopes) {
      this.scopes = new ArrayList<>(scopes);
    }
  }

  private record TokenKey(String origin, String realm, String service, List<String> scopes, Identity identity) {}

  /**
   * Whose token it is: the credentials themselves, compared by value (null when anonymous), so the cache
   * separates identities without a hash; printed without the secret.
   */
  private record Identity(dev.jpull.registry.auth.Credentials credentials) {
    static final Identity ANONYMOUS = new Identity(null);

    @Override
    public String toString() {
      return credentials == null ? "anonymous" : "credentials";
    }
  }

  private final TokenClient tokens;
  private final RequestPolicy policy;
  private final LongSupplier clock;
  private final Map<String, Challenge> challenges = new ConcurrentHashMap<>();
  private final Map<TokenKey, TokenClient.Token> cache = new ConcurrentHashMap<>();

  Authorizer(TokenClient tokens, RequestPolicy policy, LongSupplier clock) {
    this.tokens = tokens;
    this.policy = policy;
    this.clock = clock;
  }

  /** Starts a request: authorised up front when this origin already challenged before. */
  Round start(Endpoint ep, List<String> scopes, Transport.Context ctx) throws IOException {
    Round round = new Round(scopes);
    Challenge known = challenges.get(ep.origin());
    if (known == null) {
      return round;
    }
    if (known.scheme().equals("bearer")) {
      TokenKey key = key(ep, known, round.scopes);
      TokenClient.Token t = cache.get(key);
      round.fresh = t == null || expired(t);
      round.header = "Bearer " + (round.fresh ? fetch(ep, known, key, ctx) : t).value();
    } else if (known.scheme().equals("basic") && ep.hasCredentials()) {
      round.header = basic(ep);
      round.basic = true;
      round.fresh = true;
    }
    return round;
  }

  /**
   * Reacts to a 401 from the endpoint's own origin. Returns true when {@code round} now holds a header
   * worth sending again, false when the caller should report the 401 (with the registry's message).
   */
  boolean reauthorize(Endpoint ep, Round round, Response unauthorized, Transport.Context ctx) throws IOException {
    List<Challenge> all = Challenge.parseAll(unauthorized.headers("WWW-Authenticate"));
    Challenge bearer = first(all, "bearer");
    Challenge basic = first(all, "basic");
    if (bearer != null) {
      String error = bearer.param("error");
      boolean forceFresh = false;
      if ("insufficient_scope".equals(error)) {
        if (round.scopeRetried) {
          return false;
        }
        round.scopeRetried = true;
      } else if ("invalid_token".equals(error) && round.header != null && !round.basic) {
        if (round.invalidRetried) {
          return false;
        }
        round.invalidRetried = true;
        forceFresh = true;
      } else if (round.header != null && !round.basic) {
        if (round.fresh) {
          return false; // a token fetched just now was refused: asking again would loop (containerd)
        }
        forceFresh = true; // a cached token the registry no longer accepts
      }
      addScopes(round.scopes, bearer.param("scope"));
      challenges.put(ep.origin(), bearer);
      TokenKey key = key(ep, bearer, round.scopes);
      TokenClient.Token t = forceFresh ? null : cache.get(key);
      if (t == null || expired(t)) {
        cache.remove(key);
        t = fetch(ep, bearer, key, ctx);
        round.fresh = true;
      } else {
        round.fresh = false;
      }
      round.header = "Bearer " + t.value();
      round.basic = false;
      return true;
    }
    if (basic != null) {
      if (!ep.hasCredentials() || ep.credentials().username().isEmpty() || round.basic) {
        return false;
      }
      challenges.put(ep.origin(), basic);
      round.header = basic(ep);
      round.basic = true;
      round.fresh = true;
      return true;
    }
    return false; // no challenge, or only schemes jpull does not speak (Negotiate…)
  }

  private TokenClient.Token fetch(Endpoint ep, Challenge bearer, TokenKey key, Transport.Context ctx)
      throws IOException {
    TokenClient.Token t;
    try {
      // The realm (and every hop it redirects to) must be at least as public as the registry that named it.
      RequestPolicy.Permit permit = policy.realmPermit(ep.base());
      HttpUrl realm = policy.realm(bearer.param("realm"), ep.base(), permit);
      t = tokens.fetch(ep, realm, permit, bearer.param("service"), key.scopes(), ctx);
    } catch (dev.jpull.JpullException e) {
      if (e.getMessage() != null && !e.getMessage().startsWith(ctx.action())) {
        throw e.withContext(ctx.action());
      }
      throw e;
    }
    cache.put(key, t);
    return t;
  }

  private boolean expired(TokenClient.Token t) {
    return clock.getAsLong() - t.expiresAtNanos() >= 0;
  }

  private static TokenKey key(Endpoint ep, Challenge c, List<String> scopes) {
    return new TokenKey(ep.origin(), String.valueOf(c.param("realm")), String.valueOf(c.param("service")),
        List.copyOf(new TreeSet<>(scopes)), identity(ep));
  }

  private static Identity identity(Endpoint ep) {
    return ep.hasCredentials() ? new Identity(ep.credentials()) : Identity.ANONYMOUS;
  }

  private static String basic(Endpoint ep) {
    return okhttp3.Credentials.basic(ep.credentials().username(), ep.credentials().password(), StandardCharsets.UTF_8);
  }

  private static Challenge first(List<Challenge> all, String scheme) {
    for (Challenge c : all) {
      if (c.scheme().equals(scheme)) {
        return c;
      }
    }
    return null;
  }

  /** The challenge's {@code scope} may list several scopes separated by spaces (distribution token spec). */
  private static void addScopes(List<String> scopes, String challengeScope) {
    if (challengeScope == null) {
      return;
    }
    for (String s : challengeScope.trim().split("\\s+")) {
      if (!s.isEmpty() && !scopes.contains(s) && scopes.size() < 16) {
        scopes.add(s);
      }
    }
  }
}
