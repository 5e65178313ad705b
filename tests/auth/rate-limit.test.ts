import { describe, expect, it } from "vitest";
import { clientIp, RateLimiter } from "../../shared/auth/rate-limit.js";

describe("RateLimiter", () => {
  it("allows a burst of `capacity`, then answers with the seconds until the next attempt", () => {
    const limiter = new RateLimiter({ capacity: 3, perMinute: 6 });
    expect([0, 0, 0].map((t) => limiter.take("ip:1", t).ok)).toEqual([true, true, true]);
    expect(limiter.take("ip:1", 0)).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect(limiter.take("ip:1", 4_000)).toEqual({ ok: false, retryAfterSeconds: 6 });
    expect(limiter.take("ip:1", 10_000)).toEqual({ ok: true });
  });

  it("keeps keys apart", () => {
    const limiter = new RateLimiter({ capacity: 1, perMinute: 1 });
    expect([limiter.take("ip:1", 0).ok, limiter.take("ip:2", 0).ok, limiter.take("ip:1", 0).ok]).toEqual([true, true, false]);
  });

  it("refills to capacity, no more", () => {
    const limiter = new RateLimiter({ capacity: 2, perMinute: 60 });
    limiter.take("k", 0);
    const later = 3_600_000;
    expect([limiter.take("k", later).ok, limiter.take("k", later).ok, limiter.take("k", later).ok]).toEqual([true, true, false]);
  });

  it("forgets the least recently used key beyond maxKeys", () => {
    const limiter = new RateLimiter({ capacity: 1, perMinute: 1 }, 2);
    limiter.take("a", 0);
    limiter.take("b", 0);
    limiter.take("c", 0);
    expect(limiter.take("a", 0).ok).toBe(true);
  });
});

describe("clientIp", () => {
  it.each<[string | undefined, string]>([
    ["203.0.113.9", "203.0.113.9"],
    ["203.0.113.9:51234", "203.0.113.9"],
    ["1.2.3.4, 203.0.113.9:443", "203.0.113.9"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["2001:db8::1", "2001:db8::1"],
    [undefined, "unknown"],
  ])("takes the platform's entry of %s", (header, ip) => {
    expect(clientIp(header)).toBe(ip);
  });
});
