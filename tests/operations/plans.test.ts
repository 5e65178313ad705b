import { describe, expect, it } from "vitest";
import { planCreate, planDelete, planPatch, planReplace } from "../../shared/operations/plans.js";
import { withDefaults } from "../../shared/product/settings.js";
import type { AuditDraft } from "../../shared/store/audit-log.js";
import type { ResourceDoc } from "../../shared/store/resources.js";
import { URN } from "../../shared/scim/urns.js";
import { ifMatchHolds } from "../../shared/scim/versions.js";
import { checkManager, checkMembers } from "../../shared/scim/references.js";

/** The plans of the SCIM writes are pure: loaded documents and a parsed request in, documents to write out. */

const now = new Date("2026-03-01T10:00:00.000Z");
const settings = withDefaults({});
const draft: AuditDraft = {
  time: now.toISOString(),
  tokenName: "entra",
  tokenId: "t1",
  operation: "patch",
  status: 204,
  ttlSeconds: 3600,
};
const group: ResourceDoc = {
  id: "g1",
  tenantId: "tn",
  kind: "Group",
  resource: { schemas: [URN.group], displayName: "Sales" },
  meta: { created: "2026-01-01T00:00:00.000Z", lastModified: "2026-01-01T00:00:00.000Z" },
  _etag: '"e1"',
};
const user: ResourceDoc = {
  id: "u1",
  tenantId: "tn",
  kind: "User",
  resource: { schemas: [URN.user], userName: "ann@contoso.com", active: true },
  meta: { created: "2026-01-01T00:00:00.000Z", lastModified: "2026-01-01T00:00:00.000Z" },
  product: { password: false, role: "User", roleSource: { kind: "default" } },
  _etag: '"e2"',
};

describe("planPatch", () => {
  it("plans no document write for a group member add, only the member delta", () => {
    const plan = planPatch(
      group,
      [{ op: "add", path: "members", value: [{ value: "u1" }, { value: "u2" }] }],
      now,
      settings,
      draft,
    );
    expect(plan.write).toBeUndefined();
    expect(plan.patch.members).toStrictEqual({ kind: "delta", add: ["u1", "u2"], remove: [] });
    expect(plan.patch.changedAttributes).toStrictEqual(["members"]);
  });

  it("plans the next group document, guarded by the loaded one, with its log event, when the name changes too", () => {
    const plan = planPatch(
      group,
      [
        { op: "replace", path: "displayName", value: "Sales EU" },
        { op: "add", path: "members", value: [{ value: "u1" }] },
      ],
      now,
      settings,
      draft,
    );
    expect(plan.write?.before).toBe(group);
    expect(plan.write?.next).toStrictEqual({
      id: "g1",
      tenantId: "tn",
      kind: "Group",
      resource: { schemas: [URN.group], displayName: "Sales EU" },
      meta: { created: "2026-01-01T00:00:00.000Z", lastModified: now.toISOString() },
    });
    expect(plan.write?.event?.event).toMatchObject({
      resourceType: "Group",
      resourceId: "g1",
      resourceName: "Sales EU",
      changedAttributes: ["displayName"],
      status: 204,
      ttl: 3600,
    });
  });

  it("refuses a patch whose result is not a valid resource before planning a write", () => {
    expect(() => planPatch(user, [{ op: "replace", path: "userName", value: "" }], now, settings)).toThrow(/userName/);
  });

  it("links a user to the Entra object ID its patch sets", () => {
    const plan = planPatch(user, [{ op: "replace", path: "externalId", value: "oid-1" }], now, settings);
    expect(plan.write?.next.product).toMatchObject({ objectId: "oid-1", objectIdSource: "scim" });
    expect(plan.write?.event).toBeUndefined();
  });
});

describe("planCreate", () => {
  it("plans a new user with the default role, linked by its externalId, and its log event in the same write", () => {
    const write = planCreate({
      tenantId: "tn",
      id: "new-1",
      now,
      type: "User",
      resource: { schemas: [URN.user], userName: "bob@contoso.com", externalId: "oid-2" },
      settings,
      draft: { ...draft, operation: "create", status: 201 },
    });
    expect(write.before).toBeUndefined();
    expect(write.next).toStrictEqual({
      id: "new-1",
      tenantId: "tn",
      kind: "User",
      resource: { schemas: [URN.user], userName: "bob@contoso.com", externalId: "oid-2" },
      meta: { created: now.toISOString(), lastModified: now.toISOString() },
      product: {
        password: false,
        objectId: "oid-2",
        objectIdSource: "scim",
        role: settings.defaultRole,
        roleSource: { kind: "default" },
      },
    });
    expect(write.event?.event).toMatchObject({
      operation: "create",
      status: 201,
      resourceId: "new-1",
      resourceName: "bob@contoso.com",
    });
  });

  it("stores the product state an admin gives instead of linking", () => {
    const product = { password: true, role: "Admin", roleSource: { kind: "admin" } };
    const write = planCreate({
      tenantId: "tn",
      id: "new-2",
      now,
      type: "User",
      resource: { userName: "c@contoso.com" },
      settings,
      product,
    });
    expect(write.next.product).toBe(product);
    expect(write.event).toBeUndefined();
  });
});

describe("planReplace and planDelete", () => {
  it("keeps a user's link when the replacement leaves externalId alone", () => {
    const linked = { ...user, product: { ...user.product, objectId: "by-hand", objectIdSource: "admin" } };
    expect(planReplace(linked, { ...user.resource, displayName: "Ann" }, now, settings).next.product).toBe(
      linked.product,
    );
  });

  it("keeps a deleted user for the retention period with its former groups, and removes a group", () => {
    const kept = planDelete(user, now, draft, { retentionSeconds: 60, formerGroups: ["g1"] });
    expect(kept).toMatchObject({
      before: user,
      next: { kind: "DeletedUser", ttl: 60, formerGroups: ["g1"], deletedAt: now.toISOString() },
    });
    expect(kept.remove).toBeUndefined();
    expect(planDelete(group, now, draft)).toMatchObject({ before: group, remove: true, next: { id: "g1" } });
  });
});

describe("the rules a write checks", () => {
  it.each([
    [undefined, true],
    ["*", true],
    ['W/"e1"', true],
    ['"e0", W/"e1"', true],
    ['W/"e0"', false],
  ])('If-Match %s against version W/"e1" holds: %s', (ifMatch, holds) => {
    expect(ifMatchHolds(ifMatch, 'W/"e1"')).toBe(holds);
  });

  it("refuses a member that is a group or unknown, and a manager that is not a user", () => {
    const kinds: Record<string, string> = { u1: "User", g2: "Group" };
    const kindOf = (id: string) => kinds[id];
    expect(() => checkMembers(["u1"], kindOf, "g1")).not.toThrow();
    expect(() => checkMembers(["u1", "g2"], kindOf, "g1")).toThrow(/Nested groups are not supported: 'g2' is a Group/);
    expect(() => checkMembers(["u9"], kindOf, "g1")).toThrow(/No User with id 'u9' exists/);
    expect(() => checkManager("g2", kindOf)).toThrow(/which is a Group/);
  });
});
