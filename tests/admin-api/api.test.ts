import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { setObjectId } from "../../shared/operations/users.js";
import { GROUP, client, entraUser, patch, type Client } from "../helpers/host.js";
import { ANN, BOB, Browser, signIn, startWithAdmin, type Reply } from "../helpers/portal.js";

/** The admin API of docs/admin-api.md over HTTP, signed in through the development provider. */

let host: RunningHost;
let scim: Client;
let tenantId: string;
let admin: Browser;

beforeAll(async () => {
  ({ host, scim, tenantId, admin } = await startWithAdmin());
});
afterAll(async () => host?.close());

const cli = () => ({ tenantId, actor: ADMIN_CLI, now: new Date(), services: host.services, baseUrl: "" });

function expectProblem(reply: Reply, status: number, detail?: RegExp, field?: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  expect(reply.json).toMatchObject({
    type: "about:blank",
    status,
    title: expect.any(String),
    detail: expect.any(String),
  });
  if (detail) expect(reply.json.detail).toMatch(detail);
  if (field) expect(reply.json.errors).toEqual([{ field, detail: reply.json.detail }]);
}

async function user(userName: string, extra: Record<string, unknown> = {}) {
  const res = await scim.post("/Users", entraUser(userName, { externalId: undefined, ...extra }));
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

async function group(displayName: string, members: string[]) {
  const res = await scim.post("/Groups", {
    schemas: [GROUP],
    displayName,
    externalId: `obj-${displayName}`,
    members: members.map((value) => ({ value })),
  });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

describe("who may call", () => {
  it("answers 401 problem details without a session", async () => {
    const anonymous = new Browser(host);
    expectProblem(await anonymous.get("/api/me"), 401, /sign in/);
    expectProblem(await anonymous.get("/api/admin/users"), 401);
  });

  it("gives a signed-in non-admin /api/me (200) but 403 on every /api/admin route", async () => {
    await user(BOB.preferredUsername, { externalId: BOB.oid });
    const bob = new Browser(host);
    expect((await signIn(bob, BOB)).status).toBe(302);
    const me = await bob.me();
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({
      isAdmin: false,
      user: { userName: BOB.preferredUsername, role: "User", roleSource: { kind: "default" } },
      tenantUrl: `${host.url}/scim/v2`,
    });
    expect(me.json.csrfToken).toEqual(expect.any(String));
    for (const path of [
      "/api/admin/tokens",
      "/api/admin/users",
      "/api/admin/health",
      "/api/admin/audit",
      "/api/admin/roles",
    ])
      expectProblem(await bob.get(path), 403, /Admin/);
    expectProblem(await bob.post("/api/admin/teams", { name: "BobTeam" }), 403);
    expect((await admin.get("/api/admin/teams")).json.teams.some((t: { name: string }) => t.name === "BobTeam")).toBe(
      false,
    );
  });

  it.each([
    ["no CSRF token", { csrf: null }, /X-CSRF-Token header is missing/],
    ["a wrong CSRF token", { csrf: "x".repeat(43) }, /does not match/],
    ["another Origin", { origin: "https://evil.example" }, /another site/],
    ["no Origin", { origin: null }, /no Origin/],
  ])("refuses a state-changing call with %s: 403, nothing changed", async (_, options, detail) => {
    const reply = await admin.request("POST", "/api/admin/teams", { body: { name: "Forged" }, ...options });
    expectProblem(reply, 403, detail);
    const teams = await admin.get("/api/admin/teams");
    expect(teams.json.teams.some((t: { name: string }) => t.name === "Forged")).toBe(false);
  });
});

describe("/api/me", () => {
  it("describes the signed-in Admin", async () => {
    const me = await admin.me();
    expect(me.json).toEqual({
      user: {
        id: expect.any(String),
        userName: ANN.preferredUsername,
        displayName: ANN.name,
        status: "active",
        objectId: ANN.oid,
        loginTypes: ["entra"],
        role: "Admin",
        roleSource: { kind: "admin", grantedBy: `invite:${ANN.preferredUsername}`, since: expect.any(String) },
        teams: [],
      },
      tenant: { id: tenantId, name: "Default tenant", entraTenantId: ANN.tid },
      isAdmin: true,
      csrfToken: admin.csrfToken,
      tenantUrl: `${host.url}/scim/v2`,
    });
  });
});

describe("tokens", () => {
  it("creates a token for the Tenant URL that authenticates SCIM, and revokes it within 5 seconds", async () => {
    const created = await admin.post("/api/admin/tokens", { name: "entra-2026" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      secret: expect.stringMatching(/^scimf_/),
      tenantUrl: `${host.url}/scim/v2`,
      token: {
        name: "entra-2026",
        status: "active",
        audience: `${host.url}/scim/v2`,
        lastUsedAt: null,
        revokedAt: null,
      },
    });
    expect(created.json.token.tenantId).toBeUndefined();
    const entra = client(host, created.json.secret);
    expect((await entra.get("/Users")).status).toBe(200);
    const list = await admin.get("/api/admin/tokens");
    expect(list.json.tenantUrl).toBe(`${host.url}/scim/v2`);
    expect(list.json.tokens[0].id).toBe(created.json.token.id);
    expect(JSON.stringify(list.json)).not.toContain(created.json.secret);
    const revoked = await admin.post(`/api/admin/tokens/${created.json.token.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.token).toMatchObject({ status: "revoked", revokedAt: expect.any(String) });
    const deadline = Date.now() + 5000;
    let status = 200;
    while (Date.now() < deadline && status !== 401) status = (await entra.get("/Users")).status;
    expect(status).toBe(401);
  });

  it.each([
    [{ name: "" }, "name"],
    [{}, "name"],
    [{ name: 5 }, "name"],
    [{ name: "x", expiresAt: "tomorrow" }, "expiresAt"],
    [{ name: "x", expiresAt: "2020-01-01T00:00:00Z" }, "expiresAt"],
  ])("refuses %j with 400 naming the field, creating nothing", async (body, field) => {
    const before = (await admin.get("/api/admin/tokens")).json.tokens.length;
    expectProblem(await admin.post("/api/admin/tokens", body), 400, undefined, field);
    expect((await admin.get("/api/admin/tokens")).json.tokens.length).toBe(before);
  });

  it("refuses a body that is not JSON, and an unknown token id", async () => {
    expectProblem(await admin.request("POST", "/api/admin/tokens", { body: "{not json" }), 400, /not valid JSON/);
    expectProblem(await admin.post("/api/admin/tokens/no-such-token/revoke"), 404, /no token/i);
  });
});

describe("login types", () => {
  it("reads and sets the tenant's account types", async () => {
    expect((await admin.get("/api/admin/login-types")).json).toMatchObject({
      loginTypes: ["password", "entra"],
      available: ["password", "entra"],
    });
    const set = await admin.put("/api/admin/login-types", { loginTypes: ["entra", "password"] });
    expect(set.json).toEqual({ loginTypes: ["entra", "password"] });
  });

  it.each([
    [{ loginTypes: [] }, 422],
    [{ loginTypes: ["magic"] }, 400],
    [{ loginTypes: "entra" }, 400],
  ])("refuses %j (%i), changing nothing", async (body, status) => {
    expectProblem(await admin.put("/api/admin/login-types", body), status, undefined, "loginTypes");
    expect((await admin.get("/api/admin/login-types")).json.loginTypes).toEqual(["entra", "password"]);
  });
});

describe("users", () => {
  let dave: { id: string };
  beforeAll(async () => {
    dave = await user("dave@contoso.dev", { displayName: "Dave Zhou" });
    await user("zed@contoso.dev", { displayName: "Anna Zed" });
  });

  it("searches any part of userName or display name, any case, paged", async () => {
    const ann = await admin.get("/api/admin/users?search=ANN");
    expect(ann.json.users.map((u: { userName: string }) => u.userName)).toEqual(["ann@contoso.dev", "zed@contoso.dev"]);
    expect(ann.json).toMatchObject({ total: 2, page: 1, pageSize: 25 });
    expect(ann.json.users[0]).toEqual({
      id: expect.any(String),
      userName: "ann@contoso.dev",
      displayName: ANN.name,
      status: "active",
      loginTypes: ["entra"],
      objectId: ANN.oid,
      role: "Admin",
      teams: [],
    });
    const page2 = await admin.get("/api/admin/users?pageSize=1&page=2");
    expect(page2.json.users).toHaveLength(1);
    expect(page2.json.total).toBeGreaterThanOrEqual(4);
  });

  it.each(["pageSize=1000", "page=0", "pageSize=abc"])("refuses %s with 400", async (query) => {
    expectProblem(await admin.get(`/api/admin/users?${query}`), 400);
  });

  it("shows a user with role source, canSignIn, Object ID holders and history", async () => {
    const detail = await admin.get(`/api/admin/users/${dave.id}`);
    expect(detail.json).toMatchObject({
      id: dave.id,
      userName: "dave@contoso.dev",
      displayName: "Dave Zhou",
      roleSource: { kind: "default" },
      canSignIn: { password: false, entra: false },
      objectIdHolders: [],
      objectId: null,
    });
    expect(detail.json.history[0]).toMatchObject({ operation: "create", resourceId: dave.id, status: 201 });
    expectProblem(await admin.get("/api/admin/users/no-such-user"), 404, /No user/);
  });

  it("adds and removes the Entra login with GUID and uniqueness checks", async () => {
    const oid = "DDDDDDDD-0000-4000-8000-000000000001";
    expectProblem(
      await admin.put(`/api/admin/users/${dave.id}/entra`, { objectId: "not-a-guid" }),
      400,
      /GUID/,
      "objectId",
    );
    const taken = await admin.put(`/api/admin/users/${dave.id}/entra`, { objectId: ANN.oid });
    expectProblem(taken, 409, /ann@contoso\.dev/, "objectId");
    expect((await admin.get(`/api/admin/users/${dave.id}`)).json.objectId).toBeNull();
    const set = await admin.put(`/api/admin/users/${dave.id}/entra`, { objectId: oid });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({
      objectId: oid.toLowerCase(),
      loginTypes: ["entra"],
      canSignIn: { password: false, entra: true },
    });
    const removed = await admin.delete(`/api/admin/users/${dave.id}/entra`);
    expect(removed.json).toMatchObject({
      objectId: null,
      loginTypes: [],
      canSignIn: { password: false, entra: false },
    });
    expectProblem(await admin.delete(`/api/admin/users/${dave.id}/entra`), 409, /no Microsoft Entra login/);
    const me = (await admin.me()).json.user.id;
    expectProblem(await admin.delete(`/api/admin/users/${me}/entra`), 422, /your own/);
    expect((await admin.me()).status).toBe(200);
  });

  it("lists other users carrying the same Object ID", async () => {
    const oid = "eeeeeeee-0000-4000-8000-000000000001";
    const a = await user("twin1@contoso.dev");
    const b = await user("twin2@contoso.dev");
    await setObjectId(cli(), a.id, oid);
    await setObjectId(cli(), b.id, oid);
    expect((await admin.get(`/api/admin/users/${a.id}`)).json.objectIdHolders).toEqual([b.id]);
    const health = await admin.get("/api/admin/health");
    expect(health.json.objectIdConflicts).toContainEqual({ objectId: oid, userIds: [a.id, b.id].sort() });
  });
});

describe("groups, teams and roles", () => {
  let members: { id: string }[];
  let managers: { id: string };
  beforeAll(async () => {
    members = [await user("m1@contoso.dev"), await user("m2@contoso.dev"), await user("m3@contoso.dev")];
    managers = await group(
      "Managers",
      members.map((m) => m.id),
    );
    await group("Sales", [members[0]!.id]);
  });

  it("lists groups with member counts", async () => {
    const groups = await admin.get("/api/admin/groups");
    expect(groups.json.groups).toContainEqual({
      id: managers.id,
      displayName: "Managers",
      externalId: "obj-Managers",
      members: 3,
    });
    expect(groups.json.truncated).toBe(false);
  });

  it("creates teams, maps groups onto them and counts members", async () => {
    const created = await admin.post("/api/admin/teams", { name: "Consultants" });
    expect(created.status).toBe(201);
    expect(created.json.team).toMatchObject({ id: expect.any(String), name: "Consultants" });
    expectProblem(await admin.post("/api/admin/teams", { name: "consultants" }), 409, /exists already/);
    expectProblem(await admin.post("/api/admin/teams", {}), 400, undefined, "name");
    expect((await admin.post("/api/admin/teams/map", { group: "Managers", team: "Consultants" })).status).toBe(200);
    expectProblem(await admin.post("/api/admin/teams/map", { group: "Sales", team: "Nobody" }), 404, /no team/i);
    const teams = (await admin.get("/api/admin/teams")).json.teams;
    const mapped = { group: managers.id, groupId: managers.id, groupName: "Managers", members: 3, pending: false };
    expect(teams).toContainEqual({
      id: created.json.team.id,
      name: "Consultants",
      createdAt: expect.any(String),
      source: "product",
      members: 3,
      groups: [mapped],
    });
    expect(teams).toContainEqual({
      id: expect.any(String),
      name: "Sales",
      source: "entra",
      members: 1,
      groups: [expect.objectContaining({ groupName: "Sales", members: 1 })],
    });
    const logged = await admin.get(`/api/admin/audit?operation=team-create&resource=${created.json.team.id}`);
    expect(logged.json.events).toEqual([
      expect.objectContaining({ tokenName: "portal:ann@contoso.dev", status: 201, changedAttributes: ["name"] }),
    ]);
    expect((await admin.post("/api/admin/teams/unmap", { group: "Managers" })).status).toBe(200);
    expectProblem(await admin.post("/api/admin/teams/unmap", { group: "Managers" }), 404, /not mapped/i);
  });

  it("previews a role mapping exactly as mapping then does it, writing nothing", async () => {
    const before = (await admin.get("/api/admin/roles")).json;
    expect(before).toEqual({ roles: ["User", "Manager", "Admin"], defaultRole: "User", mappings: [] });
    const preview = await admin.post("/api/admin/roles/preview", { group: "managers", role: "manager" });
    expect(preview.status).toBe(200);
    expect(preview.json.count).toBe(3);
    expect(preview.json.changes).toEqual(
      expect.arrayContaining(
        members.map((m, i) => ({ userId: m.id, userName: `m${i + 1}@contoso.dev`, from: "User", to: "Manager" })),
      ),
    );
    expect((await admin.get("/api/admin/roles")).json.mappings).toEqual([]);
    expect((await admin.get(`/api/admin/users/${members[0]!.id}`)).json.role).toBe("User");
    const mapped = await admin.post("/api/admin/roles/map", { group: "managers", role: "manager" });
    expect(mapped.json).toEqual({
      mapping: { group: managers.id, groupName: "Managers", role: "Manager", pending: false },
      changed: preview.json.count,
      jobs: [],
    });
    for (const change of preview.json.changes)
      expect((await admin.get(`/api/admin/users/${change.userId}`)).json.role).toBe(change.to);
    expect((await admin.get("/api/admin/roles")).json.mappings).toEqual([
      { group: managers.id, role: "Manager", groupId: managers.id, groupName: "Managers", members: 3, pending: false },
    ]);
    expect((await admin.post("/api/admin/roles/preview", { group: "managers", role: "Manager" })).json).toEqual({
      count: 0,
      changes: [],
      members: 3,
    });
  });

  it("previews the last-Admin rule: the last active Admin keeps the role", async () => {
    const ann = (await admin.me()).json.user.id;
    const admins = await group("Admins", [ann]);
    const mapped = await admin.post("/api/admin/roles/map", { group: "Admins", role: "Admin" });
    expect(mapped.json.changed).toBe(0);
    // Mapping the Admins group to User would demote Ann, the last active Admin: she keeps the role.
    const preview = await admin.post("/api/admin/roles/preview", { group: "Admins", role: "User" });
    expect(preview.json).toEqual({ count: 0, changes: [], members: 1 });
    expect(admins.id).toEqual(expect.any(String));
  });

  it.each([
    ["/api/admin/roles/preview", { group: "Managers", role: "Boss" }, "role"],
    ["/api/admin/roles/map", { group: "Managers", role: "Boss" }, "role"],
    ["/api/admin/roles/map", { role: "User" }, "group"],
    ["/api/admin/roles/preview", { group: "", role: "User" }, "group"],
  ])("refuses %s %j with 400, changing nothing", async (path, body, field) => {
    const before = (await admin.get("/api/admin/roles")).json.mappings;
    expectProblem(await admin.post(path, body), 400, undefined, field);
    expect((await admin.get("/api/admin/roles")).json.mappings).toEqual(before);
  });

  it("unmaps a role mapping and recomputes; an unknown one is 404", async () => {
    const unmapped = await admin.post("/api/admin/roles/unmap", { group: "managers" });
    expect(unmapped.json).toMatchObject({
      group: "managers",
      groups: [{ groupId: managers.id, groupName: "Managers" }],
      changed: 3,
      jobs: [],
    });
    expect((await admin.get(`/api/admin/users/${members[0]!.id}`)).json.role).toBe("User");
    expectProblem(await admin.post("/api/admin/roles/unmap", { group: "managers" }), 404, /no role mapping/i);
  });
});

describe("provisioning log", () => {
  it("filters by status, operation, resource and time, newest first", async () => {
    const u = await user("logged@contoso.dev");
    expect(
      (await scim.patch(`/Users/${u.id}`, patch({ op: "Replace", path: "displayName", value: "Logged" }))).status,
    ).toBe(200);
    expect((await scim.post("/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"] })).status).toBe(400);
    const failures = await admin.get("/api/admin/audit?status=failure");
    expect(failures.json.events.length).toBeGreaterThan(0);
    expect(failures.json.events.every((e: { status: number }) => e.status >= 400)).toBe(true);
    const successes = await admin.get("/api/admin/audit?status=success&pageSize=200");
    expect(successes.json.events.every((e: { status: number }) => e.status < 400)).toBe(true);
    const patches = await admin.get(`/api/admin/audit?operation=patch&resource=${u.id}`);
    expect(patches.json.events).toEqual([
      expect.objectContaining({
        operation: "patch",
        resourceId: u.id,
        status: 200,
        patchDialect: "default",
        tokenName: "local",
        changedAttributes: ["displayName"],
      }),
    ]);
    const all = await admin.get("/api/admin/audit?pageSize=200");
    const times = all.json.events.map((e: { time: string }) => e.time);
    expect([...times].sort().reverse()).toEqual(times);
    const future = await admin.get(
      `/api/admin/audit?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`,
    );
    expect(future.json).toEqual({ events: [], page: 1, pageSize: 50, total: 0, hasMore: false });
    const paged = await admin.get("/api/admin/audit?pageSize=1");
    expect(paged.json).toMatchObject({ page: 1, hasMore: true });
  });

  it.each([
    "status=broken",
    "from=yesterday",
    "operation=explode",
    "pageSize=500",
    "from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z",
  ])("refuses %s with 400", async (query) => {
    expectProblem(await admin.get(`/api/admin/audit?${query}`), 400);
  });

  it("counts Entra's requests and failures per hour, every hour of 7 days", async () => {
    const hourly = await admin.get("/api/admin/audit/hourly");
    expect(hourly.json.hours).toHaveLength(168);
    const last = hourly.json.hours[167];
    const hour = new Date(Math.floor(Date.now() / 3600_000) * 3600_000).toISOString().replace(".000Z", "Z");
    expect(last.hour).toBe(hour);
    const events = (await admin.get(`/api/admin/audit?from=${hour}&pageSize=200`)).json.events.filter(
      (e: { tokenName: string }) => e.tokenName === "local" || e.tokenName === "entra-2026",
    );
    expect(last.requests).toBe(events.length);
    expect(last.failures).toBe(events.filter((e: { status: number }) => e.status >= 400).length);
    expect(hourly.json.hours.slice(0, 100).every((h: { requests: number }) => h.requests === 0)).toBe(true);
    expect((await admin.get("/api/admin/audit/hourly?days=1")).json.hours).toHaveLength(24);
    expectProblem(await admin.get("/api/admin/audit/hourly?days=0"), 400, undefined, "days");
  });
});

describe("connection health", () => {
  it("reports requests, failures, PATCH dialects, tokens and ignored attributes", async () => {
    const before = (await admin.get("/api/admin/health")).json;
    const u = await user("health@contoso.dev");
    await scim.patch(`/Users/${u.id}`, patch({ op: "Replace", path: "active", value: "False" }));
    await scim.patch(`/Users/${u.id}`, patch({ op: "replace", path: "displayName", value: "H" }));
    await scim.request("PATCH", `/Users/${u.id}?aadOptscim062020`, patch({ op: "Replace", path: "title", value: "T" }));
    await scim.post("/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"] });
    await host.services.auditLog.record(
      tenantId,
      {
        time: new Date().toISOString(),
        tokenName: "local",
        tokenId: (await host.services.tokens.list(tenantId)).find((t) => t.name === "local")!.id,
        operation: "create",
        status: 201,
        ttlSeconds: 3600,
        ignoredAttributes: ["urn:example:costCenter"],
      },
      { resourceType: "User", changedAttributes: [] },
    );
    const after = (await admin.get("/api/admin/health")).json;
    expect(after.requests24h - before.requests24h).toBe(6);
    expect(after.failures24h - before.failures24h).toBe(1);
    expect(after.failureShare).toBeCloseTo(after.failures24h / after.requests24h, 3);
    expect(after.patchDialects.default - before.patchDialects.default).toBe(1);
    expect(after.patchDialects.rfc - before.patchDialects.rfc).toBe(2);
    expect(after.ignoredAttributes).toContainEqual({
      attribute: "urn:example:costCenter",
      count: 1,
      lastSeen: expect.any(String),
    });
    expect(after.lastRequestAt).toEqual(expect.any(String));
    expect(after.lastSuccessAt).toEqual(expect.any(String));
    expect(after.activeTokens).toBeGreaterThanOrEqual(1);
    expect(after.expiringTokens).toEqual([]);
  });
});
