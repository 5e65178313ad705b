import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import {
  ERROR,
  GROUP,
  USER,
  client,
  entraUser,
  patch,
  q,
  startTestHost,
  type Client,
  devToken,
} from "../helpers/host.js";

/**
 * Cross-tenant isolation over HTTP: two tenants on one host and one store, each with its own
 * token. Nothing one tenant sends may read, change, count or reference the other tenant's resources.
 */

let host: RunningHost;

beforeAll(async () => {
  ({ host } = await startTestHost());
});
afterAll(async () => host?.close());

/** A fresh tenant with its own token, created the way the admin CLI does it. */
async function newTenant(name: string): Promise<{ id: string; scim: Client }> {
  const now = new Date();
  const tenant = await host.services.tenants.create(name, now);
  const { secret } = await devToken(host.services, tenant.id, `${name} token`, now);
  return { id: tenant.id, scim: client(host, secret) };
}

async function createUser(scim: Client, userName: string, extra: Record<string, unknown> = {}) {
  const res = await scim.post("/Users", entraUser(userName, extra));
  expect(res.status, `create ${userName}`).toBe(201);
  return res.body;
}

async function createGroup(scim: Client, displayName: string, members: string[] = []) {
  const res = await scim.post("/Groups", {
    schemas: [GROUP],
    displayName,
    externalId: `ext-${displayName}`,
    ...(members.length ? { members: members.map((value) => ({ value })) } : {}),
  });
  expect(res.status, `create group ${displayName}`).toBe(201);
  return res.body;
}

const ids = (res: { body: { Resources: { id: string }[] } }) => res.body.Resources.map((r) => r.id).sort();
const notFoundBody = (type: string, id: string) => ({
  schemas: [ERROR],
  status: "404",
  detail: expect.stringMatching(new RegExp(`^${type} ${id} not found`)),
});

describe("the same names in two tenants", () => {
  it("lets the same userName, externalId and group displayName exist in both tenants as separate resources", async () => {
    const a = await newTenant("Names A");
    const b = await newTenant("Names B");
    const ua = await createUser(a.scim, "same@contoso.com");
    const ub = await createUser(b.scim, "SAME@contoso.com");
    expect(ub.id).not.toBe(ua.id);
    expect(ub).toMatchObject({ userName: "SAME@contoso.com", externalId: "ext-SAME@contoso.com" });
    const ga = await createGroup(a.scim, "Sales");
    const gb = await createGroup(b.scim, "Sales");
    expect(gb.id).not.toBe(ga.id);

    expect((await a.scim.get(`/Users/${ua.id}`)).body.userName).toBe("same@contoso.com");
    expect((await b.scim.get(`/Users/${ub.id}`)).body.userName).toBe("SAME@contoso.com");
    // Each tenant still enforces uniqueness within itself.
    const dup = await b.scim.post("/Users", entraUser("same@CONTOSO.com", { externalId: "other" }));
    expect(dup.status).toBe(409);
    expect(dup.body.scimType).toBe("uniqueness");
    expect((await a.scim.post("/Groups", { schemas: [GROUP], displayName: "SALES" })).status).toBe(409);
  });
});

describe("another tenant's ids", () => {
  let a: { id: string; scim: Client };
  let b: { id: string; scim: Client };
  let userA: { id: string };
  let groupA: { id: string };

  beforeAll(async () => {
    a = await newTenant("Ids A");
    b = await newTenant("Ids B");
    userA = await createUser(a.scim, "owned@contoso.com", { title: "Owner" });
    groupA = await createGroup(a.scim, "Owned group", [userA.id]);
    await createUser(b.scim, "intruder@contoso.com");
  });

  it("answers 404 to GET, PUT, PATCH and DELETE of the other tenant's user, and leaves it unchanged", async () => {
    const before = (await a.scim.get(`/Users/${userA.id}`)).body;
    const path = `/Users/${userA.id}`;
    const replies = [
      await b.scim.get(path),
      await b.scim.put(path, entraUser("owned@contoso.com", { title: "Hijacked" })),
      await b.scim.patch(
        path,
        patch({ op: "Replace", path: "title", value: "Hijacked" }, { op: "Replace", path: "active", value: "False" }),
      ),
      await b.scim.delete(path),
    ];
    for (const res of replies) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual(notFoundBody("User", userA.id));
    }
    expect((await a.scim.get(path)).body).toEqual(before);
    expect((await a.scim.get(`/Users?filter=${q('userName eq "owned@contoso.com"')}`)).body.totalResults).toBe(1);
  });

  it("answers 404 to GET, PUT, PATCH and DELETE of the other tenant's group, and leaves it and its members unchanged", async () => {
    const before = (await a.scim.get(`/Groups/${groupA.id}`)).body;
    expect(before.members.map((m: { value: string }) => m.value)).toEqual([userA.id]);
    const path = `/Groups/${groupA.id}`;
    const replies = [
      await b.scim.get(path),
      await b.scim.get(`${path}?excludedAttributes=members`),
      await b.scim.put(path, { schemas: [GROUP], displayName: "Hijacked", members: [] }),
      await b.scim.patch(path, patch({ op: "Replace", path: "displayName", value: "Hijacked" })),
      await b.scim.patch(path, patch({ op: "Remove", path: "members", value: [{ value: userA.id }] })),
      await b.scim.patch(path, patch({ op: "remove", path: "members" })),
      await b.scim.delete(path),
    ];
    for (const res of replies) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual(notFoundBody("Group", groupA.id));
    }
    expect((await a.scim.get(path)).body).toEqual(before);
  });
});

describe("lists and filters", () => {
  let a: { id: string; scim: Client };
  let b: { id: string; scim: Client };
  const usersA: Record<string, string> = {};
  const usersB: Record<string, string> = {};
  const groupsA: Record<string, string> = {};
  const groupsB: Record<string, string> = {};

  beforeAll(async () => {
    a = await newTenant("Lists A");
    b = await newTenant("Lists B");
    // A has three users, B has two; "x-both" exists in both with the same userName and externalId.
    for (const name of ["x-both@contoso.com", "x-only-a1@contoso.com", "x-only-a2@contoso.com"])
      usersA[name] = (await createUser(a.scim, name)).id;
    for (const name of ["x-both@contoso.com", "x-only-b@contoso.com"])
      usersB[name] = (await createUser(b.scim, name)).id;
    groupsA["Both"] = (await createGroup(a.scim, "Both", [usersA["x-both@contoso.com"]!])).id;
    groupsA["Only A"] = (await createGroup(a.scim, "Only A")).id;
    groupsB["Both"] = (await createGroup(b.scim, "Both", [usersB["x-both@contoso.com"]!])).id;
  });

  it.each([
    ["userName eq", 'userName eq "x-both@contoso.com"'],
    ["userName eq in another case", 'userName eq "X-BOTH@CONTOSO.COM"'],
    ["externalId eq", 'externalId eq "ext-x-both@contoso.com"'],
  ])("answers a %s lookup with the own tenant's user only", async (_, filter) => {
    const resA = await a.scim.get(`/Users?filter=${q(filter)}`);
    const resB = await b.scim.get(`/Users?filter=${q(filter)}`);
    expect(resA.body).toMatchObject({ totalResults: 1, itemsPerPage: 1 });
    expect(ids(resA)).toEqual([usersA["x-both@contoso.com"]]);
    expect(resB.body).toMatchObject({ totalResults: 1, itemsPerPage: 1 });
    expect(ids(resB)).toEqual([usersB["x-both@contoso.com"]]);
  });

  it("answers an id eq filter naming the other tenant's user with an empty list", async () => {
    const res = await b.scim.get(`/Users?filter=${q(`id eq "${usersA["x-only-a1@contoso.com"]}"`)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it("answers a userName lookup of a name only the other tenant has with an empty list", async () => {
    const res = await b.scim.get(`/Users?filter=${q('userName eq "x-only-a1@contoso.com"')}`);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it("counts and returns only the own tenant's users for a general filter (userName sw)", async () => {
    const resA = await a.scim.get(`/Users?filter=${q('userName sw "x-"')}`);
    const resB = await b.scim.get(`/Users?filter=${q('userName sw "x-"')}`);
    expect(resA.body.totalResults).toBe(3);
    expect(ids(resA)).toEqual(Object.values(usersA).sort());
    expect(resB.body.totalResults).toBe(2);
    expect(ids(resB)).toEqual(Object.values(usersB).sort());
  });

  it("counts and returns only the own tenant's users for a plain GET /Users, also when paging", async () => {
    const resA = await a.scim.get("/Users");
    const resB = await b.scim.get("/Users");
    expect(resA.body.totalResults).toBe(3);
    expect(ids(resA)).toEqual(Object.values(usersA).sort());
    expect(resB.body.totalResults).toBe(2);
    expect(ids(resB)).toEqual(Object.values(usersB).sort());
    const page = await b.scim.get("/Users?startIndex=2&count=5");
    expect(page.body).toMatchObject({ totalResults: 2, startIndex: 2, itemsPerPage: 1 });
    expect(Object.values(usersB)).toContain(page.body.Resources[0].id);
  });

  it("answers a displayName lookup and a plain GET /Groups with the own tenant's groups only", async () => {
    const lookupB = await b.scim.get(`/Groups?excludedAttributes=members&filter=${q('displayName eq "Both"')}`);
    expect(lookupB.body.totalResults).toBe(1);
    expect(ids(lookupB)).toEqual([groupsB["Both"]]);
    expect((await b.scim.get(`/Groups?filter=${q('displayName eq "Only A"')}`)).body.totalResults).toBe(0);
    const allA = await a.scim.get("/Groups");
    const allB = await b.scim.get("/Groups");
    expect(allA.body.totalResults).toBe(2);
    expect(ids(allA)).toEqual(Object.values(groupsA).sort());
    expect(allB.body.totalResults).toBe(1);
    expect(allB.body.Resources[0].members.map((m: { value: string }) => m.value)).toEqual([
      usersB["x-both@contoso.com"],
    ]);
  });

  it("answers a members filter naming the other tenant's user with no groups", async () => {
    const res = await b.scim.get(`/Groups?filter=${q(`members.value eq "${usersA["x-both@contoso.com"]}"`)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
    const own = await a.scim.get(`/Groups?filter=${q(`members.value eq "${usersA["x-both@contoso.com"]}"`)}`);
    expect(ids(own)).toEqual([groupsA["Both"]]);
  });
});

describe("memberships across tenants", () => {
  let a: { id: string; scim: Client };
  let b: { id: string; scim: Client };
  let userA: { id: string };
  let groupB: { id: string };

  beforeAll(async () => {
    a = await newTenant("Members A");
    b = await newTenant("Members B");
    userA = await createUser(a.scim, "member@contoso.com");
    groupB = await createGroup(b.scim, "B team");
  });

  it("answers 400 invalidValue when a tenant adds the other tenant's user to its group by PATCH, and adds nobody", async () => {
    const ownUser = await createUser(b.scim, "own-member@contoso.com");
    const res = await b.scim.patch(
      `/Groups/${groupB.id}`,
      patch({ op: "Add", path: "members", value: [{ value: ownUser.id }, { value: userA.id }] }),
    );
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      schemas: [ERROR],
      status: "400",
      scimType: "invalidValue",
      detail: expect.stringMatching(new RegExp(`No User with id '${userA.id}' exists in this tenant`)),
    });
    expect((await b.scim.get(`/Groups/${groupB.id}`)).body.members).toBeUndefined();
    expect((await b.scim.get(`/Groups?filter=${q(`members.value eq "${userA.id}"`)}`)).body.totalResults).toBe(0);
  });

  it("answers 400 invalidValue for the other tenant's user in a PUT or POST of a group, and writes nothing", async () => {
    const put = await b.scim.put(`/Groups/${groupB.id}`, {
      schemas: [GROUP],
      displayName: "B team renamed",
      members: [{ value: userA.id }],
    });
    expect(put.status).toBe(400);
    expect(put.body).toMatchObject({ scimType: "invalidValue", detail: expect.stringMatching(userA.id) });
    const after = (await b.scim.get(`/Groups/${groupB.id}`)).body;
    expect(after.displayName).toBe("B team");
    expect(after.members).toBeUndefined();

    const post = await b.scim.post("/Groups", {
      schemas: [GROUP],
      displayName: "B smuggled",
      members: [{ value: userA.id }],
    });
    expect(post.status).toBe(400);
    expect(post.body).toMatchObject({ scimType: "invalidValue", detail: expect.stringMatching(userA.id) });
    expect((await b.scim.get(`/Groups?filter=${q('displayName eq "B smuggled"')}`)).body.totalResults).toBe(0);
  });
});

describe("deleting in one tenant", () => {
  it("does not touch the other tenant's user of the same userName, nor its group memberships", async () => {
    const a = await newTenant("Delete A");
    const b = await newTenant("Delete B");
    const ua = await createUser(a.scim, "leaver@contoso.com");
    const ub = await createUser(b.scim, "leaver@contoso.com");
    const gb = await createGroup(b.scim, "Stayers", [ub.id]);
    const beforeB = (await b.scim.get(`/Users/${ub.id}`)).body;

    expect((await a.scim.delete(`/Users/${ua.id}`)).status).toBe(204);

    expect((await a.scim.get(`/Users/${ua.id}`)).status).toBe(404);
    expect((await a.scim.get(`/Users?filter=${q('userName eq "leaver@contoso.com"')}`)).body.totalResults).toBe(0);
    expect((await b.scim.get(`/Users/${ub.id}`)).body).toEqual(beforeB);
    const found = await b.scim.get(`/Users?filter=${q('userName eq "LEAVER@contoso.com"')}`);
    expect(ids(found)).toEqual([ub.id]);
    expect((await b.scim.get(`/Users?filter=${q('externalId eq "ext-leaver@contoso.com"')}`)).body.totalResults).toBe(
      1,
    );
    expect((await b.scim.get(`/Groups/${gb.id}`)).body.members.map((m: { value: string }) => m.value)).toEqual([ub.id]);

    // B's userName stays taken in B; A's is free again.
    expect((await b.scim.post("/Users", entraUser("leaver@contoso.com", { externalId: "x" }))).status).toBe(409); // the userName
    expect((await a.scim.post("/Users", entraUser("leaver@contoso.com"))).status).toBe(201);
  });

  it("does not touch the other tenant's group of the same displayName", async () => {
    const a = await newTenant("Delete groups A");
    const b = await newTenant("Delete groups B");
    const ga = await createGroup(a.scim, "Temporary");
    const gb = await createGroup(b.scim, "Temporary");
    const beforeB = (await b.scim.get(`/Groups/${gb.id}`)).body;
    expect((await a.scim.delete(`/Groups/${ga.id}`)).status).toBe(204);
    expect((await b.scim.get(`/Groups/${gb.id}`)).body).toEqual(beforeB);
    expect(ids(await b.scim.get(`/Groups?filter=${q('displayName eq "temporary"')}`))).toEqual([gb.id]);
    expect((await b.scim.post("/Groups", { schemas: [GROUP], displayName: "Temporary" })).status).toBe(409);
  });
});

describe("tokens", () => {
  it("scopes every request to the token's tenant: a user created with one tenant's token is invisible to the other's", async () => {
    const a = await newTenant("Token A");
    const b = await newTenant("Token B");
    const u = await a.scim.post("/Users", { schemas: [USER], userName: "scoped@contoso.com" });
    expect(u.status).toBe(201);
    expect((await b.scim.get(`/Users/${u.body.id}`)).status).toBe(404);
    expect((await b.scim.get("/Users")).body).toMatchObject({ totalResults: 0, Resources: [] });
  });
});
