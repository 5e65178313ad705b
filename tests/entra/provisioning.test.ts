import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { runAdmin } from "../../local/cli/admin.js";
import { GROUP, client, entraUser, patch, q, startTestHost, type Client, devToken } from "../helpers/host.js";

/** What provisioning means in the product, over HTTP (as Entra drives it) and the admin CLI. */

let host: RunningHost;
let scim: Client;
let tenant: string;
let clock = new Date("2026-11-23T10:00:00.000Z");

beforeAll(async () => {
  ({ host, scim } = await startTestHost({ now: () => clock }));
  tenant = host.defaultTenant!.id;
});
afterAll(async () => host?.close());

/** Runs the admin CLI against the host's store; returns parsed --json output. */
async function admin(...argv: string[]): Promise<any> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin([...argv, "--tenant", tenant, "--json"], {
    services: host.services,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  if (code !== 0) throw new Error(`admin ${argv.join(" ")} failed: ${err.join("\n")}`);
  return JSON.parse(out.join("\n"));
}

/** Settings are cached for up to 5 s, as in production: move the clock past that after a change. */
const later = (ms = 6000) => (clock = new Date(clock.getTime() + ms));

async function user(userName: string, extra: Record<string, unknown> = {}) {
  const res = await scim.post("/Users", entraUser(userName, extra));
  expect(res.status).toBe(201);
  return res.body;
}
async function group(displayName: string, members: string[] = []) {
  const res = await scim.post("/Groups", { schemas: [GROUP], displayName, externalId: `obj-${displayName}` });
  expect(res.status).toBe(201);
  if (members.length) await addMembers(res.body.id, members);
  return res.body;
}
const addMembers = async (groupId: string, ids: string[]) =>
  expect(
    (
      await scim.patch(
        `/Groups/${groupId}`,
        patch({ op: "Add", path: "members", value: ids.map((value) => ({ value })) }),
      )
    ).status,
  ).toBe(204);
const removeMember = async (groupId: string, id: string) =>
  expect(
    (await scim.patch(`/Groups/${groupId}`, patch({ op: "Remove", path: "members", value: [{ value: id }] }))).status,
  ).toBe(204);

describe("identity linking and login types", () => {
  it("links a provisioned user for Entra sign-in through its externalId, and follows a changed object ID", async () => {
    const u = await user("link@contoso.com", { externalId: "11111111-aaaa-4bbb-8ccc-000000000001" });
    expect(await admin("user", "show", "--user", u.id)).toMatchObject({
      status: "active",
      loginTypes: ["entra"],
      objectId: "11111111-aaaa-4bbb-8ccc-000000000001",
      canSignIn: { password: false, entra: true },
    });
    await scim.patch(
      `/Users/${u.id}`,
      patch({ op: "Replace", path: "externalId", value: "11111111-aaaa-4bbb-8ccc-000000000002" }),
    );
    expect((await admin("user", "show", "--user", u.id)).objectId).toBe("11111111-aaaa-4bbb-8ccc-000000000002");
  });

  it("lets Entra find and link a user that existed before provisioning, instead of creating a duplicate", async () => {
    const created = await admin("user", "create", "--user-name", "Pre.Existing@contoso.com");
    expect((await admin("user", "show", "--user", created.id)).loginTypes).toEqual(["password"]);
    const lookup = await scim.get(`/Users?filter=${q('userName eq "pre.existing@CONTOSO.com"')}`);
    expect(lookup.body.Resources.map((r: { id: string }) => r.id)).toEqual([created.id]);
    expect((await scim.post("/Users", entraUser("pre.existing@contoso.com"))).status).toBe(409);
    await scim.patch(
      `/Users/${created.id}`,
      patch({ op: "Add", path: "externalId", value: "22222222-aaaa-4bbb-8ccc-000000000001" }),
    );
    expect(await admin("user", "show", "--user", created.id)).toMatchObject({
      loginTypes: ["password", "entra"],
      objectId: "22222222-aaaa-4bbb-8ccc-000000000001",
    });
  });

  it("lets an admin set the object ID by hand, and honours the tenant's login types", async () => {
    const created = await admin("user", "create", "--user-name", "byhand@contoso.com");
    await admin("user", "set-object-id", "--user", created.id, "--object-id", "33333333-aaaa-4bbb-8ccc-000000000001");
    expect((await admin("user", "show", "--user", created.id)).loginTypes).toEqual(["password", "entra"]);
    await admin("login-types", "set", "--types", "entra");
    later();
    expect(await admin("user", "show", "--user", created.id)).toMatchObject({
      loginTypes: ["entra"],
      canSignIn: { password: false, entra: true },
    });
    await admin("login-types", "set", "--types", "password,entra");
    later();
  });
});

describe("disconnect and delete", () => {
  it("disconnects on active=false, keeping teams and role, and comes back intact on active=true", async () => {
    const u = await user("disc@contoso.com", { externalId: "44444444-aaaa-4bbb-8ccc-000000000001" });
    const g = await group("Disc Managers", [u.id]);
    await admin("role", "map", "--group", "Disc Managers", "--role", "Manager");
    const before = await admin("user", "show", "--user", u.id);
    expect(before).toMatchObject({ role: "Manager", teams: [{ id: g.id, name: "Disc Managers", viaGroup: g.id }] });
    await scim.patch(`/Users/${u.id}`, patch({ op: "Replace", path: "active", value: "False" }));
    const off = await admin("user", "show", "--user", u.id);
    expect(off).toEqual({ ...before, status: "disconnected", canSignIn: { password: false, entra: false } });
    await scim.patch(`/Users/${u.id}`, patch({ op: "Replace", path: "active", value: "True" }));
    expect(await admin("user", "show", "--user", u.id)).toEqual(before);
  });

  it("keeps a deleted user's record for the tenant's retention period (Cosmos TTL), invisible to SCIM", async () => {
    await admin("tenant", "set", "--retention-days", "7");
    later();
    const u = await user("deleted@contoso.com");
    const g = await group("Deleted Team", [u.id]);
    expect((await scim.delete(`/Users/${u.id}`)).status).toBe(204);
    expect((await scim.get(`/Users/${u.id}`)).status).toBe(404);
    const container = host.services.resources["container" as keyof typeof host.services.resources] as any;
    const { resource } = await container.item(u.id, tenant).read();
    expect(resource).toMatchObject({
      kind: "DeletedUser",
      ttl: 7 * 86400,
      deletedAt: clock.toISOString(),
      formerGroups: [g.id],
      resource: { userName: "deleted@contoso.com" },
    });
    expect((await scim.post("/Users", entraUser("deleted@contoso.com"))).status).toBe(201);
    await expect(admin("user", "show", "--user", u.id)).rejects.toThrow(/no user/);
  });
});

describe("teams", () => {
  it("makes every provisioned group a team, unless an admin maps the group onto an existing team", async () => {
    const u = await user("teams@contoso.com");
    const own = await group("Own Team", [u.id]);
    const mapped = await group("Entra Consultants", [u.id]);
    const team = await admin("team", "create", "--name", "Consultants");
    await admin("team", "map", "--group", "obj-Entra Consultants", "--team", "Consultants");
    later();
    expect((await admin("user", "show", "--user", u.id)).teams).toEqual([
      { id: team.id, name: "Consultants", viaGroup: mapped.id },
      { id: own.id, name: "Own Team", viaGroup: own.id },
    ]);
    const listed = await admin("team", "list");
    expect(listed.teams.find((t: { id: string }) => t.id === team.id)).toMatchObject({
      ...team,
      source: "product",
      groups: [{ group: mapped.id, groupName: "Entra Consultants", members: 1, pending: false }],
    });
    const provisioned = listed.teams
      .filter((t: { source: string }) => t.source === "entra")
      .map((t: { id: string }) => t.id);
    expect(provisioned).toContain(own.id);
    expect(provisioned).not.toContain(mapped.id);
  });
});

describe("roles", () => {
  it("follows group membership both ways and says which group and mapping gave the role", async () => {
    const u = await user("roles@contoso.com");
    const managers = await group("Role Managers");
    await admin("role", "map", "--group", "Role Managers", "--role", "manager");
    later();
    expect(await admin("user", "show", "--user", u.id)).toMatchObject({
      role: "User",
      roleSource: { kind: "default" },
    });
    await addMembers(managers.id, [u.id]);
    expect(await admin("user", "show", "--user", u.id)).toMatchObject({
      role: "Manager",
      roleSource: {
        kind: "group",
        groupId: managers.id,
        groupName: "Role Managers",
        mapping: { group: { id: managers.id }, role: "Manager" },
      },
    });
    await removeMember(managers.id, u.id);
    expect(await admin("user", "show", "--user", u.id)).toMatchObject({
      role: "User",
      roleSource: { kind: "default" },
    });
  });

  it("recomputes members' roles when a mapping is added or removed, and takes the highest role", async () => {
    const u = await user("highest@contoso.com");
    const a = await group("High A", [u.id]);
    await group("High B", [u.id]);
    await admin("role", "map", "--group", a.id, "--role", "Manager");
    expect((await admin("user", "show", "--user", u.id)).role).toBe("Manager");
    await admin("role", "map", "--group", "obj-High B", "--role", "Admin");
    expect((await admin("user", "show", "--user", u.id)).role).toBe("Admin");
    await admin("role", "map", "--group", "Second admins", "--role", "Admin", "--pending");
    await group("Second admins", [(await user("second-admin@contoso.com")).id]);
    await admin("role", "unmap", "--group", "obj-High B");
    expect((await admin("user", "show", "--user", u.id)).role).toBe("Manager");
  });

  it("never removes the last Admin: the membership changes, the role is kept and the conflict is logged", async () => {
    // A tenant of its own, so that no other test's admins count.
    const second = await host.services.tenants.create("Last admin", clock);
    const { secret } = await devToken(host.services, second.id, "entra", clock);
    const other = async (...argv: string[]) => {
      const out: string[] = [];
      expect(
        await runAdmin([...argv, "--tenant", second.id, "--json"], {
          services: host.services,
          out: (t) => out.push(t),
          err: () => {},
        }),
      ).toBe(0);
      return JSON.parse(out.join("\n"));
    };
    {
      const s = client(host, secret);
      const boss = (await s.post("/Users", entraUser("boss@contoso.com"))).body;
      const admins = (await s.post("/Groups", { schemas: [GROUP], displayName: "Admins" })).body;
      await other("role", "map", "--group", "Admins", "--role", "Admin");
      later();
      await s.patch(`/Groups/${admins.id}`, patch({ op: "Add", path: "members", value: [{ value: boss.id }] }));
      expect((await other("user", "show", "--user", boss.id)).role).toBe("Admin");
      await s.patch(`/Groups/${admins.id}`, patch({ op: "Remove", path: "members", value: [{ value: boss.id }] }));
      expect((await s.get(`/Groups/${admins.id}`)).body.members).toBeUndefined();
      expect(await other("user", "show", "--user", boss.id)).toMatchObject({
        role: "Admin",
        roleSource: { kind: "kept", reason: "last-admin", computed: "User" },
      });
      const conflicts = await other("audit", "list", "--operation", "role-conflict");
      expect(conflicts).toEqual([
        expect.objectContaining({
          resourceId: boss.id,
          status: 409,
          detail: expect.stringMatching(/last active Admin/),
        }),
      ]);

      const deputy = (await s.post("/Users", entraUser("deputy@contoso.com"))).body;
      await s.patch(
        `/Groups/${admins.id}`,
        patch({ op: "Add", path: "members", value: [{ value: deputy.id }, { value: boss.id }] }),
      );
      await s.patch(`/Groups/${admins.id}`, patch({ op: "Remove", path: "members", value: [{ value: boss.id }] }));
      expect((await other("user", "show", "--user", boss.id)).role).toBe("User");
      expect((await other("user", "show", "--user", deputy.id)).role).toBe("Admin");

      // Entra disconnects the last active Admin: carried out, and flagged for the product's admins.
      expect(
        (await s.patch(`/Users/${deputy.id}`, patch({ op: "Replace", path: "active", value: "False" }))).status,
      ).toBe(200);
      const flagged = await other("audit", "list", "--operation", "role-conflict");
      expect(flagged[0]).toMatchObject({
        resourceId: deputy.id,
        detail: expect.stringMatching(/disconnected user deputy@contoso.com, the last active Admin/),
      });
      expect(flagged).toHaveLength(2);
    }
  });
});

describe("roles stay right when requests fail, race or repeat", () => {
  it("recomputes the role of every user a removal names, so a retried request completes an earlier partial one", async () => {
    const u = await user("retried@contoso.com");
    const g = await group("Retry Managers", [u.id]);
    await admin("role", "map", "--group", g.id, "--role", "Manager");
    expect((await admin("user", "show", "--user", u.id)).role).toBe("Manager");
    // An earlier attempt removed the membership and then failed before the role was recomputed.
    const container = host.services.resources["container" as keyof typeof host.services.resources] as any;
    await container.item(`mb.${g.id}.${u.id}`, tenant).delete();
    await removeMember(g.id, u.id);
    expect(await admin("user", "show", "--user", u.id)).toMatchObject({
      role: "User",
      roleSource: { kind: "default" },
    });
  });

  it("keeps the last active Admin when the only other Admin is disconnected", async () => {
    const second = await host.services.tenants.create("Disconnected admins", clock);
    const { secret } = await devToken(host.services, second.id, "entra", clock);
    const s = client(host, secret);
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      expect(
        await runAdmin([...argv, "--tenant", second.id, "--json"], {
          services: host.services,
          out: (t) => out.push(t),
          err: () => {},
        }),
      ).toBe(0);
      return JSON.parse(out.join("\n"));
    };
    const a = (await s.post("/Users", entraUser("a@admins.test"))).body;
    const b = (await s.post("/Users", entraUser("b@admins.test"))).body;
    const g = (await s.post("/Groups", { schemas: [GROUP], displayName: "Admins" })).body;
    await run("role", "map", "--group", "Admins", "--role", "Admin");
    later();
    await s.patch(`/Groups/${g.id}`, patch({ op: "Add", path: "members", value: [{ value: a.id }, { value: b.id }] }));
    await s.patch(`/Users/${b.id}`, patch({ op: "Replace", path: "active", value: false }));
    await s.patch(`/Groups/${g.id}`, patch({ op: "Remove", path: "members", value: [{ value: a.id }] }));
    expect(await run("user", "show", "--user", a.id)).toMatchObject({ role: "Admin", roleSource: { kind: "kept" } });
  });

  it("never undoes an object ID set by hand, by a role change or by an unrelated SCIM write", async () => {
    const u = await user("handset@contoso.com", { externalId: "entra-object-1" });
    await admin("user", "set-object-id", "--user", u.id, "--object-id", "44444444-aaaa-4bbb-8ccc-000000000002");
    const g = await group("Handset Managers");
    await admin("role", "map", "--group", g.id, "--role", "Manager");
    await addMembers(g.id, [u.id]);
    await scim.patch(`/Users/${u.id}`, patch({ op: "Replace", path: "title", value: "Lead" }));
    expect(await admin("user", "show", "--user", u.id)).toMatchObject({
      objectId: "44444444-aaaa-4bbb-8ccc-000000000002",
      role: "Manager",
    });
    await scim.patch(`/Users/${u.id}`, patch({ op: "Replace", path: "externalId", value: "entra-object-3" }));
    expect((await admin("user", "show", "--user", u.id)).objectId).toBe("entra-object-3");
  });

  it("leaves no membership of a user deleted while it was being added to a group", async () => {
    const g = await group("Racing");
    for (let i = 0; i < 8; i++) {
      const u = await user(`racer${i}@contoso.com`);
      await Promise.all([addMembers(g.id, [u.id]).catch(() => {}), scim.delete(`/Users/${u.id}`)]);
    }
    expect((await scim.get(`/Groups/${g.id}`)).body.members).toBeUndefined();
  });
});

describe("provisioning log", () => {
  it("records a group created with members, with the member count", async () => {
    const u = await user("founder@contoso.com");
    const res = await scim.post("/Groups", { schemas: [GROUP], displayName: "Founded", members: [{ value: u.id }] });
    expect(res.status).toBe(201);
    const events = await admin("audit", "list", "--resource", res.body.id);
    expect(events).toEqual([
      expect.objectContaining({
        operation: "create",
        status: 201,
        changedAttributes: ["displayName", "members"],
        members: { added: 1, removed: 0 },
      }),
    ]);
  });

  it("records every SCIM write with time, token name, operation, resource, changed attributes and status, never secrets", async () => {
    const u = await user("audited@contoso.com");
    await scim.patch(
      `/Users/${u.id}`,
      patch({ op: "Replace", path: "title", value: "Lead" }, { op: "Replace", path: "name.givenName", value: "Ann" }),
    );
    expect((await scim.post("/Users", entraUser("audited@contoso.com"))).status).toBe(409);
    await scim.delete(`/Users/${u.id}`);
    const events = await admin("audit", "list", "--resource", u.id);
    expect(events.map((e: { operation: string; status: number }) => [e.operation, e.status])).toEqual([
      ["delete", 204],
      ["patch", 200],
      ["create", 201],
    ]);
    expect(events[1]).toMatchObject({
      tokenName: "local",
      time: clock.toISOString(),
      resourceType: "User",
      changedAttributes: ["name.givenName", "title"],
    });
    const failures = (await admin("audit", "list", "--operation", "create")).filter(
      (e: { status: number }) => e.status === 409,
    );
    expect(failures[0]).toMatchObject({ resourceType: "User", detail: expect.stringMatching(/already used/) });
    const all = JSON.stringify(await admin("audit", "list", "--limit", "1000"));
    expect(all).not.toContain(host.defaultTenant!.token);
  });

  it("records group member changes with counts, pages newest first, and expires events after the tenant's retention", async () => {
    await admin("tenant", "set", "--audit-retention-days", "30");
    later();
    const u = await user("counted@contoso.com");
    const g = await group("Counted");
    clock = new Date(clock.getTime() + 1000);
    await addMembers(g.id, [u.id]);
    const [latest] = await admin("audit", "list", "--resource", g.id, "--limit", "1");
    expect(latest).toMatchObject({
      operation: "patch",
      status: 204,
      changedAttributes: ["members"],
      members: { added: 1, removed: 0 },
    });
    const second = await admin("audit", "list", "--resource", g.id, "--limit", "1", "--page", "2");
    expect(second).toEqual([expect.objectContaining({ operation: "create" })]);
    // The log has its own container, partitioned by tenant and month.
    const log = host.services.auditLog["log" as keyof typeof host.services.auditLog] as any;
    const { resource } = await log.item(latest.id, `${tenant}|${latest.time.slice(0, 7)}`).read();
    expect(resource.ttl).toBe(30 * 86400);
  });

  it("records the admin CLI's writes like Entra's, by the same operations, naming the CLI as the actor", async () => {
    const created = await admin("user", "create", "--user-name", "cli-made@contoso.com");
    await admin("user", "set-object-id", "--user", created.id, "--object-id", "7b1c2d3e-0000-4000-8000-000000000001");
    await admin("role", "map", "--group", "CLI Managers", "--role", "Manager", "--pending");
    await admin("login-types", "set", "--types", "password,entra");
    const events = await admin("audit", "list", "--limit", "10");
    const byCli = events
      .filter((e: { tokenName: string }) => e.tokenName === "admin-cli")
      .map((e: { operation: string; resourceId?: string; status: number }) => [e.operation, e.resourceId, e.status]);
    expect(byCli.slice(0, 4)).toEqual([
      ["login-types", tenant, 200],
      ["role-map", "CLI Managers", 200],
      ["set-object-id", created.id, 200],
      ["create", created.id, 201],
    ]);
    const [create] = await admin("audit", "list", "--resource", created.id, "--operation", "create");
    expect(create).toMatchObject({
      resourceType: "User",
      tokenId: "admin-cli",
      changedAttributes: ["active", "userName"],
    });
  });

  it("records a CLI write that the operation refuses, with its detail", async () => {
    await user("taken@contoso.com");
    const out: string[] = [];
    const err: string[] = [];
    expect(
      await runAdmin(["user", "create", "--user-name", "TAKEN@contoso.com", "--tenant", tenant], {
        services: host.services,
        out: (t) => out.push(t),
        err: (t) => err.push(t),
      }),
    ).toBe(2);
    expect(err).toEqual([
      expect.stringMatching(/^error: User userName 'TAKEN@contoso.com' is already used by User \S+/),
    ]);
    const [refused] = await admin("audit", "list", "--operation", "create", "--limit", "1");
    expect(refused).toMatchObject({
      tokenName: "admin-cli",
      status: 409,
      detail: expect.stringMatching(/already used/),
    });
  });
});
