import { describe, expect, it } from "vitest";
import { describeReason, planDemotion, roleReason, type DemotionInput } from "../../shared/product/admins.js";
import type { RoleSource } from "../../shared/product/identity.js";

const SINCE = "2026-12-01T00:00:00.000Z";
const mapped: RoleSource = {
  kind: "group",
  groupId: "g1",
  groupName: "Ops",
  mapping: { group: { id: "g1" }, role: "Admin" },
};
const invited: RoleSource = { kind: "admin", grantedBy: "invite:ann@contoso.com", since: SINCE };

const base: DemotionInput = {
  userName: "ann@contoso.com",
  admin: "Admin",
  role: "Admin",
  source: invited,
  computed: { role: "User", source: { kind: "default" } },
  self: false,
  othersWhoCanSignIn: 1,
};

describe("roleReason", () => {
  it.each([
    [invited, { kind: "invite", grantedBy: "invite:ann@contoso.com", since: SINCE }],
    [
      { kind: "admin", grantedBy: "admin-cli", since: SINCE },
      { kind: "granted", grantedBy: "admin-cli", since: SINCE },
    ],
    [mapped, { kind: "mapping", groupId: "g1", groupName: "Ops", mapping: { group: { id: "g1" }, role: "Admin" } }],
    [
      { kind: "kept", reason: "last-admin", computed: "User", since: SINCE },
      { kind: "kept", since: SINCE, computed: "User" },
    ],
    [{ kind: "default" }, { kind: "default" }],
  ] as [RoleSource, unknown][])("names why: %j", (source, reason) => {
    expect(roleReason(source)).toEqual(reason);
  });

  it("says it in one sentence", () => {
    expect(describeReason(roleReason(mapped), "Admin")).toBe("Admin through group Ops (mapped to Admin)");
    expect(describeReason(roleReason(invited), "Admin")).toBe(
      `Admin by an invite (invite:ann@contoso.com) since ${SINCE}`,
    );
  });
});

describe("planDemotion", () => {
  it("drops an invite's grant to the role the groups give", () => {
    expect(planDemotion(base)).toEqual({
      kind: "demote",
      role: "User",
      source: { kind: "default" },
      stillAdmin: false,
    });
  });

  it("keeps Admin through a mapped group, even for the last Admin (nothing is lost)", () => {
    const computed = { role: "Admin", source: mapped };
    expect(planDemotion({ ...base, computed, othersWhoCanSignIn: 0 })).toEqual({
      kind: "demote",
      role: "Admin",
      source: mapped,
      stillAdmin: true,
    });
  });

  it("demotes a kept last Admin once another Admin can sign in", () => {
    const kept: RoleSource = { kind: "kept", reason: "last-admin", computed: "Manager", since: SINCE };
    const computed = { role: "Manager", source: { ...mapped, mapping: { group: { id: "g1" }, role: "Manager" } } };
    expect(planDemotion({ ...base, source: kept, computed })).toMatchObject({
      kind: "demote",
      role: "Manager",
      stillAdmin: false,
    });
  });

  it.each([
    ["the last Admin who can sign in", { othersWhoCanSignIn: 0 }, 409, "user", /last Admin who can sign in/],
    ["oneself", { self: true }, 422, "user", /cannot demote yourself/],
    ["an Admin by mapping", { source: mapped }, 409, "group", /mapping of group Ops.*role unmap --group g1/],
    ["a user who is not Admin", { role: "Manager" }, 409, "user", /not an Admin \(their role is Manager\)/],
    ["an Admin by the default role", { source: { kind: "default" } as RoleSource }, 409, "user", /default role/],
  ])("refuses %s", (_, change, status, field, detail) => {
    const plan = planDemotion({ ...base, ...change });
    expect(plan).toMatchObject({ kind: "refused", status, field });
    expect(plan.kind === "refused" && plan.detail).toMatch(detail);
  });
});
