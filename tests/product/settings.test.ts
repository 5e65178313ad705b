import { describe, expect, it } from "vitest";
import {
  DEFAULT_SETTINGS,
  LIMITS,
  adminRole,
  auditTtlSeconds,
  bindLegacy,
  bindPendingTo,
  boundsProblem,
  legacySelectors,
  canonicalRole,
  deletedUserTtlSeconds,
  parseLoginTypes,
  roleRank,
  withDefaults,
} from "../../shared/product/settings.js";

describe("tenant settings", () => {
  it("fills in defaults for settings stored before a field existed", () => {
    expect(withDefaults({ loginTypes: ["entra"] })).toEqual({ ...DEFAULT_SETTINGS, loginTypes: ["entra"] });
    expect(withDefaults(undefined)).toEqual(DEFAULT_SETTINGS);
  });

  it.each([
    ["password,entra", ["password", "entra"]],
    [" Entra , entra ", ["entra"]],
  ])("parses login types %j", (text, expected) => {
    expect(parseLoginTypes(text)).toEqual(expected);
  });

  it.each([
    ["", /name at least one login type/],
    ["password,saml", /unknown login type "saml"; the types are password, entra/],
  ])("refuses login types %j with a message a person can act on", (text, message) => {
    expect(() => parseLoginTypes(text)).toThrow(message);
  });

  it("orders roles lowest first; the highest is the admin role; names compare case-insensitively", () => {
    expect(adminRole(DEFAULT_SETTINGS)).toBe("Admin");
    expect(roleRank(DEFAULT_SETTINGS, "manager")).toBe(1);
    expect(canonicalRole(DEFAULT_SETTINGS, "ADMIN")).toBe("Admin");
    expect(() => canonicalRole(DEFAULT_SETTINGS, "Owner")).toThrow(
      'unknown role "Owner"; this tenant\'s roles are User < Manager < Admin',
    );
  });

  it("turns retention days into Cosmos DB TTL seconds", () => {
    expect(auditTtlSeconds({ ...DEFAULT_SETTINGS, auditRetentionDays: 90 })).toBe(90 * 86_400);
    expect(deletedUserTtlSeconds(DEFAULT_SETTINGS)).toBe(30 * 86_400);
  });
});

describe("mappings keyed by group identity", () => {
  const legacy = {
    roles: ["User", "Manager", "Admin"],
    roleMappings: [
      { group: "Resource Managers", role: "Manager" },
      { group: "obj-admins", role: "Admin" },
      { group: "g-admins", role: "Manager" },
      { group: "Not Yet", role: "Manager" },
    ],
    teamMappings: [{ group: "sales", team: "t-1" }],
  };
  const resolved = new Map([
    ["Resource Managers", [{ id: "g-managers", externalId: "obj-managers" }]],
    ["obj-admins", [{ id: "g-admins", externalId: "obj-admins" }]],
    ["g-admins", [{ id: "g-admins", externalId: "obj-admins" }]],
    ["Not Yet", []],
    ["sales", [{ id: "g-sales" }]],
  ]);

  it("finds the group names of mappings an older version stored, once each", () => {
    expect(legacySelectors(legacy)).toEqual(["Resource Managers", "obj-admins", "g-admins", "Not Yet", "sales"]);
    expect(legacySelectors(bindLegacy(legacy, resolved, legacy.roles))).toEqual([]);
  });

  it("binds old name-keyed mappings to the groups they named; one per group with the higher role; an unknown name becomes pending", () => {
    expect(bindLegacy(legacy, resolved, legacy.roles)).toEqual({
      ...legacy,
      roleMappings: [
        { group: { id: "g-managers", externalId: "obj-managers" }, role: "Manager" },
        { group: { id: "g-admins", externalId: "obj-admins" }, role: "Admin" },
        { group: { pending: "Not Yet" }, role: "Manager" },
      ],
      teamMappings: [{ group: { id: "g-sales" }, team: "t-1" }],
    });
  });

  it("leaves a name it could not look up for a later read", () => {
    expect(bindLegacy({ roleMappings: [{ group: "Later", role: "Manager" }] }, new Map(), legacy.roles)).toEqual({
      roleMappings: [{ group: "Later", role: "Manager" }],
    });
  });

  it("reads a mapping no migration has bound as pending, never as a match by name", () => {
    expect(withDefaults({ roleMappings: [{ group: "Admins", role: "Admin" }] } as never).roleMappings).toEqual([
      { group: { pending: "Admins" }, role: "Admin" },
    ]);
  });

  it("binds pending mappings to a group created with their name (any case) or object ID, keeping the higher role", () => {
    const settings = {
      ...DEFAULT_SETTINGS,
      roleMappings: [
        { group: { pending: "sales" }, role: "Manager" },
        { group: { pending: "obj-sales" }, role: "Admin" },
        { group: { pending: "Other" }, role: "Admin" },
      ],
      teamMappings: [{ group: { pending: "Sales" }, team: "t-1" }],
    };
    expect(bindPendingTo(settings, { id: "g-sales", displayName: "Sales", externalId: "obj-sales" })).toEqual({
      ...settings,
      roleMappings: [
        { group: { id: "g-sales", externalId: "obj-sales" }, role: "Admin" },
        { group: { pending: "Other" }, role: "Admin" },
      ],
      teamMappings: [{ group: { id: "g-sales", externalId: "obj-sales" }, team: "t-1" }],
    });
  });

  it("bounds the number of teams and mappings with a message a person can act on", () => {
    const many = <T>(n: number, make: (i: number) => T) => Array.from({ length: n }, (_, i) => make(i));
    expect(
      boundsProblem({
        ...DEFAULT_SETTINGS,
        roleMappings: many(LIMITS.roleMappings, (i) => ({ group: { id: `g${i}` }, role: "User" })),
      }),
    ).toBeUndefined();
    expect(
      boundsProblem({
        ...DEFAULT_SETTINGS,
        roleMappings: many(LIMITS.roleMappings + 1, (i) => ({ group: { id: `g${i}` }, role: "User" })),
      }),
    ).toEqual({
      detail: `${LIMITS.roleMappings + 1} role mappings: at most ${LIMITS.roleMappings} are allowed; remove some first`,
      field: "group",
    });
    expect(
      boundsProblem({
        ...DEFAULT_SETTINGS,
        teams: many(LIMITS.teams + 1, (i) => ({ id: `t${i}`, name: `T${i}`, createdAt: "" })),
      })?.field,
    ).toBe("team");
  });
});
