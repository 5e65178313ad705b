import { describe, expect, it } from "vitest";
import {
  DELETE_SAFETY_DEFAULTS,
  changeDeleteSafety,
  countWindow,
  deleteSafetyWithDefaults,
  heldDeleteDetail,
  holdCause,
  mustHold,
  safetyThreshold,
  windowStart,
  type RemovalEvent,
} from "../../shared/product/safety-net.js";
import { withDefaults } from "../../shared/product/settings.js";

/** The deprovisioning safety net's pure rule (shared/product/safety-net.ts). */

const NOW = new Date("2026-12-05T12:00:00Z");
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
const ev = (resourceId: string, type: string, minutesAgo = 10): RemovalEvent => ({
  resourceId,
  type,
  time: at(minutesAgo),
});

describe("the threshold", () => {
  it.each([
    [100, 25],
    [125, 25],
    [130, 26],
    [1000, 200],
    [102, 25],
    [100_000, 20_000],
    [0, 25],
  ])("with %i active users is %i under the defaults (20%%, at least 25)", (active, threshold) => {
    expect(safetyThreshold(DELETE_SAFETY_DEFAULTS, active)).toBe(threshold);
  });

  it("rounds the share down, so 'more than 20% of 102' holds at 21 removals", () => {
    const settings = { enabled: true, sharePercent: 20, minUsers: 1 };
    expect(safetyThreshold(settings, 102)).toBe(20);
    expect(mustHold(settings, { disconnected: 0, deleted: 20, removed: 20, activeUsers: 102 })).toBe(false);
    expect(mustHold(settings, { disconnected: 0, deleted: 21, removed: 21, activeUsers: 102 })).toBe(true);
  });
});

describe("holding", () => {
  const count = (removed: number, activeUsers = 100) => ({ disconnected: 0, deleted: removed, removed, activeUsers });

  it("lets the 25th removal of 100 users through and holds the 26th", () => {
    expect(mustHold(DELETE_SAFETY_DEFAULTS, count(25))).toBe(false);
    expect(mustHold(DELETE_SAFETY_DEFAULTS, count(26))).toBe(true);
  });

  it("never holds when the net is off", () => {
    expect(mustHold({ ...DELETE_SAFETY_DEFAULTS, enabled: false }, count(99))).toBe(false);
  });

  it("follows the tenant's share and minimum", () => {
    expect(mustHold({ enabled: true, sharePercent: 50, minUsers: 10 }, count(50))).toBe(false);
    expect(mustHold({ enabled: true, sharePercent: 50, minUsers: 10 }, count(51))).toBe(true);
    expect(mustHold({ enabled: true, sharePercent: 1, minUsers: 3 }, count(4))).toBe(true);
  });
});

describe("counting the window", () => {
  it("counts distinct users: a user disconnected, then deleted, is one removal", () => {
    const events = [ev("u1", "user.deactivated", 30), ev("u1", "user.deleted", 5), ev("u2", "user.deactivated")];
    expect(countWindow(events, 98, NOW)).toEqual({ disconnected: 2, deleted: 1, removed: 2, activeUsers: 100 });
  });

  it("counts the user being deleted, unless the window already has it", () => {
    const events = [ev("u1", "user.deactivated")];
    expect(countWindow(events, 99, NOW, "u2").removed).toBe(2);
    expect(countWindow(events, 99, NOW, "u1").removed).toBe(1);
  });

  it("ignores other event types", () => {
    const events = [ev("u1", "user.created"), ev("u2", "user.activated"), ev("g1", "group.deleted")];
    expect(countWindow(events, 10, NOW)).toEqual({ disconnected: 0, deleted: 0, removed: 0, activeUsers: 10 });
  });

  it("adds back only users removed before the active count was measured (a cached count is not counted twice)", () => {
    const measuredAt = new Date(NOW.getTime() - 20 * 60_000);
    // u1 was removed before the count (not in it), u2 after it (still in it).
    const events = [ev("u1", "user.deleted", 30), ev("u2", "user.deleted", 10)];
    expect(countWindow(events, 99, measuredAt).activeUsers).toBe(100);
  });

  it("starts an hour ago, or when the net was re-armed if that is later (never in the future)", () => {
    expect(windowStart(NOW, undefined).toISOString()).toBe(at(60));
    expect(windowStart(NOW, at(90)).toISOString()).toBe(at(60));
    expect(windowStart(NOW, at(15)).toISOString()).toBe(at(15));
    expect(windowStart(NOW, at(-30)).toISOString()).toBe(NOW.toISOString());
    expect(windowStart(NOW, "not a date").toISOString()).toBe(at(60));
  });
});

describe("the settings", () => {
  it("default to on, 20%, at least 25 users, also for a tenant stored before the net existed", () => {
    expect(withDefaults({}).deleteSafety).toEqual({ enabled: true, sharePercent: 20, minUsers: 25 });
    expect(withDefaults({ deleteSafety: { sharePercent: 30 } } as never).deleteSafety).toEqual({
      enabled: true,
      sharePercent: 30,
      minUsers: 25,
    });
    expect(deleteSafetyWithDefaults(undefined)).toEqual(DELETE_SAFETY_DEFAULTS);
  });

  it("change only what is given", () => {
    expect(changeDeleteSafety(DELETE_SAFETY_DEFAULTS, { sharePercent: 35 })).toEqual({
      settings: { enabled: true, sharePercent: 35, minUsers: 25 },
    });
    expect(changeDeleteSafety(DELETE_SAFETY_DEFAULTS, { enabled: false, minUsers: 1 })).toEqual({
      settings: { enabled: false, sharePercent: 20, minUsers: 1 },
    });
    expect(changeDeleteSafety(DELETE_SAFETY_DEFAULTS, { sharePercent: 100, minUsers: 1_000_000 })).toEqual({
      settings: { enabled: true, sharePercent: 100, minUsers: 1_000_000 },
    });
  });

  it.each([
    [{}, "enabled", /^Name a setting to change/],
    [{ enabled: "yes" }, "enabled", /^The switch \(enabled\) must be true or false$/],
    [
      { sharePercent: 0 },
      "sharePercent",
      /^The share of active users, in percent, \(sharePercent\) must be a whole number from 1 to 100$/,
    ],
    [{ sharePercent: 101 }, "sharePercent", /from 1 to 100/],
    [{ sharePercent: 20.5 }, "sharePercent", /whole number/],
    [{ sharePercent: "20" }, "sharePercent", /whole number/],
    [
      { minUsers: 0 },
      "minUsers",
      /^The minimum number of users \(minUsers\) must be a whole number from 1 to 1,000,000$/,
    ],
    [{ minUsers: -3 }, "minUsers", /from 1/],
    [{ minUsers: 1_000_001 }, "minUsers", /1,000,000/],
  ])("refuse %j, naming %s", (change, field, detail) => {
    const result = changeDeleteSafety(DELETE_SAFETY_DEFAULTS, change);
    expect("problem" in result && result.problem.field).toBe(field);
    expect("problem" in result && result.problem.detail).toMatch(detail);
  });
});

describe("what the net says", () => {
  it("gives the cause in numbers, with the window and the limit", () => {
    const cause = holdCause(
      DELETE_SAFETY_DEFAULTS,
      { disconnected: 20, deleted: 6, removed: 26, activeUsers: 100 },
      new Date(at(60)),
      NOW,
    );
    expect(cause).toBe(
      "26 of 100 active users (26%) were disconnected or deleted between 11:00 and 12:00 UTC (20 disconnected, 6 deleted, " +
        "counting the delete that tripped the net): more than the limit of 25 (20% of the active users, at least 25).",
    );
  });

  it("tells the SCIM client that disconnects still work and where the admin releases or discards the hold", () => {
    const detail = heldDeleteDetail("26 of 100 ...", "tenant-1");
    expect(detail).toMatch(/^Delete held by the deprovisioning safety net: 26 of 100 \.\.\./);
    expect(detail).toMatch(/Disconnects \(active=false\) still take effect/);
    expect(detail).toMatch(/Safety net page/);
    expect(detail).toContain("npm run admin -- safety-net release|discard --tenant tenant-1");
  });
});
