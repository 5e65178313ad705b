import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ENTERPRISE, ERROR, GROUP, USER, entraUser, patch, q, startTestHost, type Client } from "../helpers/host.js";

/**
 * The Enterprise User's `manager` in every form Entra sends, and clearing attributes with `""` or
 * `null`, over HTTP in both PATCH dialects (Entra's default, and `?aadOptscim062020`). Every write
 * is followed by a GET asserted as a whole object.
 */

let host: RunningHost;
let scim: Client;
const clock = new Date("2026-11-23T10:00:00.000Z");
const MANAGER = `${ENTERPRISE}:manager`;

let boss: { id: string };
let group: { id: string };
let serial = 0;

beforeAll(async () => {
  ({ host, scim } = await startTestHost({ now: () => clock }));
  boss = (await scim.post("/Users", entraUser("boss@contoso.com"))).body;
  group = (await scim.post("/Groups", { schemas: [GROUP], displayName: "Managers" })).body;
});
afterAll(async () => host?.close());

const ref = (id: string) => `${host.tenantUrl}/Users/${id}`;

/** The two PATCH dialects: Entra's default ("Replace"), and the RFC one the Tenant URL flag selects ("replace"). */
const DIALECTS = [
  ["default", "", (op: string) => op[0]!.toUpperCase() + op.slice(1)],
  ["aadOptscim062020", "?aadOptscim062020", (op: string) => op],
] as const;

async function newUser(extra: Record<string, unknown> = {}) {
  const res = await scim.post("/Users", entraUser(`user${++serial}@contoso.com`, extra));
  expect(res.status).toBe(201);
  return res.body as { id: string; meta: Record<string, unknown> } & Record<string, unknown>;
}

/** What GET returns after a write that changed `changes` (meta.version moves; the clock is frozen). */
const after = (before: Record<string, unknown>, changes: Record<string, unknown>) => ({
  ...before,
  ...changes,
  meta: { ...(before.meta as object), version: expect.any(String) },
});

/** PATCHes in a dialect; answers 200 with the resource, which a GET then shows exactly. */
async function patched(id: string, query: string, ...ops: unknown[]) {
  const res = await scim.patch(`/Users/${id}${query}`, patch(...ops));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const got = await scim.get(`/Users/${id}`);
  expect(res.body).toEqual(got.body);
  return got.body;
}

/** A SCIM 400 with exactly this scimType and detail. */
function expect400(res: { status: number; body: unknown }, scimType: string, detail: string) {
  expect(res.status).toBe(400);
  expect(res.body).toEqual({ schemas: [ERROR], status: "400", scimType, detail });
}

describe("manager in every form Entra sends", () => {
  const forms: [string, (s: (op: string) => string, id: string) => unknown][] = [
    ["a bare id on path manager", (s, id) => ({ op: s("replace"), path: "manager", value: id })],
    ["an object with value on path manager", (s, id) => ({ op: s("add"), path: "manager", value: { value: id } })],
    [
      "an array of one object on path manager",
      (s, id) => ({ op: s("replace"), path: "manager", value: [{ value: id }] }),
    ],
    ["a bare id on the full URN path", (s, id) => ({ op: s("replace"), path: MANAGER, value: id })],
    [
      "an array of one object on the full URN path",
      (s, id) => ({ op: s("add"), path: MANAGER, value: [{ value: id }] }),
    ],
    ["a path-less value keyed by the URN path", (s, id) => ({ op: s("replace"), value: { [MANAGER]: id } })],
    [
      "a path-less nested extension object",
      (s, id) => ({ op: s("replace"), value: { [ENTERPRISE]: { manager: { value: id } } } }),
    ],
    [
      "a path-less nested extension object with an array",
      (s, id) => ({ op: s("replace"), value: { [ENTERPRISE]: { manager: [{ value: id }] } } }),
    ],
  ];
  const cases = forms.flatMap(([form, op]) =>
    DIALECTS.map(([dialect, query, spell]) => [form, dialect, query, spell, op] as const),
  );

  it.each(cases)("stores %s (%s dialect) and serves it as {value, $ref}", async (_, __, query, spell, op) => {
    const u = await newUser();
    const got = await patched(u.id, query, op(spell, boss.id));
    expect(got).toEqual(
      after(u, { schemas: [USER, ENTERPRISE], [ENTERPRISE]: { manager: { value: boss.id, $ref: ref(boss.id) } } }),
    );
  });

  const clears: [string, (s: (op: string) => string, id: string) => unknown][] = [
    ["Remove on path manager", (s) => ({ op: s("remove"), path: "manager" })],
    ["Remove on the full URN path", (s) => ({ op: s("remove"), path: MANAGER })],
    ['Remove on path manager[value eq "id"]', (s, id) => ({ op: s("remove"), path: `manager[value eq "${id}"]` })],
    ['replace with ""', (s) => ({ op: s("replace"), path: "manager", value: "" })],
    ["replace with null", (s) => ({ op: s("replace"), path: MANAGER, value: null })],
    ['a path-less value keyed by the URN path, ""', (s) => ({ op: s("replace"), value: { [MANAGER]: "" } })],
  ];
  const clearCases = clears.flatMap(([form, op]) =>
    DIALECTS.map(([dialect, query, spell]) => [form, dialect, query, spell, op] as const),
  );

  it.each(clearCases)("removes the manager by %s (%s dialect)", async (_, __, query, spell, op) => {
    const u = await newUser({ [ENTERPRISE]: { employeeNumber: "7", manager: boss.id } });
    expect(u[ENTERPRISE]).toEqual({ employeeNumber: "7", manager: { value: boss.id, $ref: ref(boss.id) } });
    const got = await patched(u.id, query, op(spell, boss.id));
    expect(got).toEqual(after(u, { [ENTERPRISE]: { employeeNumber: "7" } }));
  });

  it("drops the extension from schemas when the manager was its only attribute", async () => {
    const u = await newUser({ [MANAGER]: [{ value: boss.id }] });
    const got = await patched(u.id, "", { op: "Replace", path: "manager", value: "" });
    const { [ENTERPRISE]: _, ...rest } = u;
    expect(got).toEqual(after(rest, { schemas: [USER] }));
  });

  it("keeps the manager when Entra removes one it has already replaced", async () => {
    const other = await newUser();
    const u = await newUser({ [ENTERPRISE]: { manager: { value: boss.id } } });
    const res = await scim.patch(`/Users/${u.id}`, patch({ op: "Remove", path: `manager[value eq "${other.id}"]` }));
    expect(res.status).toBe(200);
    expect((await scim.get(`/Users/${u.id}`)).body).toEqual(u);
  });

  it.each<[string, (id: string) => Record<string, unknown>]>([
    ["a bare id in the extension object", (id) => ({ [ENTERPRISE]: { manager: id } })],
    ["an array of one object in the extension object", (id) => ({ [ENTERPRISE]: { manager: [{ value: id }] } })],
    [
      "an object with $ref and displayName",
      (id) => ({ [ENTERPRISE]: { manager: { value: id, $ref: "https://elsewhere/Users/x", displayName: "Boss" } } }),
    ],
    ["a bare id under the URN-qualified key", (id) => ({ [MANAGER]: id })],
  ])("accepts %s on POST and PUT and serves it as {value, $ref}", async (_, manager) => {
    const created = await scim.post("/Users", entraUser(`post${++serial}@contoso.com`, manager(boss.id)));
    expect(created.status).toBe(201);
    expect(created.body[ENTERPRISE]).toEqual({ manager: { value: boss.id, $ref: ref(boss.id) } });
    expect((await scim.get(`/Users/${created.body.id}`)).body).toEqual(created.body);

    const other = await newUser();
    const put = await scim.put(`/Users/${created.body.id}`, entraUser(created.body.userName, manager(other.id)));
    expect(put.status).toBe(200);
    expect((await scim.get(`/Users/${created.body.id}`)).body).toEqual(
      after(created.body, { [ENTERPRISE]: { manager: { value: other.id, $ref: ref(other.id) } } }),
    );
  });

  it("finds users by their manager's id", async () => {
    const u = await newUser({ [ENTERPRISE]: { manager: [{ value: boss.id }] } });
    const found = await scim.get(`/Users?filter=${q(`${MANAGER}.value eq "${boss.id}"`)}&attributes=userName`);
    expect(found.body.Resources).toContainEqual({ schemas: [USER, ENTERPRISE], id: u.id, userName: u.userName });
  });
});

describe("manager values that are refused, with nothing written", () => {
  const unknown = "6c1a6a5e-0000-4000-8000-000000000000";
  const unknownDetail = `No User with id '${unknown}' exists in this tenant; '${MANAGER}' must be the id of a provisioned User.`;

  it.each(DIALECTS)(
    "answers 400 invalidValue to a PATCH naming an unknown manager id (%s dialect)",
    async (_, query, spell) => {
      const u = await newUser({ [ENTERPRISE]: { manager: boss.id } });
      for (const op of [
        { op: spell("replace"), path: "manager", value: unknown },
        { op: spell("replace"), value: { [MANAGER]: [{ value: unknown }] } },
      ]) {
        expect400(
          await scim.patch(
            `/Users/${u.id}${query}`,
            patch({ op: spell("replace"), path: "title", value: "Changed" }, op),
          ),
          "invalidValue",
          unknownDetail,
        );
      }
      expect((await scim.get(`/Users/${u.id}`)).body).toEqual(u);
    },
  );

  it("answers 400 invalidValue to a POST naming an unknown manager id, and creates no user", async () => {
    const res = await scim.post(
      "/Users",
      entraUser("orphan@contoso.com", { [ENTERPRISE]: { manager: { value: unknown } } }),
    );
    expect400(res, "invalidValue", unknownDetail);
    expect((await scim.get(`/Users?filter=${q('userName eq "orphan@contoso.com"')}`)).body.totalResults).toBe(0);
  });

  it("answers 400 invalidValue to a PUT naming an unknown manager id, and leaves the user as it was", async () => {
    const u = await newUser();
    expect400(
      await scim.put(`/Users/${u.id}`, entraUser(u.userName as string, { title: "Changed", [MANAGER]: unknown })),
      "invalidValue",
      unknownDetail,
    );
    expect((await scim.get(`/Users/${u.id}`)).body).toEqual(u);
  });

  it("answers 400 invalidValue to a manager that is a Group", async () => {
    const u = await newUser();
    expect400(
      await scim.patch(`/Users/${u.id}`, patch({ op: "Replace", path: "manager", value: group.id })),
      "invalidValue",
      `'${MANAGER}' names '${group.id}', which is a Group; a manager must be the id of a User.`,
    );
    expect((await scim.get(`/Users/${u.id}`)).body).toEqual(u);
  });

  it.each<[string, string, unknown, string]>([
    [
      "an object without value (PATCH)",
      "PATCH",
      patch(
        { op: "Replace", path: "title", value: "Changed" },
        { op: "Replace", path: "manager", value: { displayName: "Boss" } },
      ),
      `Operations[1]: '${MANAGER}' is an object without "value" (it has "displayName"): send {"value": "<user id>"}.`,
    ],
    [
      "an array of two managers (PATCH, RFC dialect)",
      "PATCH?aadOptscim062020",
      patch({ op: "replace", value: { title: "Changed", [MANAGER]: [{ value: "a" }, { value: "b" }] } }),
      `Operations[0]: '${MANAGER}' is single-valued: send one manager ({"value": "<user id>"}), not an array of 2.`,
    ],
    [
      "an object without value (PUT)",
      "PUT",
      entraUser("renamed@contoso.com", { [ENTERPRISE]: { manager: { $ref: "https://x/Users/y" } } }),
      `'${MANAGER}' is an object without "value" (it has "$ref"): send {"value": "<user id>"}.`,
    ],
    [
      "an array of two managers (PUT)",
      "PUT",
      entraUser("renamed@contoso.com", { [MANAGER]: [{ value: "a" }, { value: "b" }] }),
      `'${MANAGER}' is single-valued: send one manager ({"value": "<user id>"}), not an array of 2.`,
    ],
  ])("answers 400 invalidValue to %s, naming what is wrong", async (_, method, body, detail) => {
    const u = await newUser({ [ENTERPRISE]: { manager: boss.id } });
    const [verb, query = ""] = method.split("?");
    const res = await scim.request(verb!, `/Users/${u.id}${query ? `?${query}` : ""}`, body);
    expect400(res, "invalidValue", detail);
    expect((await scim.get(`/Users/${u.id}`)).body).toEqual(u);
  });

  it("answers 400 invalidValue to a POST whose manager is an object without value, and creates no user", async () => {
    const res = await scim.post("/Users", entraUser("novalue@contoso.com", { [ENTERPRISE]: { manager: {} } }));
    expect400(res, "invalidValue", `'${MANAGER}' is an object without "value": send {"value": "<user id>"}.`);
    expect((await scim.get(`/Users?filter=${q('userName eq "novalue@contoso.com"')}`)).body.totalResults).toBe(0);
  });
});

describe("clearing attributes with an empty value", () => {
  const extra = {
    title: "Engineer",
    nickName: "Al",
    phoneNumbers: [{ type: "work", value: "55555555555" }],
    addresses: [{ type: "work", locality: "Oslo", primary: true }],
    [ENTERPRISE]: { employeeNumber: "7", department: "R&D" },
  };

  const paths: [string, (u: Record<string, unknown>) => Record<string, unknown>][] = [
    ["title", ({ title: _, ...u }) => u],
    ["name.givenName", (u) => ({ ...u, name: { formatted: "givenName familyName", familyName: "familyName" } })],
    ["name", ({ name: _, ...u }) => u],
    ["emails", ({ emails: _, ...u }) => u],
    ['emails[type eq "work"].value', ({ emails: _, ...u }) => u],
    ['addresses[type eq "work"].locality', ({ addresses: _, ...u }) => u],
    ['phoneNumbers[type eq "work"].value', ({ phoneNumbers: _, ...u }) => u],
    [`${ENTERPRISE}:employeeNumber`, (u) => ({ ...u, [ENTERPRISE]: { department: "R&D" } })],
  ];
  const cases = paths.flatMap(([path, expected]) =>
    DIALECTS.map(([dialect, query, spell]) => [path, dialect, query, spell, expected] as const),
  );

  it.each(cases)(
    'clears %s with "" and with null (%s dialect); GET shows it absent',
    async (path, _, query, spell, expected) => {
      for (const value of ["", null]) {
        const u = await newUser(extra);
        const got = await patched(u.id, query, { op: spell("replace"), path, value });
        expect(got, JSON.stringify(value)).toEqual(after(expected(u), {}));
      }
    },
  );

  it("clears several attributes in one path-less replace of attribute paths (aadOptscim062020)", async () => {
    const u = await newUser(extra);
    const got = await patched(u.id, "?aadOptscim062020", {
      op: "replace",
      value: {
        "name.givenName": "",
        title: "",
        'addresses[type eq "work"].locality': "",
        [`${ENTERPRISE}:employeeNumber`]: "",
        nickName: null,
      },
    });
    const { title: _t, nickName: _n, addresses: _a, ...rest } = u;
    expect(got).toEqual(
      after(rest, {
        name: { formatted: "givenName familyName", familyName: "familyName" },
        [ENTERPRISE]: { department: "R&D" },
      }),
    );
  });

  it("clears several attributes in one path-less replace of nested objects (default dialect)", async () => {
    const u = await newUser(extra);
    const got = await patched(u.id, "", {
      op: "Replace",
      value: {
        name: { givenName: "", familyName: "" },
        title: "",
        [ENTERPRISE]: { employeeNumber: "", department: "" },
      },
    });
    const { title: _t, [ENTERPRISE]: _e, ...rest } = u;
    expect(got).toEqual(after(rest, { schemas: [USER], name: { formatted: "givenName familyName" } }));
  });

  it.each(DIALECTS)(
    "answers 400 to clearing the required userName (%s dialect), and writes nothing",
    async (_, query, spell) => {
      const u = await newUser();
      for (const [value, detail] of [
        ["", "Operations[1]: User attribute 'userName' must not be empty: it is required and cannot be cleared."],
        [null, "Operations[1]: User attribute 'userName' is required and cannot be removed."],
      ] as const) {
        expect400(
          await scim.patch(
            `/Users/${u.id}${query}`,
            patch(
              { op: spell("replace"), path: "title", value: "Changed" },
              { op: spell("replace"), path: "userName", value },
            ),
          ),
          "invalidValue",
          detail,
        );
      }
      expect((await scim.get(`/Users/${u.id}`)).body).toEqual(u);
    },
  );
});
