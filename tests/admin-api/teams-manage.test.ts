import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { GROUP, entraUser, patch, type Client } from "../helpers/host.js";
import { ANN, Browser, BOB, signIn, startWithAdmin, type Reply } from "../helpers/portal.js";

/** Issue 16: product teams renamed and deleted, and an Admin making an existing user Admin (and demoting them again). */

let host: RunningHost;
let scim: Client;
let admin: Browser;

beforeAll(async () => {
  ({ host, scim, admin } = await startWithAdmin());
});
afterAll(async () => host?.close());

function expectProblem(reply: Reply, status: number, detail: RegExp, field: string) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  expect(reply.json.detail).toMatch(detail);
  expect(reply.json.errors).toEqual([{ field, detail: reply.json.detail }]);
}

async function scimUser(userName: string) {
  const res = await scim.post("/Users", entraUser(userName));
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

async function scimGroup(displayName: string, members: string[]) {
  const res = await scim.post("/Groups", {
    schemas: [GROUP],
    displayName,
    externalId: `obj-${displayName}`,
    members: members.map((value) => ({ value })),
  });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

async function createTeam(name: string): Promise<{ id: string; name: string }> {
  const reply = await admin.post("/api/admin/teams", { name });
  expect(reply.status, reply.text).toBe(201);
  return reply.json.team;
}

const teamsOf = async (userName: string): Promise<string[]> => {
  const reply = await admin.get(`/api/admin/users?search=${encodeURIComponent(userName)}`);
  expect(reply.status).toBe(200);
  return reply.json.users
    .find((u: { userName: string }) => u.userName === userName)
    .teams.map((t: { name: string }) => t.name);
};

const events = async (operation: string, resource: string) =>
  (await admin.get(`/api/admin/audit?operation=${operation}&resource=${resource}`)).json.events;

describe("renaming a team", () => {
  it("keeps every mapping and every member's team, answers the new name everywhere, and logs old → new", async () => {
    const [amy, ben] = [await scimUser("amy@contoso.dev"), await scimUser("ben@contoso.dev")];
    const group = await scimGroup("Field Consultants", [amy.id, ben.id]);
    const team = await createTeam("Consultants");
    expect((await admin.post("/api/admin/teams/map", { group: group.id, team: team.id })).status).toBe(200);
    expect(
      (await admin.post("/api/admin/teams/map", { group: "Future Consultants", team: "Consultants", pending: true }))
        .status,
    ).toBe(200);

    const renamed = await admin.post(`/api/admin/teams/${team.id}/rename`, { name: "Advisory" });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.json).toEqual({
      team: { id: team.id, name: "Advisory", createdAt: expect.any(String) },
      previousName: "Consultants",
    });

    const row = (await admin.get("/api/admin/teams")).json.teams.find((t: { id: string }) => t.id === team.id);
    expect(row).toMatchObject({ name: "Advisory", members: 2 });
    expect(row.groups.map((g: { group: string; pending: boolean }) => [g.group, g.pending])).toEqual([
      [group.id, false],
      ["Future Consultants", true],
    ]);
    expect(await teamsOf("amy@contoso.dev")).toEqual(["Advisory"]);
    expect(await teamsOf("ben@contoso.dev")).toEqual(["Advisory"]);
    expect((await events("team-rename", team.id))[0]).toMatchObject({
      status: 200,
      resourceType: "Team",
      resourceName: "Advisory",
      tokenName: `portal:${ANN.preferredUsername}`,
      changedAttributes: ["name"],
      changes: [expect.objectContaining({ attribute: "name", old: "Consultants", new: "Advisory" })],
    });
  });

  it("takes the team by name too, and a change of case of its own name", async () => {
    await createTeam("Support");
    const reply = await admin.post("/api/admin/teams/support/rename", { name: "SUPPORT" });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.team.name).toBe("SUPPORT");
  });

  it.each([
    ["an empty name", { name: "  " }, 400, /name is required/i],
    ["a name over 100 characters", { name: "x".repeat(101) }, 400, /at most 100 characters; this one has 101/],
    ["no name", {}, 400, /name is required/i],
    ["a name another team has (in any case)", { name: "advisory" }, 409, /a team named "advisory" exists already/i],
  ])("refuses %s with a problem naming the field, and changes nothing", async (_, body, status, detail) => {
    const before = (await admin.get("/api/admin/teams")).json;
    expectProblem(await admin.post("/api/admin/teams/SUPPORT/rename", body), status, detail, "name");
    expect((await admin.get("/api/admin/teams")).json).toEqual(before);
  });

  it("answers 404 naming team for a team that does not exist, or a provisioned group's own team", async () => {
    const group = await scimGroup("Loose Group", []);
    expectProblem(
      await admin.post("/api/admin/teams/Nope/rename", { name: "X" }),
      404,
      /No team of the product has the id or name "Nope"/,
      "team",
    );
    expectProblem(
      await admin.post(`/api/admin/teams/${group.id}/rename`, { name: "X" }),
      404,
      /renamed or removed in Microsoft Entra ID/,
      "team",
    );
  });
});

describe("deleting a team", () => {
  it("previews, then removes the team and its mappings in one write: members are in their groups' own teams, logged", async () => {
    const [cal, dee] = [await scimUser("cal@contoso.dev"), await scimUser("dee@contoso.dev")];
    const g1 = await scimGroup("Night Shift", [cal.id]);
    const g2 = await scimGroup("Day Shift", [cal.id, dee.id]);
    const team = await createTeam("Operations");
    for (const g of [g1, g2])
      expect((await admin.post("/api/admin/teams/map", { group: g.id, team: "Operations" })).status).toBe(200);
    const roleMap = await admin.post("/api/admin/roles/map", { group: g2.id, role: "Manager" });
    expect(roleMap.status).toBe(200);
    expect(await teamsOf("cal@contoso.dev")).toEqual(["Operations"]);

    const preview = await admin.get(`/api/admin/teams/${team.id}/delete-preview`);
    expect(preview.status, preview.text).toBe(200);
    expect(preview.json).toMatchObject({ team: { id: team.id, name: "Operations" }, mappings: 2, users: 2 });
    expect(preview.json.groups.map((g: { groupName: string }) => g.groupName)).toEqual(["Day Shift", "Night Shift"]);
    expect((await admin.get("/api/admin/teams")).json.teams.some((t: { id: string }) => t.id === team.id)).toBe(true);

    const deleted = await admin.post("/api/admin/teams/Operations/delete");
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.json).toMatchObject({ team: { id: team.id, name: "Operations" }, mappingsRemoved: 2, users: 2 });

    const teams = (await admin.get("/api/admin/teams")).json.teams as { id: string; name: string; source: string }[];
    expect(teams.some((t) => t.id === team.id)).toBe(false);
    expect(teams.filter((t) => t.id === g1.id || t.id === g2.id).map((t) => [t.name, t.source])).toEqual([
      ["Day Shift", "entra"],
      ["Night Shift", "entra"],
    ]);
    expect(await teamsOf("cal@contoso.dev")).toEqual(["Day Shift", "Night Shift"]);
    expect(await teamsOf("dee@contoso.dev")).toEqual(["Day Shift"]);
    expect(
      (await admin.get("/api/admin/roles")).json.mappings.find((m: { group: string }) => m.group === g2.id),
    ).toMatchObject({ role: "Manager" });
    expect((await events("team-delete", team.id))[0]).toMatchObject({
      status: 200,
      resourceName: "Operations",
      changes: expect.arrayContaining([
        expect.objectContaining({ attribute: "name", old: "Operations" }),
        expect.objectContaining({ attribute: "teamMappings", old: "Day Shift, Night Shift" }),
      ]),
    });
    // a new team of that name starts empty: nothing of the old one is left behind
    const again = await createTeam("Operations");
    expect(
      (await admin.get("/api/admin/teams")).json.teams.find((t: { id: string }) => t.id === again.id),
    ).toMatchObject({ members: 0, groups: [] });
  });

  it("answers 404 for a team that is gone, and logs the refusal", async () => {
    expectProblem(
      await admin.post("/api/admin/teams/Gone%20Team/delete"),
      404,
      /No team of the product has the id or name "Gone Team"/,
      "team",
    );
    expectProblem(await admin.get("/api/admin/teams/Gone%20Team/delete-preview"), 404, /see: team list/, "team");
  });
});

describe("making an existing user Admin", () => {
  const admins = async () =>
    (await admin.get("/api/admin/admins")).json.admins as {
      id: string;
      userName: string;
      reason: { kind: string; grantedBy?: string };
    }[];

  it("grants Admin by userName, lists it as granted by the admin, logs it, and Demote takes it back", async () => {
    const eve = await scimUser("eve.grant@contoso.dev");
    const granted = await admin.post("/api/admin/admins", { user: "eve.grant@contoso.dev" });
    expect(granted.status, granted.text).toBe(200);
    const grantedBy = `portal:${ANN.preferredUsername}`;
    expect(granted.json).toMatchObject({
      user: { id: eve.id, userName: "eve.grant@contoso.dev" },
      role: "Admin",
      reason: { kind: "granted", grantedBy, since: expect.any(String) },
    });
    expect((await admins()).find((a) => a.id === eve.id)).toMatchObject({
      reason: { kind: "granted", grantedBy },
      demotable: true,
    });
    expect((await events("admin-grant", eve.id))[0]).toMatchObject({
      status: 200,
      tokenName: grantedBy,
      resourceName: "eve.grant@contoso.dev",
      changes: expect.arrayContaining([expect.objectContaining({ attribute: "role", old: "User", new: "Admin" })]),
    });

    expectProblem(
      await admin.post("/api/admin/admins", { user: eve.id }),
      409,
      /is Admin already \(Admin granted by portal:/,
      "user",
    );

    const demoted = await admin.post(`/api/admin/admins/${eve.id}/demote`);
    expect(demoted.status, demoted.text).toBe(200);
    expect(demoted.json).toMatchObject({ role: "User", stillAdmin: false });
    expect((await admins()).some((a) => a.id === eve.id)).toBe(false);
  });

  it("gives the admin API to a granted user who signs in with Entra", async () => {
    expect((await scim.post("/Users", entraUser(BOB.preferredUsername, { externalId: BOB.oid }))).status).toBe(201);
    const bob = new Browser(host);
    expect((await signIn(bob, BOB)).status).toBe(302);
    expect((await bob.get("/api/admin/admins")).status).toBe(403);
    expect((await admin.post("/api/admin/admins", { user: BOB.preferredUsername })).status).toBe(200);
    expect((await bob.get("/api/admin/admins")).status).toBe(200);
  });

  it("refuses a disconnected user and a deleted one with what to do, and logs the refusal", async () => {
    const gil = await scimUser("gil@contoso.dev");
    expect((await scim.patch(`/Users/${gil.id}`, patch({ op: "replace", path: "active", value: false }))).status).toBe(
      200,
    );
    expectProblem(
      await admin.post("/api/admin/admins", { user: gil.id }),
      409,
      /gil@contoso.dev is disconnected .*Assign them to the app in Entra again/i,
      "user",
    );
    expect((await events("admin-grant", gil.id))[0]).toMatchObject({ status: 409 });

    const hal = await scimUser("hal@contoso.dev");
    expect((await scim.delete(`/Users/${hal.id}`)).status).toBe(204);
    expectProblem(
      await admin.post("/api/admin/admins", { user: "hal@contoso.dev" }),
      409,
      /hal@contoso.dev was deleted through SCIM/i,
      "user",
    );
    expectProblem(await admin.post("/api/admin/admins", { user: hal.id }), 409, /was deleted through SCIM/, "user");
    expect((await admins()).some((a) => a.id === gil.id || a.id === hal.id)).toBe(false);
  });

  it("answers 400 without a user and 404 for an unknown one", async () => {
    expectProblem(await admin.post("/api/admin/admins", {}), 400, /user is required/i, "user");
    expectProblem(
      await admin.post("/api/admin/admins", { user: "nobody@contoso.dev" }),
      404,
      /No user with id or userName nobody@contoso.dev/,
      "user",
    );
  });
});
