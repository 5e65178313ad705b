import { describe, expect, it } from "vitest";
import { clientStatus, latestUse, secretRefusal, secretState } from "../../shared/product/oauth.js";

/** The OAuth client and secret lifecycle rules (moved out of store/oauth.ts). */

const NOW = new Date("2026-12-05T08:00:00.000Z");
const DAY = 24 * 3600 * 1000;
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe("secretState", () => {
  it.each([
    ["active, 31 days left", { expiresAt: at(31 * DAY) }, { status: "active", expiresSoon: false, expiresInDays: 31 }],
    [
      "active, exactly 30 days left: flagged",
      { expiresAt: at(30 * DAY) },
      { status: "active", expiresSoon: true, expiresInDays: 30 },
    ],
    [
      "active, 29.5 days left: rounded down",
      { expiresAt: at(29.5 * DAY) },
      { status: "active", expiresSoon: true, expiresInDays: 29 },
    ],
    ["active, one second left", { expiresAt: at(1000) }, { status: "active", expiresSoon: true, expiresInDays: 0 }],
    ["expired at this very moment", { expiresAt: at(0) }, { status: "expired", expiresSoon: false, expiresInDays: 0 }],
    [
      "expired a day and a bit ago",
      { expiresAt: at(-DAY - 1000) },
      { status: "expired", expiresSoon: false, expiresInDays: -2 },
    ],
    [
      "revoked, expiring soon: not flagged",
      { expiresAt: at(5 * DAY), revokedAt: at(-1000) },
      { status: "revoked", expiresSoon: false, expiresInDays: 5 },
    ],
    [
      "revoked and expired: revoked",
      { expiresAt: at(-DAY), revokedAt: at(-2 * DAY) },
      { status: "revoked", expiresSoon: false, expiresInDays: -1 },
    ],
  ])("%s", (_, secret, expected) => {
    expect(secretState(secret, NOW)).toEqual(expected);
  });
});

describe("secretRefusal", () => {
  it.each([
    ["an active secret may be used", { expiresAt: at(1000) }, undefined],
    ["a secret is refused from its expiry on", { expiresAt: at(0) }, "expired"],
    ["an expired secret is refused", { expiresAt: at(-DAY) }, "expired"],
    ["a revoked secret is refused", { expiresAt: at(DAY), revokedAt: at(-1000) }, "revoked"],
    ["a revoked, expired secret is refused as revoked", { expiresAt: at(-DAY), revokedAt: at(-2 * DAY) }, "revoked"],
  ])("%s", (_, secret, expected) => {
    expect(secretRefusal(secret, NOW)).toBe(expected);
  });
});

describe("clientStatus", () => {
  it("is revoked once revokedAt is set, active otherwise", () => {
    expect([clientStatus({}), clientStatus({ revokedAt: null }), clientStatus({ revokedAt: at(-1000) })]).toEqual([
      "active",
      "active",
      "revoked",
    ]);
  });
});

describe("latestUse", () => {
  it("is the latest of the credentials' last uses, or null when none was used", () => {
    expect(latestUse([at(-DAY), undefined, at(-1000), null, at(-2 * DAY)])).toBe(at(-1000));
    expect(latestUse([undefined, null])).toBeNull();
    expect(latestUse([])).toBeNull();
  });
});
