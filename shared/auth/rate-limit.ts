/**
 * Token buckets in memory, per Function App instance (so the real limit is this times the number
 * of instances; it blunts bursts and scripted retries, it is not a global quota). Keys are
 * e.g. `ip:203.0.113.9` or `tid:<guid>`. The map is bounded: the least recently used bucket goes.
 */
export interface RateLimit {
  /** Bucket size: attempts allowed in a burst. */
  capacity: number;
  /** Attempts regained per minute. */
  perMinute: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one attempt for `key` at time `now` (ms). */
  take(key: string, now: number): RateDecision {
    const perMs = this.limit.perMinute / 60_000;
    const previous = this.buckets.get(key);
    // A clock that steps back (NTP, another instance's time in a test) neither drains nor refills a bucket.
    const elapsed = previous ? Math.max(0, now - previous.at) : 0;
    const tokens = previous ? Math.min(this.limit.capacity, previous.tokens + elapsed * perMs) : this.limit.capacity;
    this.buckets.delete(key);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return { ok: true };
  }
}

/** The limits the sign-in routes use: per client IP on `/auth/login` and `/auth/callback`, per Entra tenant on the callback. */
export const SIGN_IN_LIMITS = {
  perIp: { capacity: 20, perMinute: 10 },
  perTenant: { capacity: 100, perMinute: 60 },
} as const satisfies Record<string, RateLimit>;

/**
 * The client IP from `X-Forwarded-For`, given how many proxies in front of the app append to it
 * (`trustedProxyHops`, TRUSTED_PROXY_HOPS; App Service's front end is one). Each trusted proxy
 * appends the address it was called from, so the client's address is the `trustedProxyHops`-th
 * entry from the right; entries further left are whatever the client sent and never count, so
 * rotating them cannot pick another rate-limit bucket. With fewer entries than hops, every entry
 * was appended by a trusted proxy and the left-most is the client. With 0 hops the header is not
 * trusted at all and `fallback` is returned (so is it when the header is missing or empty).
 * A port is stripped, and the brackets of an IPv6 address.
 */
export function clientIp(
  xForwardedFor: string | null | undefined,
  trustedProxyHops: number,
  fallback = "unknown",
): string {
  if (trustedProxyHops < 1) return fallback;
  const entries = (xForwardedFor ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) return fallback;
  const client = entries[Math.max(0, entries.length - trustedProxyHops)]!;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(client);
  if (bracketed) return bracketed[1]!;
  return /^[\d.]+:\d+$/.test(client) ? client.slice(0, client.lastIndexOf(":")) : client;
}
