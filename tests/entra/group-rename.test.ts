import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAdmin } from "../../local/cli/admin.js";
import type { RunningHost } from "../../local/host/host.js";
import { listRoles } from "../../shared/operations/roles.js";
import { tenantSettings } from "../../shared/operations/settings.js";
import { listTeams } from "../../shared/operations/teams.js";
import { GROUP, entraUser, patch, type Client } from "../helpers/host.js";
import { groupWithMembers, roleCounts, rolesOf, startJobsHost } from "../jobs/helpers.js";

/**
 * Role and team mappings keyed by group identity: Entra renames a mapped group (PATCH replace
 * displayName, or PUT) and no member loses a role or a team, whether the group's members are
 * recomputed inside the request or by a background job (more than 10 members here).
 */

let host: RunningHost;
let scim: Client;
let tenantId: string;
let ctx: Awaited<ReturnType<typeof startJobsHost>>["ctx"];
let container: Awaited<ReturnType<typeof startJobsHost>>["container"];

beforeAll(async () => {
  ({ host, scim, tenantId, ctx, container } = await startJobsHost());
});
afterAll(async () => host?.close());

/** The admin CLI against the host's store: exit code, printed text and (with --json) data. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin([...argv, "--tenant", tenantId], {
    services: host.services,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function users(prefix: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await scim.post("/Users", entraUser(`${prefix}${i}@contoso.com`));
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  return ids;
}

async function group(displayName: string, members: string[]): Promise<string> {
  const res = await scim.post("/Groups", {
    schemas: [GROUP],
    displayName,
    externalId: `obj-${displayName}`,
    members: members.map((value) => ({ value })),
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** As Entra renames a group: PATCH with `Replace` of displayName. */
const rename = async (groupId: string, value: string) =>
  expect((await scim.patch(`/Groups/${groupId}`, patch({ op: "Replace", path: "displayName", value }))).status).toBe(
    204,
  );

async function teamsOf(userId: string): Promise<{ name: string }[]> {
  const shown = await cli("user", "show", "--user", userId, "--json");
  expect(shown.code).toBe(0);
  return JSON.parse(shown.out).teams;
}

describe("renaming a mapped group in Entra", () => {
  it("keeps every member's role and team through a PATCH rename and a PUT, and lists the group by its new name", async () => {
    const members = await users("rename-small-", 4);
    const id = await group("Resource Managers", members);
    expect((await cli("role", "map", "--group", "Resource Managers", "--role", "Manager")).code).toBe(0);
    expect((await cli("team", "create", "--name", "Consultants")).code).toBe(0);
    expect((await cli("team", "map", "--group", "Resource Managers", "--team", "Consultants")).code).toBe(0);
    expect(await roleCounts(host, members)).toEqual({ Manager: 4 });

    await rename(id, "Resource Mgmt");
    expect(await roleCounts(host, members)).toEqual({ Manager: 4 });
    for (const m of members) expect((await teamsOf(m)).map((t) => t.name)).toEqual(["Consultants"]);
    const shown = JSON.parse((await cli("user", "show", "--user", members[0]!, "--json")).out);
    expect(shown.roleSource).toMatchObject({ kind: "group", groupId: id, groupName: "Resource Mgmt" });
    // PUT, as a client that replaces the whole group, with the members it has.
    const put = await scim.put(`/Groups/${id}`, {
      schemas: [GROUP],
      displayName: "Resource Management",
      externalId: "obj-Resource Managers",
      members: members.map((value) => ({ value })),
    });
    expect(put.status).toBe(200);
    expect(await roleCounts(host, members)).toEqual({ Manager: 4 });

    const roles = await listRoles(ctx());
    expect(roles.mappings).toContainEqual({
      group: id,
      groupId: id,
      groupName: "Resource Management",
      members: 4,
      pending: false,
      role: "Manager",
    });
    expect((await cli("role", "list")).out).toContain(`Resource Management (${id}, 4 members) -> Manager`);
    expect((await cli("team", "list")).out).toMatch(/Consultants {2}\(4 members\) {2}<- groups Resource Management/);
    // The old name no longer names anything: a new mapping by it is refused, and a group created with it is a new group.
    const stale = await cli("role", "map", "--group", "Resource Managers", "--role", "Admin");
    expect(stale.code).not.toBe(0);
    expect(stale.err).toMatch(/No provisioned group .*"Resource Managers".*--pending/);
    // Unmapped by its current name: the role goes.
    expect((await cli("role", "unmap", "--group", "Resource Management")).out).toMatch(
      /Removed the role mapping of group Resource Management; recomputed 4 member/,
    );
    expect(await roleCounts(host, members)).toEqual({ User: 4 });
  });

  it("keeps the role of every member of a large group (recomputed by a background job) through a rename, and maps members added after it", async () => {
    const g = await groupWithMembers(host, scim, container, "Big Managers", 40);
    const mapped = await cli("role", "map", "--group", "Big Managers", "--role", "Manager");
    expect(mapped.out).toMatch(/recomputing in the background, job\(s\) \S+/);
    await host.jobs.idle();
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 40 });

    await rename(g.id, "Big Mgmt");
    await host.jobs.idle();
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 40 });
    const [late] = await users("rename-late-", 1);
    expect(
      (await scim.patch(`/Groups/${g.id}`, patch({ op: "Add", path: "members", value: [{ value: late }] }))).status,
    ).toBe(204);
    expect((await rolesOf(host, [late!])).get(late!)).toBe("Manager");

    // Unmapping it (by its new name) runs as a job too, and takes the role from all of them.
    expect((await cli("role", "unmap", "--group", "Big Mgmt")).out).toMatch(/recomputing in the background/);
    await host.jobs.idle();
    expect(await roleCounts(host, [...g.members, late!])).toEqual({ User: 41 });
  });
});

describe("mapping a group Entra has not provisioned yet", () => {
  it("refuses a name no group has (a misspelling) without --pending, writing nothing", async () => {
    await group("Platform Team", await users("spell-", 1));
    const before = (await tenantSettings(ctx(), { fresh: true })).roleMappings;
    const res = await cli("role", "map", "--group", "Platfrom Team", "--role", "Manager");
    expect(res.code).not.toBe(0);
    expect(res.err).toMatch(
      /No provisioned group has the id, displayName or Entra object ID "Platfrom Team".*--pending/,
    );
    expect((await cli("team", "map", "--group", "Platfrom Team", "--team", "Consultants")).err).toMatch(
      /Platfrom Team.*--pending/,
    );
    expect((await tenantSettings(ctx(), { fresh: true })).roleMappings).toEqual(before);
  });

  it("with --pending says so, binds to the group when Entra creates it, and keeps the role through a rename", async () => {
    const res = await cli("role", "map", "--group", "Future Leads", "--role", "Manager", "--pending");
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/No group "Future Leads" is provisioned yet: the mapping to Manager is pending/);
    expect((await listRoles(ctx())).mappings).toContainEqual({
      group: "Future Leads",
      groupId: null,
      groupName: null,
      members: null,
      pending: true,
      role: "Manager",
    });

    const members = await users("future-", 3);
    const id = await group("future leads", members);
    expect(await roleCounts(host, members)).toEqual({ Manager: 3 });
    expect((await tenantSettings(ctx(), { fresh: true })).roleMappings).toContainEqual({
      group: { id, externalId: "obj-future leads" },
      role: "Manager",
    });
    await rename(id, "Leads");
    expect(await roleCounts(host, members)).toEqual({ Manager: 3 });
    // The binding is in the provisioning log, on the group.
    const events = JSON.parse((await cli("audit", "list", "--resource", id, "--operation", "role-map", "--json")).out);
    expect(events).toEqual([
      expect.objectContaining({ status: 200, changedAttributes: ["roleMappings[future leads] = Manager"] }),
    ]);
  });

  it("does not bind a pending mapping to a group renamed to its name: renames never change a role", async () => {
    const members = await users("renamed-into-", 2);
    const id = await group("Someone Else", members);
    expect((await cli("role", "map", "--group", "Night Shift", "--role", "Manager", "--pending")).code).toBe(0);
    await rename(id, "Night Shift");
    expect(await roleCounts(host, members)).toEqual({ User: 2 });
  });
});

describe("bounds", () => {
  it("refuses a team name or a group name that is too long with a 400 naming the limit", async () => {
    const team = await cli("team", "create", "--name", "x".repeat(101));
    expect(team.code).not.toBe(0);
    expect(team.err).toMatch(/A team name is at most 100 characters; this one has 101/);
    const mapped = await cli("role", "map", "--group", "g".repeat(257), "--role", "Manager", "--pending");
    expect(mapped.err).toMatch(/group is at most 256 characters/);
  });
});

describe("mappings stored by an older version (by group name)", () => {
  it("binds each to the group it named, so every member keeps its role and team, also after a rename", async () => {
    const members = await users("legacy-", 3);
    const id = await group("Legacy Managers", members);
    const other = await group("Legacy Sales", [members[0]!]);
    expect((await cli("team", "create", "--name", "Legacy Team")).code).toBe(0);
    const teamId = (await listTeams(ctx())).teams.find((t) => t.name === "Legacy Team")!.id;
    // The settings document as the previous version wrote it, and the roles it gave.
    const stored = await host.services.settings.load(tenantId);
    await host.services.settings.write(
      tenantId,
      {
        ...stored.settings,
        roleMappings: [
          { group: "legacy managers", role: "Manager" },
          { group: "Not Provisioned", role: "Admin" },
        ],
        teamMappings: [{ group: "obj-Legacy Sales", team: teamId }],
      },
      stored.version,
    );
    for (const m of members) {
      const doc = (await host.services.resources.get(tenantId, "User", m))!;
      const product = {
        ...(doc.product ?? { password: false }),
        role: "Manager",
        roleSource: {
          kind: "group",
          groupId: id,
          groupName: "Legacy Managers",
          mapping: { group: "legacy managers", role: "Manager" },
        },
      };
      await host.services.resources.setProductFields(tenantId, doc, product as never);
    }

    const settings = await tenantSettings(ctx(), { fresh: true });
    expect(settings.roleMappings).toEqual([
      { group: { id, externalId: "obj-Legacy Managers" }, role: "Manager" },
      { group: { pending: "Not Provisioned" }, role: "Admin" },
    ]);
    expect(settings.teamMappings).toEqual([{ group: { id: other, externalId: "obj-Legacy Sales" }, team: teamId }]);
    // Stored so: the next read finds nothing to bind.
    expect(
      ((await host.services.settings.get(tenantId, new Date(), { fresh: true })) as { roleMappings: unknown[] })
        .roleMappings,
    ).toEqual(settings.roleMappings);

    await rename(id, "Legacy Mgmt");
    await rename(other, "Legacy Sales EMEA");
    const [late] = await users("legacy-late-", 1);
    expect(
      (await scim.patch(`/Groups/${id}`, patch({ op: "Add", path: "members", value: [{ value: late }] }))).status,
    ).toBe(204);
    expect(await roleCounts(host, [...members, late!])).toEqual({ Manager: 4 });
    expect((await teamsOf(members[0]!)).map((t) => t.name)).toContain("Legacy Team");
  });
});
