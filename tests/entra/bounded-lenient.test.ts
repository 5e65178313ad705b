import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ENTERPRISE, ERROR, GROUP, USER, entraUser, patch, q, startTestHost, type Client } from "../helpers/host.js";
import { FILTER_LIMITS } from "../../shared/scim/filter.js";
import { PATCH_LIMITS } from "../../shared/scim/patch.js";
import { RESOURCE_LIMITS } from "../../shared/scim/validate.js";
import { NAME_LIMITS } from "../../shared/scim/names.js";
import { runAdmin } from "../../local/cli/admin.js";

/**
 * Over HTTP, the way Entra sends it: every request is bounded (filter size, PATCH operations,
 * values and members per request), lenient where Entra and RFC 7643/7644 are (attributes the
 * schema does not define, unqualified extension names, excludedAttributes of always-returned
 * attributes) and strict where they are (dateTime values, userName).
 */

const CONTOSO = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User";
const PRODUCT = "urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User";

let host: RunningHost;
let scim: Client;

beforeAll(async () => {
  ({ host, scim } = await startTestHost());
});
afterAll(async () => host?.close());

const scimError = (status: number, scimType: string, detail: string) => ({
  schemas: [ERROR],
  status: String(status),
  scimType,
  detail,
});

async function createUser(userName: string, extra: Record<string, unknown> = {}) {
  const res = await scim.post("/Users", entraUser(userName, extra));
  expect(res.status).toBe(201);
  return res.body as { id: string } & Record<string, unknown>;
}

describe("attributes the schema does not define", () => {
  it.each<[string, Record<string, unknown>]>([
    ["a custom extension attribute as a full-URN key", { [`${CONTOSO}:costCenter`]: "42" }],
    ["an object under an unknown extension URN key", { [CONTOSO]: { costCenter: "42" } }],
    ["an unknown extension URN in schemas", { schemas: [USER, ENTERPRISE, CONTOSO], [CONTOSO]: { costCenter: "42" } }],
    ["a core-looking top-level attribute", { department: "Sales" }],
    ["an unknown sub-attribute", { name: { givenName: "A", nickname2: "x" } }],
    ["an unknown attribute inside the enterprise extension", { [ENTERPRISE]: { employeeNumber: "7", shoeSize: "42" } }],
  ])("POST /Users with %s succeeds and does not return it", async (title, extra) => {
    const userName = `unknown-${title.replace(/\W+/g, "-")}@contoso.com`;
    const created = await scim.post("/Users", entraUser(userName, extra));
    expect(created.status).toBe(201);
    const got = await scim.get(`/Users/${created.body.id}`);
    expect(got.status).toBe(200);
    const text = JSON.stringify(got.body);
    for (const word of ["Contoso", "costCenter", "nickname2", "shoeSize", "department"])
      expect(text).not.toContain(word);
    expect(got.body.schemas).toStrictEqual(extra[ENTERPRISE] ? [USER, ENTERPRISE] : [USER]);
  });

  it("PUT /Users/{id} with unknown attributes succeeds and stores the known ones", async () => {
    const user = await createUser("put-unknown@contoso.com");
    const res = await scim.put(
      `/Users/${user.id}`,
      entraUser("put-unknown@contoso.com", { title: "Boss", department: "Sales", [CONTOSO]: { costCenter: "1" } }),
    );
    expect(res.status).toBe(200);
    expect(res.body.title).toBe("Boss");
    expect(JSON.stringify(res.body)).not.toMatch(/department|Contoso/);
  });

  it("PATCH naming unknown attributes (both dialects) succeeds, applies the rest and does not return them", async () => {
    const user = await createUser("patch-unknown@contoso.com");
    const res = await scim.patch(
      `/Users/${user.id}`,
      patch(
        { op: "Replace", path: `${CONTOSO}:costCenter`, value: "42" },
        { op: "Add", path: "building", value: "B1" },
        { op: "replace", value: { "name.nickname2": "x", title: "Chief" } },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.title).toBe("Chief");
    expect(JSON.stringify(res.body)).not.toMatch(/costCenter|building|nickname2/);
  });

  it("still rejects a wrongly typed value of a known attribute", async () => {
    const res = await scim.post("/Users", entraUser("typed@contoso.com", { department: "x", active: "maybe" }));
    expect({ status: res.status, body: res.body }).toStrictEqual({
      status: 400,
      body: scimError(400, "invalidValue", "User attribute 'active' must be a boolean."),
    });
  });
});

describe("unqualified extension attribute names", () => {
  it("resolve in PATCH paths and filters", async () => {
    const user = await createUser("unqualified@contoso.com");
    const res = await scim.patch(
      `/Users/${user.id}`,
      patch(
        { op: "Replace", path: "employeeNumber", value: "E-7" },
        { op: "Replace", path: "employmentStartDate", value: "2026-03-01" },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body[ENTERPRISE]).toStrictEqual({ employeeNumber: "E-7" });
    expect(res.body[PRODUCT]).toStrictEqual({ employmentStartDate: "2026-03-01" });
    const found = await scim.get(`/Users?filter=${q('employeeNumber eq "E-7"')}`);
    expect(found.status).toBe(200);
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toStrictEqual([user.id]);
  });
});

describe("excludedAttributes naming always-returned attributes", () => {
  it("returns id, schemas and meta anyway and excludes the rest", async () => {
    const user = await createUser("excluded@contoso.com");
    const res = await scim.get(`/Users/${user.id}?excludedAttributes=id,schemas,meta,name`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, schemas: user.schemas, meta: user.meta });
    expect(res.body.name).toBeUndefined();
    const list = await scim.get(`/Groups?excludedAttributes=members,meta&filter=${q('displayName eq "nobody"')}`);
    expect(list.status).toBe(200);
  });
});

describe("strict values", () => {
  it.each(["2026-13-01", "2026-01-45", "2026-02-30", "2025-02-29", "2026-03-01T25:61:61Z"])(
    "rejects the dateTime %s with 400 invalidValue",
    async (value) => {
      const res = await scim.post(
        "/Users",
        entraUser(`date-${value}@contoso.com`, { [PRODUCT]: { employmentStartDate: value } }),
      );
      expect({ status: res.status, body: res.body }).toStrictEqual({
        status: 400,
        body: scimError(
          400,
          "invalidValue",
          `User attribute '${PRODUCT}:employmentStartDate' must be an xsd:dateTime such as 2026-03-01T00:00:00Z (or a date such as 2026-03-01).`,
        ),
      });
    },
  );

  it.each(["2026-03-01", "2024-02-29T23:59:59.5+01:00"])(
    "accepts the dateTime %s and returns it as sent",
    async (value) => {
      const user = await createUser(`okdate-${value}@contoso.com`, { [PRODUCT]: { employmentStartDate: value } });
      expect(user[PRODUCT]).toStrictEqual({ employmentStartDate: value });
    },
  );

  it.each<[string, string, string]>([
    [
      "a trailing space",
      "trailing@contoso.com ",
      `User attribute 'userName' begins or ends with whitespace ("trailing@contoso.com "); send it without.`,
    ],
    [
      "a control character",
      "ctl\u0007@contoso.com",
      "User attribute 'userName' contains the control character U+0007 at position 3.",
    ],
    [
      "too many characters",
      `${"a".repeat(NAME_LIMITS.maxLength)}@x`,
      `User attribute 'userName' is ${NAME_LIMITS.maxLength + 2} characters long; the limit is ${NAME_LIMITS.maxLength}.`,
    ],
  ])("rejects a userName with %s with 400 invalidValue", async (_, userName, detail) => {
    const res = await scim.post("/Users", entraUser(userName));
    expect({ status: res.status, body: res.body }).toStrictEqual({
      status: 400,
      body: scimError(400, "invalidValue", detail),
    });
  });

  it("rejects a PATCH that would give a user a userName with a leading space", async () => {
    const user = await createUser("lead@contoso.com");
    const res = await scim.patch(
      `/Users/${user.id}`,
      patch({ op: "Replace", path: "userName", value: " lead@contoso.com" }),
    );
    expect({ status: res.status, body: res.body }).toStrictEqual({
      status: 400,
      body: scimError(
        400,
        "invalidValue",
        `User attribute 'userName' begins or ends with whitespace (" lead@contoso.com"); send it without.`,
      ),
    });
  });
});

describe("bounded requests", () => {
  it("rejects a filter nested deeper than the limit quickly, with 400 invalidFilter", async () => {
    let filter = 'userName eq "x0"';
    for (let k = 1; k <= FILTER_LIMITS.maxDepth + 1; k++)
      filter = `(userName eq "x${k}" ${k % 2 ? "and" : "or"} ${filter})`;
    const res = await scim.get(`/Users?filter=${q(filter)}`);
    const position = [...filter.matchAll(/\(/g)][FILTER_LIMITS.maxDepth]?.index;
    expect({ status: res.status, scimType: res.body.scimType, detail: res.body.detail }).toStrictEqual({
      status: 400,
      scimType: "invalidFilter",
      detail: `Invalid filter at position ${position}: nesting depth ${FILTER_LIMITS.maxDepth + 1} exceeds the limit of ${FILTER_LIMITS.maxDepth} levels of "(", "not (" or "["`,
    });
  });

  it("answers the deepest allowed filter with the most comparisons", async () => {
    const user = await createUser("deep-filter@contoso.com");
    let filter = `userName eq "deep-filter@contoso.com"`;
    for (let k = 1; k <= FILTER_LIMITS.maxDepth; k++)
      filter = k % 2 ? `(userName eq "y${k}" or ${filter})` : `(userName pr and ${filter})`;
    const extra = Array.from(
      { length: FILTER_LIMITS.maxClauses - FILTER_LIMITS.maxDepth - 1 },
      (_, i) => `userName eq "z${i}"`,
    ).join(" or ");
    const res = await scim.get(`/Users?filter=${q(`${filter} or ${extra}`)}`);
    expect(res.status).toBe(200);
    expect(res.body.Resources.map((r: { id: string }) => r.id)).toStrictEqual([user.id]);
  });

  it("rejects a filter longer than the limit with 400 invalidFilter", async () => {
    const res = await scim.get(`/Users?filter=${q(`userName eq "${"x".repeat(FILTER_LIMITS.maxLength)}"`)}`);
    expect(res.body).toStrictEqual(
      scimError(
        400,
        "invalidFilter",
        `Invalid filter: it is ${FILTER_LIMITS.maxLength + 14} characters long; the limit is ${FILTER_LIMITS.maxLength} characters.`,
      ),
    );
  });

  it("rejects a PATCH with more operations than the limit with 400 tooMany, and writes nothing", async () => {
    const user = await createUser("many-ops@contoso.com");
    const ops = Array.from({ length: PATCH_LIMITS.maxOperations + 1 }, (_, i) => ({
      op: "add",
      path: "emails",
      value: [{ value: `e${i}@x` }],
    }));
    const res = await scim.patch(`/Users/${user.id}`, patch(...ops));
    expect({ status: res.status, body: res.body }).toStrictEqual({
      status: 400,
      body: scimError(
        400,
        "tooMany",
        `The PATCH request has ${PATCH_LIMITS.maxOperations + 1} operations; the limit is ${PATCH_LIMITS.maxOperations} operations per request. Send the changes in several requests.`,
      ),
    });
    expect((await scim.get(`/Users/${user.id}`)).body.meta).toStrictEqual(user.meta);
  });

  it("rejects more emails than the limit with 400 invalidValue naming the attribute", async () => {
    const user = await createUser("many-emails@contoso.com");
    const value = Array.from({ length: RESOURCE_LIMITS.maxValues }, (_, i) => ({ value: `m${i}@x` }));
    const res = await scim.patch(`/Users/${user.id}`, patch({ op: "add", path: "emails", value }));
    expect({ status: res.status, body: res.body }).toStrictEqual({
      status: 400,
      body: scimError(
        400,
        "invalidValue",
        `Operations[0]: User attribute 'emails' would have ${RESOURCE_LIMITS.maxValues + 1} values; the limit is ${RESOURCE_LIMITS.maxValues} values per multi-valued attribute.`,
      ),
    });
  });

  it("rejects a group PATCH naming more members than the limit with 400 tooMany", async () => {
    const group = await scim.post("/Groups", { schemas: [GROUP], displayName: "Too many members" });
    expect(group.status).toBe(201);
    const value = Array.from({ length: PATCH_LIMITS.maxMembers + 1 }, (_, i) => ({ value: `u${i}` }));
    const res = await scim.patch(`/Groups/${group.body.id}`, patch({ op: "Add", path: "members", value }));
    expect({ status: res.status, body: res.body }).toStrictEqual({
      status: 400,
      body: scimError(
        400,
        "tooMany",
        `Operations[0]: The PATCH request names ${PATCH_LIMITS.maxMembers + 1} or more members; the limit is ${PATCH_LIMITS.maxMembers} members per request. Send the members in several requests.`,
      ),
    });
  });
});

describe("what was ignored, for the admin", () => {
  const admin = async (...argv: string[]) => {
    const out: string[] = [];
    const code = await runAdmin([...argv, "--tenant", host.defaultTenant!.id, "--json"], {
      services: host.services,
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    });
    expect(code).toBe(0);
    return JSON.parse(out.join("\n"));
  };

  it("records the ignored attributes in the write's provisioning-log event", async () => {
    const created = await scim.post(
      "/Users",
      entraUser("logged-ignored@contoso.com", { department: "Sales", [`${CONTOSO}:costCenter`]: "42" }),
    );
    expect(created.status).toBe(201);
    await scim.patch(
      `/Users/${created.body.id}`,
      patch(
        { op: "Add", path: `${CONTOSO}:badgeColour`, value: "red" },
        { op: "Replace", path: "title", value: "Lead" },
      ),
    );
    const events = await admin("audit", "list", "--resource", created.body.id);
    expect(
      events.map((e: { operation: string; ignoredAttributes?: string[] }) => [e.operation, e.ignoredAttributes]),
    ).toEqual([
      ["patch", [`${CONTOSO}:badgeColour`]],
      ["create", expect.arrayContaining(["department", `${CONTOSO}:costCenter`])],
    ]);
  });

  it("sums them up per tenant, most frequent first, with the advice to remove the mapping", async () => {
    for (const n of [1, 2])
      expect(
        (await scim.post("/Users", entraUser(`summary-${n}@contoso.com`, { [`${CONTOSO}:costCenter`]: String(n) })))
          .status,
      ).toBe(201);
    const summary = await admin("audit", "ignored");
    const costCenter = summary.find((a: { attribute: string }) => a.attribute === `${CONTOSO}:costCenter`);
    expect(costCenter).toMatchObject({ count: expect.any(Number), lastSeen: expect.any(String) });
    expect(costCenter.count).toBeGreaterThanOrEqual(3);
    expect(summary[0].count).toBeGreaterThanOrEqual(summary.at(-1).count);
  });
});

describe("POST /.search (RFC 7644 §3.4.3)", () => {
  const SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

  it("answers /Users/.search exactly as GET /Users with the same parameters", async () => {
    for (const n of [1, 2, 3]) await createUser(`searched-${n}@contoso.com`);
    const filter = 'userName sw "searched-"';
    const viaGet = await scim.get(
      `/Users?filter=${q(filter)}&sortBy=userName&startIndex=2&count=1&attributes=userName`,
    );
    const viaPost = await scim.post("/Users/.search", {
      schemas: [SEARCH],
      filter,
      sortBy: "userName",
      startIndex: 2,
      count: 1,
      attributes: ["userName"],
    });
    expect(viaPost.status).toBe(200);
    expect(viaPost.body).toEqual(viaGet.body);
    expect(viaPost.body).toMatchObject({
      totalResults: 3,
      itemsPerPage: 1,
      Resources: [{ userName: "searched-2@contoso.com" }],
    });
  });

  it("answers /Groups/.search like GET /Groups, excludedAttributes included", async () => {
    expect((await scim.post("/Groups", { schemas: [GROUP], displayName: "Searchable" })).status).toBe(201);
    const viaPost = await scim.post("/Groups/.search", {
      schemas: [SEARCH],
      filter: 'displayName eq "Searchable"',
      excludedAttributes: ["members"],
    });
    expect(viaPost.body).toEqual(
      (await scim.get(`/Groups?filter=${q('displayName eq "Searchable"')}&excludedAttributes=members`)).body,
    );
    expect(viaPost.body.Resources[0]).not.toHaveProperty("members");
  });

  it("searches Users and Groups at the root, paging over both; a filter only Users can answer finds only Users", async () => {
    const both = await scim.post("/.search", {
      schemas: [SEARCH],
      filter: 'meta.resourceType eq "Group" or meta.resourceType eq "User"',
      count: 1000,
    });
    expect(both.status).toBe(200);
    const types = new Set(both.body.Resources.map((r: { meta: { resourceType: string } }) => r.meta.resourceType));
    expect(types).toEqual(new Set(["User", "Group"]));
    expect(both.body.totalResults).toBe(both.body.Resources.length);
    const usersOnly = await scim.post("/.search", { schemas: [SEARCH], filter: 'userName sw "searched-"' });
    expect(usersOnly.body).toMatchObject({ totalResults: 3 });
  });

  it("refuses a body that is not a SearchRequest with a SCIM 400", async () => {
    const res = await scim.post("/Users/.search", { schemas: ["urn:example"], filter: 5 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ schemas: [ERROR], status: "400" });
  });
});

describe("externalId is the client's identifier, not unique (RFC 7643 §3.1)", () => {
  it("lets two users carry the same externalId, finds both, and shows the admin the conflict", async () => {
    const oid = "6b0d2f8e-5a1c-4e7b-9f3d-2c4a6e8b0d1f";
    const first = await createUser("same-ext-1@contoso.com", { externalId: oid });
    const second = await createUser("same-ext-2@contoso.com", { externalId: oid });
    const found = await scim.get(`/Users?filter=${q(`externalId eq "${oid}"`)}`);
    expect(found.status).toBe(200);
    expect(found.body.totalResults).toBe(2);
    expect(found.body.Resources.map((r: { id: string }) => r.id).sort()).toEqual([first.id, second.id].sort());
    const out: string[] = [];
    expect(
      await runAdmin(["user", "show", "--user", first.id, "--tenant", host.defaultTenant!.id, "--json"], {
        services: host.services,
        out: (t) => out.push(t),
      }),
    ).toBe(0);
    expect(JSON.parse(out.join("\n"))).toMatchObject({ objectId: oid, objectIdHolders: [second.id] });
  });

  it("lets a group's externalId repeat too, while displayName stays unique", async () => {
    const a = await scim.post("/Groups", { schemas: [GROUP], displayName: "Ext A", externalId: "grp-ext" });
    const b = await scim.post("/Groups", { schemas: [GROUP], displayName: "Ext B", externalId: "grp-ext" });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect((await scim.post("/Groups", { schemas: [GROUP], displayName: "ext a" })).status).toBe(409);
  });
});

describe("userName compares by NFKC case folding, in lookups and in filters", () => {
  it.each([
    ["a full-width letter", "ｆｕｌｌ@contoso.com", "full@contoso.com"],
    ["ß and SS", "straße@contoso.com", "STRASSE@contoso.com"],
    ["a ligature", "ﬁnance@contoso.com", "FInance@contoso.com"],
  ])("finds %s by its folded form, and refuses a second user that folds the same", async (_, stored, asked) => {
    const user = await createUser(stored);
    const byEq = await scim.get(`/Users?filter=${q(`userName eq "${asked}"`)}`);
    expect(byEq.body.Resources.map((r: { id: string }) => r.id)).toEqual([user.id]);
    const bySw = await scim.get(`/Users?filter=${q(`userName sw "${asked.slice(0, 3)}"`)}`);
    expect(bySw.body.Resources.map((r: { id: string }) => r.id)).toContain(user.id);
    expect((await scim.post("/Users", entraUser(asked))).status).toBe(409);
    expect((await scim.get(`/Users/${user.id}`)).body.userName).toBe(stored);
  });
});
