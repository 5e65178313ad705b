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
    expect([limiter.take("ip:1", 0).ok, limiter.take("ip:2", 0).ok, limiter.take("ip:1", 0).ok]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it("refills to capacity, no more", () => {
    const limiter = new RateLimiter({ capacity: 2, perMinute: 60 });
    limiter.take("k", 0);
    const later = 3_600_000;
    expect([limiter.take("k", later).ok, limiter.take("k", later).ok, limiter.take("k", later).ok]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it("neither drains nor locks a bucket when the clock steps back", () => {
    const limiter = new RateLimiter({ capacity: 2, perMinute: 60 });
    limiter.take("k", 1_000_000);
    expect(limiter.take("k", 0)).toEqual({ ok: true });
    expect(limiter.take("k", 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
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
    ["", "unknown"],
  ])("with one trusted proxy takes the platform's entry of %s", (header, ip) => {
    expect(clientIp(header, 1)).toBe(ip);
  });

  it.each<[string, number, string]>([
    ["198.51.100.7, 203.0.113.9, 10.0.0.4", 2, "203.0.113.9"],
    ["198.51.100.7, 203.0.113.9:5123, 10.0.0.4, 10.0.0.5", 3, "203.0.113.9"],
    ["203.0.113.9, 10.0.0.4", 5, "203.0.113.9"],
    ["203.0.113.9", 3, "203.0.113.9"],
  ])(
    "takes the entry as many hops from the right as there are trusted proxies: %s with %i hops",
    (header, hops, ip) => {
      expect(clientIp(header, hops)).toBe(ip);
    },
  );

  it.each([1, 2, 3])(
    "keeps the same key with %i hops however the client rotates the entries it sends itself",
    (hops) => {
      const appended = ["203.0.113.9", "10.0.0.4", "10.0.0.5"].slice(0, hops).join(", ");
      const keys = ["", "1.1.1.1, ", "2.2.2.2, 3.3.3.3, ", "unknown, ", "[2001:db8::66], "].map((sent) =>
        clientIp(sent + appended, hops),
      );
      expect(new Set(keys)).toEqual(new Set(["203.0.113.9"]));
    },
  );

  it("ignores the header with 0 trusted proxies and answers the fallback", () => {
    expect(clientIp("1.1.1.1, 203.0.113.9", 0)).toBe("unknown");
    expect(clientIp("203.0.113.9", 0, "direct")).toBe("direct");
  });
});
