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
    const tokens = previous ? Math.min(this.limit.capacity, previous.tokens + (now - previous.at) * perMs) : this.limit.capacity;
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
 * The client IP behind App Service's front ends: the right-most `X-Forwarded-For` entry (the one
 * the platform appended; entries to its left are whatever the client sent). Port stripped.
 */
export function clientIp(xForwardedFor: string | null | undefined, fallback = "unknown"): string {
  const last = xForwardedFor?.split(",").pop()?.trim();
  if (!last) return fallback;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(last);
  if (bracketed) return bracketed[1]!;
  return /^[\d.]+:\d+$/.test(last) ? last.slice(0, last.lastIndexOf(":")) : last;
}
