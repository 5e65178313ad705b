import { describe, expect, it } from "vitest";
import { computeRole, nextRole } from "../../shared/product/roles.js";
import { DEFAULT_SETTINGS, type RoleMapping, type TenantSettings } from "../../shared/product/settings.js";
import { newProductUser } from "../../shared/product/identity.js";

const settings = (roleMappings: TenantSettings["roleMappings"]): TenantSettings => ({
  ...DEFAULT_SETTINGS,
  roleMappings,
});
const admins = { id: "g-admins", displayName: "Admins", externalId: "obj-admins" };
const managers = { id: "g-managers", displayName: "Resource Managers", externalId: "obj-managers" };
const other = { id: "g-other", displayName: "Everyone" };
const NOW = new Date("2026-12-01T00:00:00.000Z");

describe("computeRole", () => {
  it.each([
    ["no groups", [], [], "User", "default"],
    ["a group without a mapping", [other], [{ group: { id: "g-admins" }, role: "Admin" }], "User", "default"],
    ["a mapping by id", [managers], [{ group: { id: "g-managers" }, role: "Manager" }], "Manager", "group"],
    [
      "a mapping whose group Entra provisioned again (a new id, the same object ID)",
      [managers],
      [{ group: { id: "g-gone", externalId: "obj-managers" }, role: "Manager" }],
      "Manager",
      "group",
    ],
    [
      "no role from a pending mapping, even when a group has its name",
      [admins],
      [{ group: { pending: "Admins" }, role: "Admin" }],
      "User",
      "default",
    ],
    [
      "the highest of two mapped groups",
      [managers, admins],
      [
        { group: { id: "g-managers" }, role: "Manager" },
        { group: { id: "g-admins" }, role: "Admin" },
      ],
      "Admin",
      "group",
    ],
    [
      "the highest, whatever the order",
      [admins, managers],
      [
        { group: { id: "g-admins" }, role: "Admin" },
        { group: { id: "g-managers" }, role: "Manager" },
      ],
      "Admin",
      "group",
    ],
  ])("gives %s", (_, groups, mappings, role, kind) => {
    const result = computeRole(groups, settings(mappings as RoleMapping[]));
    expect(result.role).toBe(role);
    expect(result.source.kind).toBe(kind);
  });

  it("keeps the role when the group is renamed: the mapping names its id", () => {
    const mapping = { group: { id: "g-managers", externalId: "obj-managers" }, role: "Manager" };
    expect(computeRole([{ ...managers, displayName: "Resource Mgmt" }], settings([mapping])).role).toBe("Manager");
  });

  it("names the group and the mapping that gave the role", () => {
    const mapping = { group: { id: "g-admins" }, role: "Admin" };
    expect(computeRole([other, admins], settings([mapping])).source).toEqual({
      kind: "group",
      groupId: "g-admins",
      groupName: "Admins",
      mapping,
    });
  });
});

describe("nextRole", () => {
  const admin = {
    ...newProductUser(DEFAULT_SETTINGS),
    role: "Admin",
    roleSource: {
      kind: "group" as const,
      groupId: "g-admins",
      groupName: "Admins",
      mapping: { group: { id: "g-admins" }, role: "Admin" },
    },
  };
  const toUser = { role: "User", source: { kind: "default" as const } };

  it("demotes an Admin when another active Admin remains", () => {
    expect(nextRole(admin, toUser, DEFAULT_SETTINGS, 1, NOW)).toEqual({ ...toUser, conflict: false });
  });

  it("keeps the last Admin, says why and since when, and flags the conflict", () => {
    expect(nextRole(admin, toUser, DEFAULT_SETTINGS, 0, NOW)).toEqual({
      role: "Admin",
      source: { kind: "kept", reason: "last-admin", computed: "User", since: NOW.toISOString() },
      conflict: true,
    });
  });

  it("keeps the original 'since' of a role already kept", () => {
    const kept = {
      ...admin,
      roleSource: {
        kind: "kept" as const,
        reason: "last-admin" as const,
        computed: "User",
        since: "2026-01-01T00:00:00.000Z",
      },
    };
    expect(nextRole(kept, toUser, DEFAULT_SETTINGS, 0, NOW).source).toMatchObject({
      since: "2026-01-01T00:00:00.000Z",
    });
  });

  it("promotes without conflict", () => {
    const user = newProductUser(DEFAULT_SETTINGS);
    const toAdmin = computeRole([admins], settings([{ group: { id: "g-admins" }, role: "Admin" }]));
    expect(nextRole(user, toAdmin, DEFAULT_SETTINGS, 0, NOW)).toEqual({ ...toAdmin, conflict: false });
  });
});

describe("nextRole with a role granted by an admin or an invite", () => {
  const granted = {
    ...newProductUser(DEFAULT_SETTINGS),
    role: "Admin",
    roleSource: { kind: "admin" as const, grantedBy: "invite:ann@contoso.dev", since: NOW.toISOString() },
  };

  it("keeps the grant when the groups give a lower role", () => {
    expect(nextRole(granted, { role: "User", source: { kind: "default" } }, DEFAULT_SETTINGS, 3, NOW)).toEqual({
      role: "Admin",
      source: granted.roleSource,
      conflict: false,
    });
  });

  it("lets a group raise a granted Manager to Admin", () => {
    const manager = { ...granted, role: "Manager" };
    const source = {
      kind: "group" as const,
      groupId: "g-admins",
      groupName: "Admins",
      mapping: { group: { id: "g-admins" }, role: "Admin" },
    };
    expect(nextRole(manager, { role: "Admin", source }, DEFAULT_SETTINGS, 1, NOW)).toEqual({
      role: "Admin",
      source,
      conflict: false,
    });
  });
});
