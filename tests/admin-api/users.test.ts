import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { createUser } from "../../shared/operations/users.js";
import { ENTERPRISE, GROUP, entraUser, type Client } from "../helpers/host.js";
import { ANN, startWithAdmin, type Browser, type Reply } from "../helpers/portal.js";

/** The users list and the user page of the admin API: search anywhere in a name or id, filters, sort, deleted users, every attribute. */

let host: RunningHost;
let scim: Client;
let tenantId: string;
let admin: Browser;
const ids: Record<string, string> = {};
let crew: string;

const cli = () => ({ tenantId, actor: ADMIN_CLI, now: new Date(), services: host.services, baseUrl: "" });

async function user(userName: string, extra: Record<string, unknown> = {}) {
  const res = await scim.post("/Users", entraUser(userName, extra));
  expect(res.status).toBe(201);
  ids[userName] = (res.body as { id: string }).id;
  return ids[userName]!;
}

const names = (reply: Reply) => reply.json.users.map((u: { userName: string }) => u.userName);

function expectProblem(reply: Reply, status: number, detail: RegExp, field: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  expect(reply.json.detail).toMatch(detail);
  expect(reply.json.errors).toEqual([{ field, detail: reply.json.detail }]);
}

beforeAll(async () => {
  ({ host, scim, tenantId, admin } = await startWithAdmin());
  await user("boss@contoso.dev", { displayName: "Bea Boss", externalId: "aaaaaaaa-1111-4111-8111-000000000001" });
  await user("carl.jansen@contoso.dev", {
    displayName: "Carl Jansen",
    externalId: "cccccccc-2222-4222-8222-00000000abcd",
    name: { givenName: "Carl", familyName: "Jansen", formatted: "Carl Jansen" },
    title: "Planner",
    addresses: [{ type: "work", locality: "Utrecht", country: "NL" }],
    phoneNumbers: [{ type: "mobile", value: "+31 6 1234 5678" }],
    [ENTERPRISE]: { employeeNumber: "00042", department: "Logistics", manager: { value: ids["boss@contoso.dev"] } },
  });
  await user("dora@contoso.dev", { displayName: "Dora Quist", active: false });
  await user("gone@contoso.dev", { displayName: "Gone Soon" });
  const group = await scim.post("/Groups", {
    schemas: [GROUP],
    displayName: "Crew",
    members: [{ value: ids["carl.jansen@contoso.dev"] }],
  });
  expect(group.status).toBe(201);
  crew = (group.body as { id: string }).id;
  expect((await scim.delete(`/Users/${ids["gone@contoso.dev"]}`)).status).toBe(204);
});
afterAll(async () => host?.close());

describe("GET /api/admin/users", () => {
  it.each([
    ["a surname", "jansen"],
    ["the middle of a userName", "JANS"],
    ["a display name's second word, any case", "QUIST"],
    ["part of the Object ID", "8222-00000000AB"],
  ])("finds users by %s", async (_, search) => {
    const reply = await admin.get(`/api/admin/users?search=${encodeURIComponent(search)}`);
    expect(reply.status).toBe(200);
    expect(names(reply)).toHaveLength(1);
    expect(reply.json.total).toBe(1);
  });

  it("finds a user by its SCIM id", async () => {
    const reply = await admin.get(`/api/admin/users?search=${ids["dora@contoso.dev"]}`);
    expect(names(reply)).toEqual(["dora@contoso.dev"]);
  });

  it("filters by status, role and team", async () => {
    expect(names(await admin.get("/api/admin/users?status=disconnected"))).toEqual(["dora@contoso.dev"]);
    const active = names(await admin.get("/api/admin/users?status=active"));
    expect(active).toContain("carl.jansen@contoso.dev");
    expect(active).not.toContain("dora@contoso.dev");
    expect(names(await admin.get("/api/admin/users?role=admin"))).toEqual([ANN.preferredUsername]);
    expect(names(await admin.get("/api/admin/users?role=User&search=contoso.dev"))).not.toContain(
      ANN.preferredUsername,
    );
    expect(names(await admin.get(`/api/admin/users?team=${crew}`))).toEqual(["carl.jansen@contoso.dev"]);
  });

  it("sorts by userName either way and by creation, one page at a time", async () => {
    const asc = names(await admin.get("/api/admin/users?sort=userName&order=asc"));
    expect(asc).toEqual([...asc].sort());
    expect(names(await admin.get("/api/admin/users?sort=userName&order=desc"))).toEqual([...asc].reverse());
    const created = await admin.get("/api/admin/users?sort=created&order=desc&pageSize=1&page=1");
    expect(names(created)).toEqual(["dora@contoso.dev"]);
    expect(created.json).toMatchObject({
      total: asc.length,
      page: 1,
      pageSize: 1,
      sort: "created",
      order: "desc",
      view: "current",
    });
    expect(names(await admin.get("/api/admin/users?sort=created&order=desc&pageSize=1&page=2"))).toEqual([
      "carl.jansen@contoso.dev",
    ]);
  });

  it("lists users deleted through SCIM in their own view, with when they go for good", async () => {
    expect(names(await admin.get("/api/admin/users"))).not.toContain("gone@contoso.dev");
    const deleted = await admin.get("/api/admin/users?view=deleted");
    expect(deleted.json.users).toEqual([
      {
        id: ids["gone@contoso.dev"],
        userName: "gone@contoso.dev",
        displayName: "Gone Soon",
        status: "deleted",
        objectId: "ext-gone@contoso.dev",
        deletedAt: expect.any(String),
        purgeAt: expect.any(String),
      },
    ]);
    const { deletedAt, purgeAt } = deleted.json.users[0];
    expect(Date.parse(purgeAt) - Date.parse(deletedAt)).toBe(30 * 86_400_000);
  });

  it.each([
    ["status=gone", /status must be one of active, disconnected/i, "status"],
    ["role=Pilot", /role must be one of/i, "role"],
    ["team=no-such-team", /not a team of this tenant/, "team"],
    ["sort=title", /sort must be one of userName, created, lastModified/i, "sort"],
    ["order=up", /order must be one of asc, desc/i, "order"],
    ["view=trash", /view must be one of current, deleted/i, "view"],
    ["page=1000&pageSize=100", /narrow the list/, "page"],
  ])("refuses %s with 400 naming the field", async (query, detail, field) => {
    expectProblem(await admin.get(`/api/admin/users?${query}`), 400, detail, field);
  });
});

describe("GET /api/admin/users/{id}", () => {
  it("shows every stored attribute, the manager by name, groups and meta", async () => {
    const reply = await admin.get(`/api/admin/users/${ids["carl.jansen@contoso.dev"]}`);
    expect(reply.status).toBe(200);
    expect(reply.json.attributes).toMatchObject({
      userName: "carl.jansen@contoso.dev",
      externalId: "cccccccc-2222-4222-8222-00000000abcd",
      title: "Planner",
      name: { givenName: "Carl", familyName: "Jansen" },
      addresses: [{ type: "work", locality: "Utrecht", country: "NL" }],
      phoneNumbers: [{ type: "mobile", value: "+31 6 1234 5678" }],
      [ENTERPRISE]: { employeeNumber: "00042", department: "Logistics", manager: { value: ids["boss@contoso.dev"] } },
    });
    expect(reply.json.attributes.schemas).toBeUndefined();
    expect(reply.json.manager).toEqual({
      id: ids["boss@contoso.dev"],
      userName: "boss@contoso.dev",
      displayName: "Bea Boss",
    });
    expect(reply.json.groups).toEqual([{ id: crew, displayName: "Crew" }]);
    expect(reply.json.meta).toEqual({ created: expect.any(String), lastModified: expect.any(String) });
  });

  it("says a password-only user can sign in when Password is switched on", async () => {
    const { id } = await createUser(cli(), { userName: "pat@contoso.dev", loginTypes: ["password"] });
    const reply = await admin.get(`/api/admin/users/${id}`);
    expect(reply.json).toMatchObject({ loginTypes: ["password"], canSignIn: { password: true, entra: false } });
  });

  it("refuses an Object ID that is not a GUID, naming where to find it", async () => {
    const reply = await admin.put(`/api/admin/users/${ids["dora@contoso.dev"]}/entra`, { objectId: "hand-set-2" });
    expectProblem(reply, 400, /GUID.*Entra admin center/, "objectId");
  });
});
