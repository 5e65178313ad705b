import { describe, expect, it } from "vitest";
import { planGrant, type GrantInput } from "../../shared/product/admins.js";

/** Making an existing user Admin directly (`admin grant`): who may be, and why not. */

const base: GrantInput = {
  userName: "kim@contoso.dev",
  admin: "Admin",
  role: "User",
  source: { kind: "default" },
  status: "active",
};

describe("planGrant", () => {
  it.each([
    ["a user with the default role", {}],
    [
      "a Manager through a group",
      {
        role: "Manager",
        source: { kind: "group", groupId: "g1", groupName: "Leads", mapping: { group: { id: "g1" }, role: "Manager" } },
      },
    ],
  ] as [string, Partial<GrantInput>][])("grants %s", (_, change) => {
    expect(planGrant({ ...base, ...change })).toEqual({ kind: "grant" });
  });

  it.each([
    [
      "a disconnected user",
      { status: "disconnected" },
      /^kim@contoso.dev is disconnected .*Assign them to the app in Entra again/,
    ],
    [
      "an Admin by an invite",
      { role: "Admin", source: { kind: "admin", grantedBy: "invite:kim@contoso.dev", since: "2026-01-01" } },
      /is Admin already \(Admin by an invite/,
    ],
    [
      "an Admin another Admin granted",
      { role: "Admin", source: { kind: "admin", grantedBy: "portal:ann", since: "2026-01-01" } },
      /Admin granted by portal:ann/,
    ],
    [
      "an Admin through a group",
      {
        role: "Admin",
        source: { kind: "group", groupId: "g2", groupName: "Owners", mapping: { group: { id: "g2" }, role: "Admin" } },
      },
      /through group Owners/,
    ],
  ] as [string, Partial<GrantInput>, RegExp][])("refuses %s with 409 and what to do", (_, change, detail) => {
    const plan = planGrant({ ...base, ...change });
    expect(plan).toMatchObject({ kind: "refused", status: 409, field: "user" });
    expect(plan.kind === "refused" && plan.detail).toMatch(detail);
  });
});
