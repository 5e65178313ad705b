import { describe, expect, it } from "vitest";
import { teamsOf } from "../../shared/product/teams.js";
import { groupMatches } from "../../shared/product/groups.js";
import { DEFAULT_SETTINGS } from "../../shared/product/settings.js";

const consultants = { id: "t-1", name: "Consultants", createdAt: "2026-01-01T00:00:00.000Z" };
const settings = { ...DEFAULT_SETTINGS, teams: [consultants], teamMappings: [{ group: "obj-sales", team: "t-1" }] };

describe("teamsOf", () => {
  it("makes each group a team, unless a mapping puts its members into an existing team; sorted by name, no duplicates", () => {
    const groups = [
      { id: "g-sales", displayName: "Sales", externalId: "obj-sales" },
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

describe("groupMatches", () => {
  const group = { id: "g-1", displayName: "Resource Managers", externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" };
  it.each([
    ["its id", "g-1", true],
    ["its displayName in any case", "resource MANAGERS", true],
    ["its externalId", "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", true],
    ["its externalId in another case (object IDs compare exactly)", "8AA1A0C0-C4C3-4BC0-B4A5-2EF676900159", false],
    ["another name", "Managers", false],
  ])("matches by %s: %s", (_, selector, expected) => {
    expect(groupMatches(selector, group)).toBe(expected);
  });
});
