import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import type { RunningHost } from "../../local/host/host.js";
import {
  ENTERPRISE,
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

/** Every request sequence of shared/spec/entra-provisioning.md, replayed over HTTP against the local host. */

let host: RunningHost;
let scim: Client;
let clock = new Date("2026-11-23T10:00:00.000Z");

beforeAll(async () => {
  ({ host, scim } = await startTestHost({ now: () => clock }));
});
afterAll(async () => host?.close());

const EMPTY_LIST = {
  schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
  totalResults: 0,
  Resources: [],
  startIndex: 1,
  itemsPerPage: 0,
};

async function createUser(userName: string, extra: Record<string, unknown> = {}) {
  const res = await scim.post("/Users", entraUser(userName, extra));
  expect(res.status).toBe(201);
  return res.body;
}

describe("1. Authentication", () => {
  it.each([
    ["no Authorization header", undefined, /Authentication required/],
    ["an unknown token", "scimf_" + "x".repeat(43), /unknown/],
    ["a token of another format", "Basic abc", /not a SCIM token/],
  ])("answers 401 with a SCIM error for %s", async (_, token, detail) => {
    const res = await client(host, token).get("/Users");
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ schemas: [ERROR], status: "401", detail: expect.stringMatching(detail) });
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(res.headers.get("content-type")).toMatch(/^application\/scim\+json/);
  });

  it("answers 401 once a token has expired, and names the token", async () => {
    const now = clock;
    const { secret } = await devToken(host.services, host.defaultTenant!.id, "short-lived", now, {
      expiresAt: new Date(now.getTime() + 60_000),
    });
    expect((await client(host, secret).get("/Users")).status).toBe(200);
    clock = new Date(now.getTime() + 61_000);
    try {
      const res = await client(host, secret).get("/Users");
      expect(res.status).toBe(401);
      expect(res.body.detail).toMatch(/'short-lived' expired at/);
    } finally {
      clock = now;
    }
  });

  it("does not depend on User-Agent or Accept headers", async () => {
    const res = await fetch(`${host.tenantUrl}/Users?count=0`, {
      headers: { Authorization: `Bearer ${host.defaultTenant!.token}`, Accept: "", "User-Agent": "" },
    });
    expect(res.status).toBe(200);
  });
});

describe("2. Test Connection", () => {
  it("answers an exact empty ListResponse for a userName that matches nothing (URL-encoded with +)", async () => {
    const res = await scim.get(`/Users?filter=userName+eq+%22${randomUUID()}%22`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(EMPTY_LIST);
  });

  it("answers an empty ListResponse for the Groups probe with excludedAttributes=members", async () => {
    const res = await scim.get(`/Groups?excludedAttributes=members&filter=${q(`displayName eq "${randomUUID()}"`)}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(EMPTY_LIST);
  });
});

describe("3-5. Users: lookup, create, read", () => {
  it("creates Entra's user with 201, a server id and full meta, ignoring client meta and id", async () => {
    const body = { ...entraUser("Test_User_00aa00aa@testuser.com"), id: "client-chosen" };
    const res = await scim.post("/Users", body);
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe("client-chosen");
    expect(res.body).toEqual({
      schemas: [USER],
      id: expect.any(String),
      externalId: "ext-Test_User_00aa00aa@testuser.com",
      userName: "Test_User_00aa00aa@testuser.com",
      active: true,
      emails: [{ primary: true, type: "work", value: "Test_User_00aa00aa@testuser.com" }],
      name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
      roles: [],
      meta: {
        resourceType: "User",
        created: clock.toISOString(),
        lastModified: clock.toISOString(),
        location: `${host.tenantUrl}/Users/${res.body.id}`,
        version: expect.stringMatching(/^W\/".+"$/),
      },
    });
    expect(res.headers.get("location")).toBe(res.body.meta.location);
    expect(res.headers.get("etag")).toBe(res.body.meta.version);
  });

  it("finds a user by userName case-insensitively, by externalId, by work email and by employeeNumber", async () => {
    const u = await createUser("alice@contoso.com", { [ENTERPRISE]: { employeeNumber: "123" } });
    for (const filter of [
      'userName eq "ALICE@CONTOSO.COM"',
      `externalId eq "ext-alice@contoso.com"`,
      'emails[type eq "work"].value eq "alice@contoso.com"',
      `${ENTERPRISE}:employeeNumber eq "123"`,
    ]) {
      const res = await scim.get(`/Users?filter=${q(filter)}`);
      expect(res.status, filter).toBe(200);
      expect(res.body.totalResults, filter).toBe(1);
      expect(res.body.Resources[0].id, filter).toBe(u.id);
    }
  });

  it("answers 409 uniqueness for a duplicate userName in another case", async () => {
    await createUser("bob@contoso.com");
    const res = await scim.post("/Users", entraUser("BOB@contoso.com", { externalId: "other" }));
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      schemas: [ERROR],
      status: "409",
      scimType: "uniqueness",
      detail: expect.stringMatching(/userName 'BOB@contoso.com' is already used/),
    });
  });

  it("stores and returns values exactly as sent", async () => {
    const u = await createUser("carol@contoso.com", {
      phoneNumbers: [{ type: "work", value: "55555555555" }],
      title: "  Consultant ",
      "urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User": { employmentStartDate: "2026-03-01" },
    });
    const res = await scim.get(`/Users/${u.id}`);
    expect(res.status).toBe(200);
    expect(res.body.phoneNumbers).toEqual([{ type: "work", value: "55555555555" }]);
    expect(res.body.title).toBe("  Consultant ");
    expect(res.body["urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User"]).toEqual({
      employmentStartDate: "2026-03-01",
    });
    expect(res.body.schemas).toEqual([USER, "urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User"]);
  });

  it("accepts an extension attribute as a URN-qualified key not listed in schemas", async () => {
    const res = await scim.post("/Users", {
      schemas: [USER],
      userName: "dave@contoso.com",
      [`${ENTERPRISE}:department`]: "Sales",
    });
    expect(res.status).toBe(201);
    expect(res.body[ENTERPRISE]).toEqual({ department: "Sales" });
  });

  it.each(["a%2Fb", "%20", "x%23y", "a%5Cb"])(
    "answers 404, never 500, for an id the store could not hold (%s)",
    async (id) => {
      for (const method of ["GET", "PUT", "PATCH", "DELETE"]) {
        const res = await scim.request(
          method,
          `/Users/${id}`,
          method === "PUT"
            ? entraUser("never@contoso.com")
            : method === "PATCH"
              ? patch({ op: "add", path: "title", value: "x" })
              : undefined,
        );
        expect(res.status, method).toBe(404);
      }
      expect((await scim.get(`/Users?filter=${q(`id eq "${decodeURIComponent(id)}"`)}`)).body.totalResults).toBe(0);
    },
  );

  it("answers 404 with a SCIM error for an unknown id", async () => {
    const res = await scim.get(`/Users/${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ schemas: [ERROR], status: "404", detail: expect.stringMatching(/^User .* not found/) });
  });

  it("pages exactly: totalResults is the match count, not the page size", async () => {
    for (let i = 0; i < 5; i++) await createUser(`page${i}@paging.test`);
    const res = await scim.get(`/Users?filter=${q('userName sw "page"')}&startIndex=3&count=2&sortBy=userName`);
    expect(res.body).toMatchObject({ totalResults: 5, startIndex: 3, itemsPerPage: 2 });
    expect(res.body.Resources.map((r: { userName: string }) => r.userName)).toEqual([
      "page2@paging.test",
      "page3@paging.test",
    ]);
  });
});

describe("3. Query: general filters and sorting", () => {
  it("sorts by an attribute, case-insensitively, with resources lacking it last, in both orders", async () => {
    await createUser("sort-b@sorting.test", { title: "beta" });
    await createUser("sort-a@sorting.test", { title: "Alpha" });
    await createUser("sort-none@sorting.test");
    const names = async (order: string) =>
      (
        await scim.get(`/Users?filter=${q('userName ew "@sorting.test"')}&sortBy=title&sortOrder=${order}`)
      ).body.Resources.map((r: { userName: string }) => r.userName);
    expect(await names("ascending")).toEqual(["sort-a@sorting.test", "sort-b@sorting.test", "sort-none@sorting.test"]);
    expect(await names("descending")).toEqual(["sort-none@sorting.test", "sort-b@sorting.test", "sort-a@sorting.test"]);
  });

  it("answers a general filter with or, not and a value path", async () => {
    const a = await createUser("gen-a@general.test", { title: "Lead" });
    await createUser("gen-b@general.test", { title: "Dev", active: false });
    const filter =
      '(title eq "lead" or active eq false) and not (userName sw "x") and emails[type eq "work" and value co "@general"]';
    const res = await scim.get(`/Users?filter=${q(filter)}&attributes=userName`);
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(2);
    expect(res.body.Resources.find((r: { id: string }) => r.id === a.id)).toEqual({
      schemas: [USER],
      id: a.id,
      userName: "gen-a@general.test",
    });
  });
});

describe("6. Update user: PATCH in both dialects", () => {
  it("applies the default dialect, one op per attribute", async () => {
    const u = await createUser("patch1@contoso.com");
    const res = await scim.patch(
      `/Users/${u.id}`,
      patch(
        { op: "Replace", path: "displayName", value: "Pvlo" },
        { op: "Replace", path: 'emails[type eq "work"].value', value: "TestBcwqnm@test.microsoft.com" },
        { op: "Replace", path: "name.givenName", value: "Gtfd" },
        { op: "Replace", path: "name.familyName", value: "Pkqf" },
        { op: "Replace", path: "externalId", value: "Eqpj" },
        { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: "Eqpj" },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      displayName: "Pvlo",
      emails: [{ primary: true, type: "work", value: "TestBcwqnm@test.microsoft.com" }],
      name: { formatted: "givenName familyName", givenName: "Gtfd", familyName: "Pkqf" },
      externalId: "Eqpj",
      [ENTERPRISE]: { employeeNumber: "Eqpj" },
    });
    expect(res.body.schemas).toEqual([USER, ENTERPRISE]);
    const found = await scim.get(`/Users?filter=${q('externalId eq "Eqpj"')}`);
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([u.id]);
  });

  it("applies an Add of nickName", async () => {
    const u = await createUser("patch2@contoso.com");
    const res = await scim.patch(`/Users/${u.id}`, patch({ op: "Add", path: "nickName", value: "Babs" }));
    expect(res.status).toBe(200);
    expect(res.body.nickName).toBe("Babs");
  });

  it("applies the RFC dialect with a path-less replace of dotted attribute paths", async () => {
    const u = await createUser("patch3@contoso.com");
    const res = await scim.patch(
      `/Users/${u.id}?aadOptscim062020`,
      patch(
        { op: "replace", path: 'emails[type eq "work"].value', value: "TestMhvaes@test.microsoft.com" },
        {
          op: "replace",
          value: {
            displayName: "Bjfe",
            "name.givenName": "Kkom",
            "name.familyName": "Unua",
            [`${ENTERPRISE}:employeeNumber`]: "Aklq",
          },
        },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      displayName: "Bjfe",
      name: { givenName: "Kkom", familyName: "Unua" },
      emails: [{ type: "work", value: "TestMhvaes@test.microsoft.com" }],
      [ENTERPRISE]: { employeeNumber: "Aklq" },
    });
  });

  it("applies a path-less add with nested objects (RFC 7644 3.5.2)", async () => {
    const u = await createUser("patch4@contoso.com");
    const res = await scim.patch(
      `/Users/${u.id}`,
      patch({ op: "add", value: { title: "Lead", name: { middleName: "M" } } }),
    );
    expect(res.body).toMatchObject({ title: "Lead", name: { givenName: "givenName", middleName: "M" } });
  });

  it("creates the element a value-filter path names when it does not exist, leaving other types alone", async () => {
    const u = await createUser("patch5@contoso.com", { addresses: [{ type: "home", locality: "Home town" }] });
    const res = await scim.patch(
      `/Users/${u.id}`,
      patch(
        { op: "Add", path: 'addresses[type eq "work"].locality', value: "Stockholm" },
        { op: "Replace", path: 'phoneNumbers[type eq "work"].value', value: "55555555555" },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.addresses).toEqual([
      { type: "home", locality: "Home town" },
      { type: "work", locality: "Stockholm" },
    ]);
    expect(res.body.phoneNumbers).toEqual([{ type: "work", value: "55555555555" }]);
  });

  it("applies the rest of a PATCH that names an attribute the schema does not define, and does not store that one", async () => {
    const u = await createUser("patch6@contoso.com");
    const res = await scim.patch(
      `/Users/${u.id}`,
      patch({ op: "Replace", path: "displayName", value: "Changed" }, { op: "Replace", path: "shoeSize", value: "42" }),
    );
    expect(res.status).toBe(200);
    const stored = (await scim.get(`/Users/${u.id}`)).body;
    expect(stored.displayName).toBe("Changed");
    expect(JSON.stringify(stored)).not.toContain("shoeSize");
  });
});

describe("7-8. Disable, re-enable and delete", () => {
  it.each([
    ["default dialect", "Replace", "False", "True"],
    ["RFC dialect", "replace", false, true],
  ])(
    "disables and re-enables in the %s; a disabled user keeps its data and is still found",
    async (dialect, op, off, on) => {
      const u = await createUser(`disable-${dialect.split(" ")[0]}@contoso.com`, { title: "Keeps" });
      const g = await scim.post("/Groups", { schemas: [GROUP], displayName: `keep-${dialect}` });
      await scim.patch(`/Groups/${g.body.id}`, patch({ op: "Add", path: "members", value: [{ value: u.id }] }));
      const disabled = await scim.patch(`/Users/${u.id}`, patch({ op, path: "active", value: off }));
      expect(disabled.status).toBe(200);
      expect(disabled.body).toMatchObject({ active: false, title: "Keeps" });
      const found = await scim.get(`/Users?filter=${q(`userName eq "${u.userName}"`)}`);
      expect(found.body.Resources[0]).toMatchObject({ id: u.id, active: false });
      const group = await scim.get(`/Groups/${g.body.id}`);
      expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([u.id]);
      const enabled = await scim.patch(`/Users/${u.id}`, patch({ op, path: "active", value: on }));
      expect(enabled.body.active).toBe(true);
    },
  );

  it("deletes with 204; afterwards GET is 404, the userName is free and the user left its groups", async () => {
    const u = await createUser("gone@contoso.com");
    const g = await scim.post("/Groups", { schemas: [GROUP], displayName: "has-gone" });
    await scim.patch(`/Groups/${g.body.id}`, patch({ op: "Add", path: "members", value: [{ value: u.id }] }));
    const res = await scim.delete(`/Users/${u.id}`);
    expect(res.status).toBe(204);
    expect((await scim.get(`/Users/${u.id}`)).status).toBe(404);
    expect((await scim.get(`/Users?filter=${q('userName eq "gone@contoso.com"')}`)).body.totalResults).toBe(0);
    expect((await scim.get(`/Groups/${g.body.id}`)).body.members).toBeUndefined();
    expect((await scim.post("/Users", entraUser("gone@contoso.com"))).status).toBe(201);
  });
});

describe("9. Groups", () => {
  it("runs Entra's whole group sequence: lookup, create, read, add, remove in both dialects, rename, delete", async () => {
    const users = await Promise.all(["g1", "g2", "g3"].map((n) => createUser(`${n}@groups.test`)));
    const lookup = await scim.get(`/Groups?excludedAttributes=members&filter=${q('displayName eq "Sales"')}`);
    expect(lookup.body.totalResults).toBe(0);

    const created = await scim.post("/Groups", {
      schemas: [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
      externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
      displayName: "Sales",
      meta: { resourceType: "Group" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      schemas: [GROUP],
      displayName: "Sales",
      externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
      meta: { resourceType: "Group" },
    });
    const id = created.body.id;

    const dup = await scim.post("/Groups", { schemas: [GROUP], displayName: "SALES" });
    expect(dup.status).toBe(409);
    expect(dup.body.scimType).toBe("uniqueness");

    const add = await scim.patch(
      `/Groups/${id}`,
      patch({ op: "Add", path: "members", value: users.map((u) => ({ $ref: null, value: u.id })) }),
    );
    expect(add.status).toBe(204);
    expect(add.body).toBeUndefined();
    const again = await scim.patch(
      `/Groups/${id}`,
      patch({ op: "Add", path: "members", value: [{ $ref: null, value: users[0].id }] }),
    );
    expect(again.status).toBe(204);

    const read = await scim.get(`/Groups/${id}`);
    expect(read.body.members.map((m: { value: string }) => m.value).sort()).toEqual(users.map((u) => u.id).sort());
    const noMembers = await scim.get(`/Groups/${id}?excludedAttributes=members`);
    expect(noMembers.body.members).toBeUndefined();
    expect(noMembers.body.displayName).toBe("Sales");
    const listed = await scim.get(`/Groups?excludedAttributes=members&filter=${q('displayName eq "sales"')}`);
    expect(listed.body.totalResults).toBe(1);
    expect(listed.body.Resources[0].members).toBeUndefined();

    await scim.patch(`/Groups/${id}`, patch({ op: "Remove", path: "members", value: [{ value: users[0].id }] }));
    await scim.patch(`/Groups/${id}`, patch({ op: "remove", path: `members[value eq "${users[1].id}"]` }));
    const after = await scim.get(`/Groups/${id}`);
    expect(after.body.members.map((m: { value: string }) => m.value)).toEqual([users[2].id]);

    const renamed = await scim.patch(`/Groups/${id}`, patch({ op: "Replace", path: "displayName", value: "New name" }));
    expect(renamed.status).toBe(204);
    expect((await scim.get(`/Groups?filter=${q('displayName eq "New name"')}`)).body.totalResults).toBe(1);
    expect((await scim.get(`/Groups?filter=${q('displayName eq "Sales"')}`)).body.totalResults).toBe(0);
    expect((await scim.post("/Groups", { schemas: [GROUP], displayName: "Sales" })).status).toBe(201);

    expect((await scim.delete(`/Groups/${id}`)).status).toBe(204);
    expect((await scim.get(`/Groups/${id}`)).status).toBe(404);
  });

  it("answers 400, not 500, for an unknown member id or a group as a member, and adds nobody", async () => {
    const u = await createUser("member-ok@groups.test");
    const g = (await scim.post("/Groups", { schemas: [GROUP], displayName: "strict" })).body;
    const other = (await scim.post("/Groups", { schemas: [GROUP], displayName: "nested" })).body;
    const unknown = await scim.patch(
      `/Groups/${g.id}`,
      patch({ op: "Add", path: "members", value: [{ value: u.id }, { value: "f648f8d5ea4e4cd38e9c" }] }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      scimType: "invalidValue",
      detail: expect.stringMatching(/f648f8d5ea4e4cd38e9c/),
    });
    const nested = await scim.patch(
      `/Groups/${g.id}`,
      patch({ op: "Add", path: "members", value: [{ value: other.id }] }),
    );
    expect(nested.status).toBe(400);
    expect(nested.body.detail).toMatch(/Nested groups are not supported/);
    expect((await scim.get(`/Groups/${g.id}`)).body.members).toBeUndefined();
  });
});

describe("10. Discovery", () => {
  const noNulls = (value: unknown): boolean =>
    value !== null && (typeof value !== "object" || Object.values(value as object).every(noNulls));

  it("serves a truthful ServiceProviderConfig", async () => {
    const res = await scim.get("/ServiceProviderConfig");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [
        expect.objectContaining({
          type: "oauth2",
          primary: true,
          description: expect.stringContaining(`${host.url}/oauth2/token`),
        }),
        expect.objectContaining({ type: "oauthbearertoken", primary: false }),
      ],
    });
    expect(noNulls(res.body)).toBe(true);
  });

  it("serves ResourceTypes and each one by name", async () => {
    const res = await scim.get("/ResourceTypes");
    expect(res.body.Resources.map((r: { id: string }) => r.id)).toEqual(["User", "Group"]);
    expect(res.body.Resources[0].schemaExtensions).toEqual([
      { schema: ENTERPRISE, required: false },
      { schema: "urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User", required: false },
    ]);
    expect((await scim.get("/ResourceTypes/Group")).body.endpoint).toBe("/Groups");
    expect((await scim.get("/ResourceTypes/Device")).status).toBe(404);
  });

  it("serves the User, Enterprise User, product extension and Group schemas, each at /Schemas/{urn}", async () => {
    const res = await scim.get("/Schemas");
    const ids = res.body.Resources.map((s: { id: string }) => s.id);
    expect(ids).toEqual([USER, ENTERPRISE, "urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User", GROUP]);
    expect(noNulls(res.body)).toBe(true);
    for (const id of ids) {
      const one = await scim.get(`/Schemas/${id}`);
      expect(one.status).toBe(200);
      expect(one.body.id).toBe(id);
    }
    const userName = res.body.Resources[0].attributes.find((a: { name: string }) => a.name === "userName");
    expect(userName).toMatchObject({
      type: "string",
      caseExact: false,
      uniqueness: "server",
      required: true,
      mutability: "readWrite",
    });
  });
});

describe("11. Conventions", () => {
  it("accepts application/json request bodies and ignores unknown query parameters", async () => {
    const res = await scim.request(
      "POST",
      "/Users?aadOptscim062020&foo=bar",
      JSON.stringify(entraUser("json@contoso.com")),
      {
        "Content-Type": "application/json",
      },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toMatch(/^application\/scim\+json/);
  });

  it("answers a SCIM 404 for any other path under the prefix", async () => {
    const res = await scim.get("/Devices/1");
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      schemas: [ERROR],
      status: "404",
      detail: expect.stringMatching(/No SCIM endpoint at \/Devices\/1/),
    });
  });
});

describe("User groups (returned on request)", () => {
  it("serves a user's groups only when attributes asks for them", async () => {
    const u = await createUser("member-of@groups.test");
    const g = (await scim.post("/Groups", { schemas: [GROUP], displayName: "Visible group" })).body;
    await scim.patch(`/Groups/${g.id}`, patch({ op: "Add", path: "members", value: [{ value: u.id }] }));
    expect((await scim.get(`/Users/${u.id}`)).body.groups).toBeUndefined();
    const res = await scim.get(`/Users/${u.id}?attributes=userName,groups`);
    expect(res.body).toEqual({
      schemas: [USER],
      id: u.id,
      userName: "member-of@groups.test",
      groups: [{ value: g.id, $ref: `${host.tenantUrl}/Groups/${g.id}`, display: "Visible group", type: "direct" }],
    });
  });
});
