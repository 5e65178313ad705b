import { describe, expect, it } from "vitest";
import {
  memberChunkSize,
  planCreate,
  planDelete,
  planMemberChunk,
  planPatch,
  planReplace,
  roleEvent,
} from "../../shared/operations/plans.js";
import { memberDoc } from "../../shared/store/memberships.js";
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
      "entra",
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
      "entra",
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
    expect(() => planPatch(user, [{ op: "replace", path: "userName", value: "" }], now, settings, "entra")).toThrow(
      /userName/,
    );
  });

  it("links a user to the Entra object ID its patch sets", () => {
    const plan = planPatch(user, [{ op: "replace", path: "externalId", value: "oid-1" }], now, settings, "entra");
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
      actor: "entra",
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
      actor: "admin-cli",
    });
    expect(write.next.product).toBe(product);
    expect(write.event).toBeUndefined();
  });
});

describe("planReplace and planDelete", () => {
  it("keeps a user's link when the replacement leaves externalId alone", () => {
    const linked = { ...user, product: { ...user.product, objectId: "by-hand", objectIdSource: "admin" } };
    expect(planReplace(linked, { ...user.resource, displayName: "Ann" }, now, settings, "entra").next.product).toBe(
      linked.product,
    );
  });

  it("keeps a deleted user for the retention period with its former groups, and removes a group", () => {
    const kept = planDelete(user, now, "entra", draft, { retentionSeconds: 60, formerGroups: ["g1"] });
    expect(kept).toMatchObject({
      before: user,
      next: { kind: "DeletedUser", ttl: 60, formerGroups: ["g1"], deletedAt: now.toISOString() },
    });
    expect(kept.remove).toBeUndefined();
    expect(planDelete(group, now, "entra", draft)).toMatchObject({ before: group, remove: true, next: { id: "g1" } });
  });
});

describe("the provisioning events a write plans (in its batch)", () => {
  const types = (w: { events?: { type: string }[] }) => (w.events ?? []).map((e) => e.type);

  it("a created user is one user.created event with its attributes and never its password", () => {
    const write = planCreate({
      tenantId: "tn",
      id: "new-3",
      now,
      type: "User",
      resource: { schemas: [URN.user], userName: "d@contoso.com", password: "S3cret!" },
      settings,
      actor: "entra",
    });
    expect(types(write)).toStrictEqual(["user.created"]);
    expect(write.events![0]).toMatchObject({
      kind: "Event",
      tenantId: "tn",
      resourceType: "User",
      resourceId: "new-3",
      actor: "entra",
      pending: true,
      time: now.toISOString(),
      data: { userName: "d@contoso.com" },
    });
    expect(JSON.stringify(write.events)).not.toContain("S3cret!");
  });

  it("a disconnect is user.deactivated, a reconnect user.activated, and other attributes changed with it user.changed", () => {
    const off = planPatch(user, [{ op: "replace", path: "active", value: false }], now, settings, "entra");
    expect(types(off.write!)).toStrictEqual(["user.deactivated"]);
    const inactive = { ...user, resource: { ...user.resource, active: false } };
    const on = planPatch(
      inactive,
      [
        { op: "replace", path: "active", value: true },
        { op: "replace", path: "displayName", value: "Ann B" },
      ],
      now,
      settings,
      "entra",
    );
    expect(types(on.write!)).toStrictEqual(["user.activated", "user.changed"]);
    expect(on.write!.events![1]!.changedAttributes).toStrictEqual(["displayName"]);
  });

  it("a deleted user or group is one *.deleted event carrying what it was; a member-only patch plans no event here", () => {
    expect(types(planDelete(user, now, "entra", draft, { retentionSeconds: 60 }))).toStrictEqual(["user.deleted"]);
    const gone = planDelete(group, now, "entra", draft);
    expect(types(gone)).toStrictEqual(["group.deleted"]);
    expect(gone.events![0]!.data).toMatchObject({ displayName: group.resource.displayName });
    const members = planPatch(group, [{ op: "add", path: "members", value: [{ value: "u1" }] }], now, settings, "e");
    expect(members.write).toBeUndefined();
  });

  it("a role change is a role.changed event saying from, to and why; no change, no event", () => {
    const fields = {
      role: "Manager",
      roleSource: {
        kind: "group",
        groupId: "g1",
        groupName: "Sales",
        mapping: { group: { id: "g1" }, role: "Manager" },
      },
    };
    expect(roleEvent("tn", "entra", now, user, fields)).toMatchObject({
      type: "role.changed",
      resourceId: "u1",
      role: { from: "User", to: "Manager", because: "member of group Sales (g1), mapped to Manager" },
    });
    expect(roleEvent("tn", "entra", now, user, { role: "User", roleSource: { kind: "default" } })).toBeUndefined();
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

describe("planMemberChunk (a chunk of a membership change, one batch)", () => {
  const mapped = withDefaults({ roleMappings: [{ group: { id: "g1" }, role: "Manager" }] } as never);
  const other: ResourceDoc = { ...user, id: "u2", _etag: '"e3"' };
  const admin: ResourceDoc = {
    ...user,
    id: "u3",
    product: { password: false, role: "Admin", roleSource: { kind: "group", group: { id: "g9" } } },
    _etag: '"e4"',
  };

  it("writes only the memberships that change, and one event naming exactly them", () => {
    const plan = planMemberChunk(
      { tenantId: "tn", group, side: "add", userIds: ["u1", "u2"], present: new Set(["u2"]) },
      settings,
      now,
      "entra",
    );
    expect(plan.changed).toStrictEqual(["u1"]);
    expect(plan.writes).toHaveLength(2);
    expect(plan.writes[0]).toStrictEqual({ create: memberDoc("tn", "g1", "u1", now.toISOString()) });
    expect(plan.writes[1]).toMatchObject({
      create: { kind: "Event", type: "membership.added", resourceId: "g1", members: ["u1"] },
    });
  });

  it("writes nothing when every membership is already as asked (a retried request)", () => {
    const plan = planMemberChunk(
      { tenantId: "tn", group, side: "remove", userIds: ["u1"], present: new Set() },
      settings,
      now,
      "entra",
    );
    expect(plan).toStrictEqual({ writes: [], changed: [], careful: [] });
  });

  it("puts the role a mapped group gives, and its role.changed event, in the membership's batch, guarded by the user's ETag", () => {
    const plan = planMemberChunk(
      {
        tenantId: "tn",
        group,
        side: "add",
        userIds: ["u1"],
        present: new Set(),
        users: [{ user, otherGroups: [] }],
      },
      mapped,
      now,
      "entra",
    );
    expect(plan.writes.map((w) => ("create" in w ? w.create.kind : "delete" in w ? "delete" : "replace"))).toEqual([
      "Member",
      "Event",
      "replace",
      "Event",
    ]);
    const replace = plan.writes[2] as { replace: ResourceDoc; before: ResourceDoc };
    expect(replace.before).toBe(user);
    expect(replace.replace.product).toMatchObject({ role: "Manager", roleSource: { kind: "group" } });
    expect(plan.writes[3]).toMatchObject({
      create: { type: "role.changed", resourceId: "u1", role: { from: "User", to: "Manager" } },
    });
  });

  it("takes the role away with the membership of a removed member, and keeps it for one another group still gives", () => {
    const leads: ResourceDoc = { ...group, id: "g2", resource: { schemas: [URN.group], displayName: "Leads" } };
    const both = withDefaults({
      roleMappings: [
        { group: { id: "g1" }, role: "Manager" },
        { group: { id: "g2" }, role: "Manager" },
      ],
    } as never);
    /** The user as a plan wrote it when it joined `to` (a mapped group). */
    const joined = (u: ResourceDoc, to: ResourceDoc) =>
      (
        planMemberChunk(
          {
            tenantId: "tn",
            group: to,
            side: "add",
            userIds: [u.id],
            present: new Set(),
            users: [{ user: u, otherGroups: [] }],
          },
          both,
          now,
          "entra",
        ).writes[2] as { replace: ResourceDoc }
      ).replace;
    const manager = joined(user, group);
    const keeps = joined({ ...user, id: "u2", _etag: '"e5"' }, leads);
    expect([manager.product?.role, keeps.product?.role]).toEqual(["Manager", "Manager"]);
    const plan = planMemberChunk(
      {
        tenantId: "tn",
        group,
        side: "remove",
        userIds: ["u1", "u2"],
        present: new Set(["u1", "u2"]),
        users: [
          { user: manager, otherGroups: [] },
          { user: keeps, otherGroups: [{ id: "g2", displayName: "Leads" }] },
        ],
      },
      both,
      now,
      "entra",
    );
    const replaced = plan.writes.flatMap((w) => ("replace" in w ? [w.replace] : []));
    expect(replaced.map((u) => [u.id, u.product?.role])).toEqual([
      ["u1", "User"],
      ["u2", "Manager"],
    ]);
    // u2's role does not change, but its write guards the plan: it fails if u2 changed since it was read.
    expect(replaced[1]).toBe(keeps);
    expect(plan.writes.filter((w) => "create" in w && w.create.kind === "Event")).toHaveLength(2);
  });

  it("leaves a user the change would demote from Admin to the last-Admin rule, after the write", () => {
    const plan = planMemberChunk(
      {
        tenantId: "tn",
        group,
        side: "remove",
        userIds: ["u3"],
        present: new Set(["u3"]),
        users: [{ user: admin, otherGroups: [] }],
      },
      withDefaults({ roleMappings: [{ group: { id: "g1" }, role: "Admin" }] } as never),
      now,
      "entra",
    );
    expect(plan.careful).toStrictEqual(["u3"]);
    expect(plan.writes.some((w) => "replace" in w)).toBe(false);
    expect(plan.writes[0]).toStrictEqual({ delete: "mb.g1.u3" });
  });

  it("sizes chunks so that a mapped group's batch stays within Cosmos DB's 100 operations", () => {
    const n = memberChunkSize(true);
    const users = Array.from({ length: n }, (_, i) => ({ user: { ...other, id: `u${i}` }, otherGroups: [] }));
    const plan = planMemberChunk(
      { tenantId: "tn", group, side: "add", userIds: users.map((u) => u.user.id), present: new Set(), users },
      mapped,
      now,
      "entra",
    );
    expect(plan.writes.length).toBeLessThanOrEqual(100);
    expect(plan.writes.length).toBe(3 * n + 1);
    expect(memberChunkSize(false) + 1).toBe(100);
  });
});
