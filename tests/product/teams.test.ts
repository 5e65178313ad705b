import { describe, expect, it } from "vitest";
import { teamsOf } from "../../shared/product/teams.js";
import { DEFAULT_SETTINGS, pendingMatches, refMatches, type GroupRef } from "../../shared/product/settings.js";

const consultants = { id: "t-1", name: "Consultants", createdAt: "2026-01-01T00:00:00.000Z" };
const settings = {
  ...DEFAULT_SETTINGS,
  teams: [consultants],
  teamMappings: [{ group: { id: "g-sales", externalId: "obj-sales" }, team: "t-1" }],
};

describe("teamsOf", () => {
  it("makes each group a team, unless a mapping puts its members into an existing team; sorted by name, no duplicates", () => {
    const groups = [
      { id: "g-sales", displayName: "Sales (renamed)", externalId: "obj-sales" },
      { id: "g-ops", displayName: "Ops" },
      { id: "g-sales-2", displayName: "Sales EMEA", externalId: "obj-sales" },
    ];
    expect(teamsOf(groups, settings)).toEqual([
      { id: "t-1", name: "Consultants", viaGroup: "g-sales" },
      { id: "g-ops", name: "Ops", viaGroup: "g-ops" },
    ]);
  });

  it("names a group without displayName by its id", () => {
    expect(teamsOf([{ id: "g-x" }], DEFAULT_SETTINGS)).toEqual([{ id: "g-x", name: "g-x", viaGroup: "g-x" }]);
  });
});

describe("refMatches and pendingMatches", () => {
  const group = { id: "g-1", displayName: "Resource Managers", externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" };
  it.each([
    ["a bound mapping by its id", { id: "g-1" }, true],
    [
      "a bound mapping by its object ID (the group provisioned again)",
      { id: "g-old", externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" },
      true,
    ],
    ["not another group's id", { id: "g-2" }, false],
    ["never a pending mapping", { pending: "Resource Managers" }, false],
  ])("refMatches %s", (_, ref, expected) => {
    expect(refMatches(ref as GroupRef, group)).toBe(expected);
  });
  it.each([
    ["its displayName in any case", "resource MANAGERS", true],
    ["its object ID", "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", true],
    ["another name", "Managers", false],
  ])("a created group is the one a pending mapping waits for by %s", (_, pending, expected) => {
    expect(pendingMatches({ pending }, group)).toBe(expected);
    expect(pendingMatches({ id: "g-1" }, group)).toBe(false);
  });
});
