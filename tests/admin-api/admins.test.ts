import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { demoteAdmin, hasAdminWhoCanSignIn } from "../../shared/operations/admins.js";
import { OperationError } from "../../shared/operations/errors.js";
import { sha256Hex } from "../../shared/auth/secrets.js";
import { GROUP, entraUser, type Client } from "../helpers/host.js";
import { ANN, BOB, Browser, signIn, startWithAdmin, type Reply } from "../helpers/portal.js";

/** The Admins page's API: who is Admin and why, demoting a granted Admin, open invites listed, created and revoked. */

let host: RunningHost;
let scim: Client;
let tenantId: string;
let admin: Browser;
let annId: string;

beforeAll(async () => {
  ({ host, scim, tenantId, admin } = await startWithAdmin());
  annId = (await admin.me()).json.user.id;
});
afterAll(async () => host?.close());

const cli = () => ({ tenantId, actor: ADMIN_CLI, now: new Date(), services: host.services, baseUrl: "" });

function expectProblem(reply: Reply, status: number, detail?: RegExp, field?: string) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  if (detail) expect(reply.json.detail).toMatch(detail);
  if (field) expect(reply.json.errors).toEqual([{ field, detail: reply.json.detail }]);
}

async function scimUser(userName: string, externalId?: string) {
  const res = await scim.post("/Users", entraUser(userName, { externalId }));
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

/** An invite made in the portal, then used by `person`: they are Admin by that invite. */
async function inviteAndSignIn(person: typeof BOB): Promise<Browser> {
  const created = await admin.post("/api/admin/invites", { userName: person.preferredUsername });
  expect(created.status).toBe(201);
  const browser = new Browser(host);
  expect((await signIn(browser, person, { inviteCode: created.json.invite.url.split("#")[1] })).status).toBe(302);
  return browser;
}

const adminsList = async () => {
  const reply = await admin.get("/api/admin/admins");
  expect(reply.status).toBe(200);
  return reply.json as { role: string; admins: any[] };
};

describe("who is Admin and why", () => {
  it("lists the first Admin as made by an invite, and refuses to let them demote themselves", async () => {
    const list = await adminsList();
    expect(list).toEqual({
      role: "Admin",
      admins: [
        {
          id: annId,
          userName: ANN.preferredUsername,
          displayName: ANN.name,
          status: "active",
          canSignIn: true,
          reason: { kind: "invite", grantedBy: `invite:${ANN.preferredUsername}`, since: expect.any(String) },
          demotable: false,
          refusal: expect.stringMatching(/cannot demote yourself/),
          afterDemotion: null,
        },
      ],
    });
    expectProblem(await admin.post(`/api/admin/admins/${annId}/demote`), 422, /cannot demote yourself/, "user");
    expect((await admin.me()).json.isAdmin).toBe(true);
    expect(await hasAdminWhoCanSignIn(host.services, tenantId, new Date())).toBe(true);
  });

  it("refuses to demote the last Admin who can sign in (a mapped Admin without an Entra login does not count)", async () => {
    const dora = await scimUser("dora@contoso.dev");
    const ops = await scimGroup("Ops Admins", [dora.id]);
    expect((await admin.post("/api/admin/roles/map", { group: ops.id, role: "Admin" })).status).toBe(200);
    const list = await adminsList();
    expect(list.admins.map((a) => [a.userName, a.reason.kind, a.canSignIn])).toEqual([
      [ANN.preferredUsername, "invite", true],
      ["dora@contoso.dev", "mapping", false],
    ]);
    const error = await demoteAdmin(cli(), ANN.preferredUsername).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect(error).toMatchObject({
      status: 409,
      field: "user",
      detail: expect.stringMatching(/last Admin who can sign in/),
    });
    expect((await admin.me()).json.user.role).toBe("Admin");
    const failed = await admin.get(`/api/admin/audit?operation=admin-demote&resource=${annId}`);
    expect(failed.json.events[0]).toMatchObject({ operation: "admin-demote", status: 409, tokenName: "admin-cli" });
    expect((await admin.post("/api/admin/roles/unmap", { group: ops.id })).status).toBe(200);
  });

  it("says which group to unmap for an Admin a mapping makes, with the group's current name", async () => {
    const carl = await scimUser("carl@contoso.dev", "c0c0c0c0-0000-4000-8000-0000000000c1");
    const group = await scimGroup("Platform Owners", [carl.id]);
    expect((await admin.post("/api/admin/roles/map", { group: group.id, role: "Admin" })).status).toBe(200);
    expect(
      (
        await scim.patch(`/Groups/${group.id}`, {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          Operations: [{ op: "replace", path: "displayName", value: "Platform Admins" }],
        })
      ).status,
    ).toBe(204);
    const row = (await adminsList()).admins.find((a) => a.id === carl.id);
    expect(row).toMatchObject({
      reason: {
        kind: "mapping",
        groupId: group.id,
        groupName: "Platform Admins",
        mapping: { group: { id: group.id }, role: "Admin" },
      },
      canSignIn: true,
      demotable: false,
      refusal: expect.stringMatching(/role mapping of group Platform Admins.*Teams and roles/),
    });
    expectProblem(
      await admin.post(`/api/admin/admins/${carl.id}/demote`),
      409,
      /unmap that group on the Teams and roles page/,
      "group",
    );
    expect((await admin.post("/api/admin/roles/unmap", { group: group.id })).status).toBe(200);
    expect((await adminsList()).admins.some((a) => a.id === carl.id)).toBe(false);
  });
});

describe("demote", () => {
  it("takes back an invite's grant: the user gets the role its groups give, loses the admin API at once, and the log says who did it", async () => {
    const bob = await inviteAndSignIn(BOB);
    expect((await bob.get("/api/admin/admins")).status).toBe(200);
    const row = (await adminsList()).admins.find((a) => a.userName === BOB.preferredUsername);
    expect(row).toMatchObject({
      reason: { kind: "invite", grantedBy: `invite:${BOB.preferredUsername}` },
      demotable: true,
      refusal: null,
      afterDemotion: { role: "User", reason: { kind: "default" } },
    });
    const demoted = await admin.post(`/api/admin/admins/${row.id}/demote`);
    expect(demoted.status).toBe(200);
    expect(demoted.json).toEqual({
      user: { id: row.id, userName: BOB.preferredUsername },
      role: "User",
      reason: { kind: "default" },
      stillAdmin: false,
    });
    expectProblem(await bob.get("/api/admin/admins"), 403, /Only Admins/);
    expect((await bob.me()).json).toMatchObject({
      isAdmin: false,
      user: { role: "User", roleSource: { kind: "default" } },
    });
    expect((await adminsList()).admins.some((a) => a.id === row.id)).toBe(false);
    const events = await admin.get(`/api/admin/audit?operation=admin-demote&resource=${row.id}`);
    expect(events.json.events[0]).toMatchObject({
      operation: "admin-demote",
      status: 200,
      tokenName: `portal:${ANN.preferredUsername}`,
      resourceType: "User",
      resourceId: row.id,
    });
    expectProblem(
      await admin.post(`/api/admin/admins/${row.id}/demote`),
      409,
      /not an Admin \(their role is User\)/,
      "user",
    );
  });

  it("removes the grant of an Admin who is also in an Admin-mapped group, and says they stay Admin through it", async () => {
    const bob = (await admin.get(`/api/admin/users?search=${encodeURIComponent(BOB.preferredUsername)}`)).json.users[0];
    await inviteAndSignIn(BOB);
    const group = await scimGroup("Bob Admins", [bob.id]);
    expect((await admin.post("/api/admin/roles/map", { group: group.id, role: "Admin" })).status).toBe(200);
    const row = (await adminsList()).admins.find((a) => a.id === bob.id);
    expect(row).toMatchObject({
      reason: { kind: "invite" },
      afterDemotion: { role: "Admin", reason: { kind: "mapping", groupId: group.id } },
    });
    const demoted = await admin.post(`/api/admin/admins/${bob.id}/demote`);
    expect(demoted.json).toMatchObject({
      role: "Admin",
      stillAdmin: true,
      reason: { kind: "mapping", groupId: group.id },
    });
    expect((await adminsList()).admins.find((a) => a.id === bob.id)).toMatchObject({
      reason: { kind: "mapping" },
      demotable: false,
    });
    expect((await admin.post("/api/admin/roles/unmap", { group: group.id })).status).toBe(200);
    expect((await adminsList()).admins.some((a) => a.id === bob.id)).toBe(false);
  });

  it("accepts a userName, and answers 404 for an unknown user", async () => {
    expectProblem(
      await admin.post(`/api/admin/admins/nobody%40contoso.dev/demote`),
      404,
      /No user with id or userName nobody@contoso.dev/,
      "user",
    );
  });
});

describe("invites", () => {
  it("creates an invite whose link is shown once; the list shows who, when and by whom, never the code or link", async () => {
    const created = await admin.post("/api/admin/invites", { userName: "new.admin@contoso.dev" });
    expect(created.status).toBe(201);
    expect(created.json.invite).toMatchObject({
      url: expect.stringMatching(new RegExp(`^${host.url}/auth/invite#scimfinv_`)),
      userName: "new.admin@contoso.dev",
      validForHours: 24,
      id: expect.stringMatching(/^[0-9a-f]{12}$/),
    });
    const code = created.json.invite.url.split("#")[1];
    expect(sha256Hex(code).startsWith(created.json.invite.id)).toBe(true);
    const list = await admin.get("/api/admin/invites");
    expect(list.status).toBe(200);
    expect(list.json.invites[0]).toEqual({
      id: created.json.invite.id,
      userName: "new.admin@contoso.dev",
      createdAt: expect.any(String),
      expiresAt: created.json.invite.expiresAt,
      createdBy: `portal:${ANN.preferredUsername}`,
    });
    expect(list.text).not.toContain(code);
    expect(list.text).not.toContain(sha256Hex(code));
    expect(list.text).not.toContain("/auth/invite");
  });

  it("revokes an open invite: its link no longer signs anyone in, the list drops it, and the log records it", async () => {
    const created = await admin.post("/api/admin/invites", {});
    const id = created.json.invite.id;
    const revoked = await admin.post(`/api/admin/invites/${id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.invite).toMatchObject({ id, userName: null, createdBy: `portal:${ANN.preferredUsername}` });
    expect((await admin.get("/api/admin/invites")).json.invites.some((i: { id: string }) => i.id === id)).toBe(false);
    const browser = new Browser(host);
    const reply = await signIn(browser, BOB, { inviteCode: created.json.invite.url.split("#")[1] });
    expect(reply.status).not.toBe(302);
    expect((await browser.me()).status).toBe(401);
    const events = await admin.get(`/api/admin/audit?operation=invite-revoke&resource=${id}`);
    expect(events.json.events[0]).toMatchObject({
      operation: "invite-revoke",
      status: 200,
      resourceType: "Invite",
      resourceId: id,
    });
    expectProblem(await admin.post(`/api/admin/invites/${id}/revoke`), 404, /No invite/, "id");
  });

  it("does not list a used invite, and refuses to revoke it", async () => {
    const created = await admin.post("/api/admin/invites", { userName: BOB.preferredUsername });
    const id = created.json.invite.id;
    const bob = new Browser(host);
    expect((await signIn(bob, BOB, { inviteCode: created.json.invite.url.split("#")[1] })).status).toBe(302);
    expect((await admin.get("/api/admin/invites")).json.invites.some((i: { id: string }) => i.id === id)).toBe(false);
    expectProblem(await admin.post(`/api/admin/invites/${id}/revoke`), 409, /used already/, "id");
    const bobRow = (await adminsList()).admins.find((a) => a.userName === BOB.preferredUsername);
    expect((await admin.post(`/api/admin/admins/${bobRow.id}/demote`)).status).toBe(200);
  });

  it.each([
    ["not hex", "zzzzzzzzzzzz", 400],
    ["too short", "abc", 400],
  ])("refuses an invite id that is %s with 400 naming the field", async (_, id, status) => {
    expectProblem(await admin.post(`/api/admin/invites/${id}/revoke`), status, /12 characters/, "id");
  });

  it("refuses a user name with spaces with 400 naming userName", async () => {
    expectProblem(await admin.post("/api/admin/invites", { userName: "ann lee" }), 400, /Entra user name/, "userName");
    expectProblem(
      await admin.post("/api/admin/invites", { userName: 5 }),
      400,
      /^UserName must be a string/,
      "userName",
    );
  });

  it("keeps these routes for Admins: a non-admin gets 403 and changes nothing", async () => {
    const eve = await scimUser("eve.user@contoso.dev");
    expect(eve.id).toBeTruthy();
    const bob = new Browser(host);
    expect((await signIn(bob, BOB)).status).toBe(302);
    expect((await bob.me()).json.isAdmin).toBe(false);
    for (const path of ["/api/admin/admins", "/api/admin/invites"]) expectProblem(await bob.get(path), 403);
    expectProblem(await bob.post("/api/admin/invites", {}), 403);
    expectProblem(await bob.post(`/api/admin/admins/${annId}/demote`), 403);
    expect((await admin.me()).json.isAdmin).toBe(true);
  });
});
