import { describe, expect, it } from "vitest";
import { credentialStatus, defaultTokenExpiry, expiryState, parseTokenExpiry } from "../../shared/product/tokens.js";

/** The credential lifecycle rules: status, expiry warning, default and typed expiry. */

const NOW = new Date("2026-12-05T08:00:00.000Z");
const DAY = 24 * 3600 * 1000;
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe("expiryState", () => {
  it.each([
    [
      "active, far from expiry",
      { expiresAt: at(40 * DAY) },
      { status: "active", expiresSoon: false, expiresInDays: 40 },
    ],
    [
      "active, exactly 30 days left",
      { expiresAt: at(30 * DAY) },
      { status: "active", expiresSoon: true, expiresInDays: 30 },
    ],
    [
      "active, less than a day left",
      { expiresAt: at(3600_000) },
      { status: "active", expiresSoon: true, expiresInDays: 0 },
    ],
    ["expired at this very moment", { expiresAt: at(0) }, { status: "expired", expiresSoon: false, expiresInDays: 0 }],
    ["expired a day ago", { expiresAt: at(-DAY) }, { status: "expired", expiresSoon: false, expiresInDays: -1 }],
    [
      "revoked before expiry",
      { expiresAt: at(5 * DAY), revokedAt: at(-1) },
      { status: "revoked", expiresSoon: false, expiresInDays: 5 },
    ],
    [
      "revoked and expired",
      { expiresAt: at(-DAY), revokedAt: at(-2 * DAY) },
      { status: "revoked", expiresSoon: false, expiresInDays: -1 },
    ],
    [
      "without an expiry (older records)",
      { expiresAt: null, revokedAt: null },
      { status: "active", expiresSoon: false, expiresInDays: null },
    ],
  ])("%s", (_, credential, expected) => {
    expect(expiryState(credential, NOW)).toEqual(expected);
    expect(credentialStatus(credential, NOW)).toBe(expected.status);
  });
});

describe("defaultTokenExpiry", () => {
  it("is one year after creation, on the same day and time in UTC", () => {
    expect(defaultTokenExpiry(new Date("2027-02-28T10:00:00Z")).toISOString()).toBe("2028-02-28T10:00:00.000Z");
  });
});

describe("parseTokenExpiry", () => {
  it.each([
    ["2027-01-31", "2027-01-31T00:00:00.000Z"],
    ["2027-01-31T09:00:00Z", "2027-01-31T09:00:00.000Z"],
    ["2027-01-31T09:00Z", "2027-01-31T09:00:00.000Z"],
    ["2027-01-31T09:00:00.5Z", "2027-01-31T09:00:00.500Z"],
    ["2027-01-31T09:00:00+02:00", "2027-01-31T07:00:00.000Z"],
    ["2027-01-31T09:00-05:30", "2027-01-31T14:30:00.000Z"],
    ["2028-02-29", "2028-02-29T00:00:00.000Z"],
  ])("accepts %s as %s", (text, iso) => {
    expect(parseTokenExpiry(text, NOW).toISOString()).toBe(iso);
  });

  const FORM =
    /^a token's expiry must be a date such as 2027-01-31 \(midnight UTC\) or a date-time with its time zone such as 2027-01-31T09:00:00Z \(got ".*"\)$/;
  it.each([
    ["tomorrow", FORM],
    ["", FORM],
    ["2027-01-31T09:00:00", FORM],
    ["2027-01-31 09:00", FORM],
    ["2027-02-30", FORM],
    ["2027-06-31T00:00:00Z", FORM],
    ["2030-13-45T00:00:00Z", FORM],
    ["2027-01-31T24:00:00Z", FORM],
    ["2027-01-31T09:60:00Z", FORM],
    ["2027-01-31T09:00:00+25:00", FORM],
    [" 2027-01-31", FORM],
    ["2027-01-31T09:00:00Z junk", FORM],
    ["20270131", FORM],
    ["2026-12-05T08:00:00Z", /^a token's expiry must be in the future \(got "2026-12-05T08:00:00Z"\)$/],
    ["2026-12-05", /^a token's expiry must be in the future \(got "2026-12-05"\)$/],
  ])("refuses %j", (text, message) => {
    expect(() => parseTokenExpiry(text, NOW)).toThrow(message);
  });
});
