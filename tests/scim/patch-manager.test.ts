import { describe, expect, it } from "vitest";
import { applyPatch, parsePatchRequest, type PatchResult } from "../../shared/scim/patch.js";
import { canonicalManager, withCanonicalManager, withManagerRef } from "../../shared/scim/manager.js";
import { URN } from "../../shared/scim/urns.js";

/** The Enterprise User's manager (RFC 7643 §4.3) in every form Entra sends, through the pure PATCH engine. */

const ENT = URN.enterpriseUser;
const MANAGER = `${ENT}:manager`;

type Json = Record<string, unknown>;

/** A user whose manager was stored, before this change, with a client-sent $ref. */
const user = (manager: Json | undefined = { value: "m0", $ref: "https://old.example/scim/v2/Users/m0" }): Json => ({
  schemas: [URN.user, ENT],
  userName: "alice@contoso.com",
  [ENT]: { employeeNumber: "7", ...(manager ? { manager } : {}) },
});

const body = (...Operations: unknown[]) => ({ schemas: [URN.patchOp], Operations });
const patch = (resource: Json, ...ops: unknown[]): PatchResult =>
  applyPatch(resource, parsePatchRequest(body(...ops)), "User");

/** Entra's default dialect spells ops "Add"/"Replace"/"Remove"; the RFC dialect (aadOptscim062020) spells them in lower case. */
const DIALECTS = [
  ["default", (op: string) => op[0]!.toUpperCase() + op.slice(1)],
  ["RFC", (op: string) => op],
] as const;

const setForms: [string, (spell: (op: string) => string) => Json][] = [
  ["a bare id on path manager", (s) => ({ op: s("replace"), path: "manager", value: "m1" })],
  ["an object with value on path manager", (s) => ({ op: s("replace"), path: "manager", value: { value: "m1" } })],
  ["an array of one object on path manager", (s) => ({ op: s("replace"), path: "manager", value: [{ value: "m1" }] })],
  ["a bare id on the full URN path", (s) => ({ op: s("replace"), path: MANAGER, value: "m1" })],
  ["an object with value on the full URN path", (s) => ({ op: s("replace"), path: MANAGER, value: { value: "m1" } })],
  [
    "an array of one object on the full URN path",
    (s) => ({ op: s("replace"), path: MANAGER, value: [{ value: "m1" }] }),
  ],
  ["an add of a bare id on a lower-case URN path", (s) => ({ op: s("add"), path: MANAGER.toLowerCase(), value: "m1" })],
  ["the id on path manager.value", (s) => ({ op: s("replace"), path: `${MANAGER}.value`, value: "m1" })],
  ["a path-less value keyed by the URN path, bare id", (s) => ({ op: s("replace"), value: { [MANAGER]: "m1" } })],
  [
    "a path-less value keyed by the URN path, object",
    (s) => ({ op: s("replace"), value: { [MANAGER]: { value: "m1" } } }),
  ],
  [
    "a path-less value keyed by the URN path, array",
    (s) => ({ op: s("replace"), value: { [MANAGER]: [{ value: "m1" }] } }),
  ],
  ["a path-less nested extension object, bare id", (s) => ({ op: s("replace"), value: { [ENT]: { manager: "m1" } } })],
  [
    "a path-less nested extension object, array",
    (s) => ({ op: s("replace"), value: { [ENT]: { manager: [{ value: "m1" }] } } }),
  ],
  [
    "the extension URN as path with an object of its attributes",
    (s) => ({ op: s("replace"), path: ENT, value: { manager: { value: "m1" } } }),
  ],
  [
    "an object carrying $ref and displayName besides value",
    (s) => ({
      op: s("add"),
      path: "manager",
      value: { value: "m1", $ref: "https://elsewhere/Users/m1", displayName: "Boss" },
    }),
  ],
];

describe("applyPatch: setting manager", () => {
  const cases = setForms.flatMap(([form, op]) =>
    DIALECTS.map(([dialect, spell]) => [form, dialect, op(spell)] as const),
  );
  it.each(cases)("stores %s (%s dialect) as {value: id}, nothing else", (_, __, op) => {
    expect(patch(user(), op)).toStrictEqual({
      resource: {
        schemas: [URN.user, ENT],
        userName: "alice@contoso.com",
        [ENT]: { employeeNumber: "7", manager: { value: "m1" } },
      },
      changedAttributes: [`${MANAGER}.value`],
      ignored: [],
    });
  });

  it("adds the Enterprise User extension and its schema when the manager is its first attribute", () => {
    const bare = { schemas: [URN.user], userName: "bob@contoso.com" };
    expect(patch(bare, { op: "Add", path: "manager", value: [{ value: "m1" }] })).toStrictEqual({
      resource: { schemas: [URN.user, ENT], userName: "bob@contoso.com", [ENT]: { manager: { value: "m1" } } },
      changedAttributes: [`${MANAGER}.value`, "schemas"],
      ignored: [],
    });
  });

  it("changes nothing (so nothing is written) when the same manager comes again as an array", () => {
    const current = user({ value: "m0" });
    expect(patch(current, { op: "Replace", path: "manager", value: [{ value: "m0" }] })).toStrictEqual({
      resource: current,
      changedAttributes: [],
      ignored: [],
    });
  });

  it("reports a path manager.$ref as ignored: $ref is derived from the id when served", () => {
    expect(
      patch(user({ value: "m0" }), { op: "replace", path: `${MANAGER}.$ref`, value: "https://x/Users/m9" }),
    ).toStrictEqual({
      resource: user({ value: "m0" }),
      changedAttributes: [],
      ignored: [`${MANAGER}.$ref`],
    });
  });
});

const clearForms: [string, (spell: (op: string) => string) => Json][] = [
  ["Remove on path manager", (s) => ({ op: s("remove"), path: "manager" })],
  ["Remove on the full URN path", (s) => ({ op: s("remove"), path: MANAGER })],
  ["Remove on path manager.value", (s) => ({ op: s("remove"), path: `${MANAGER}.value` })],
  ['Remove on path manager[value eq "m0"]', (s) => ({ op: s("remove"), path: 'manager[value eq "m0"]' })],
  ["Remove on the URN path with a value filter", (s) => ({ op: s("remove"), path: `${MANAGER}[value eq "M0"]` })],
  ["Remove on path manager naming the current id", (s) => ({ op: s("remove"), path: "manager", value: "m0" })],
  [
    "Remove on path manager naming the current id as an object",
    (s) => ({ op: s("remove"), path: "manager", value: [{ value: "m0" }] }),
  ],
  ['replace with ""', (s) => ({ op: s("replace"), path: "manager", value: "" })],
  ["replace with null", (s) => ({ op: s("replace"), path: MANAGER, value: null })],
  ["replace with an empty array", (s) => ({ op: s("replace"), path: "manager", value: [] })],
  ['replace with {"value": ""}', (s) => ({ op: s("replace"), path: "manager", value: { value: "" } })],
  ['replace of manager.value with ""', (s) => ({ op: s("replace"), path: `${MANAGER}.value`, value: "" })],
  ['a path-less value keyed by the URN path, ""', (s) => ({ op: s("replace"), value: { [MANAGER]: "" } })],
  ["a path-less nested extension object, null", (s) => ({ op: s("replace"), value: { [ENT]: { manager: null } } })],
];

describe("applyPatch: removing manager", () => {
  it.each(DIALECTS)("clears the manager by every removal form Entra sends (%s dialect)", (_, spell) => {
    for (const [form, op] of clearForms) {
      expect(patch(user({ value: "m0" }), op(spell)), form).toStrictEqual({
        resource: { schemas: [URN.user, ENT], userName: "alice@contoso.com", [ENT]: { employeeNumber: "7" } },
        changedAttributes: [MANAGER],
        ignored: [],
      });
    }
  });

  it.each([
    ["a value filter naming another id", { op: "remove", path: 'manager[value eq "m9"]' }],
    ["a Remove value naming another id", { op: "Remove", path: "manager", value: { value: "m9" } }],
  ])("keeps the current manager when %s (Entra removing a manager that was already replaced)", (_, op) => {
    expect(patch(user({ value: "m0" }), op)).toStrictEqual({
      resource: user({ value: "m0" }),
      changedAttributes: [],
      ignored: [],
    });
  });

  it("drops the extension and its schema when the manager was its last attribute", () => {
    const current = { schemas: [URN.user, ENT], userName: "bob@contoso.com", [ENT]: { manager: { value: "m0" } } };
    expect(patch(current, { op: "Replace", path: "manager", value: "" })).toStrictEqual({
      resource: { schemas: [URN.user], userName: "bob@contoso.com" },
      changedAttributes: [MANAGER, "schemas"],
      ignored: [],
    });
  });
});

describe("applyPatch: malformed manager values", () => {
  const noValue = (has: string) =>
    `Operations[0]: '${MANAGER}' is an object without "value" (it has ${has}): send {"value": "<user id>"}.`;
  it.each<[string, Json, string, string]>([
    [
      "an object without value",
      { op: "Replace", path: "manager", value: { displayName: "Boss" } },
      "invalidValue",
      noValue('"displayName"'),
    ],
    [
      "an object with only $ref",
      { op: "replace", path: MANAGER, value: { $ref: "https://x/Users/m1" } },
      "invalidValue",
      noValue('"$ref"'),
    ],
    [
      "an empty object",
      { op: "replace", value: { [MANAGER]: {} } },
      "invalidValue",
      `Operations[0]: '${MANAGER}' is an object without "value": send {"value": "<user id>"}.`,
    ],
    [
      "an array holding an object without value",
      { op: "Add", value: { [ENT]: { manager: [{ display: "Boss" }] } } },
      "invalidValue",
      `Operations[0]: '${MANAGER}[0]' is an object without "value" (it has "display"): send {"value": "<user id>"}.`,
    ],
    [
      "an array of two managers",
      { op: "Replace", path: "manager", value: [{ value: "m1" }, { value: "m2" }] },
      "invalidValue",
      `Operations[0]: '${MANAGER}' is single-valued: send one manager ({"value": "<user id>"}), not an array of 2.`,
    ],
    [
      "a number as value",
      { op: "replace", path: "manager", value: { value: 42 } },
      "invalidValue",
      `Operations[0]: '${MANAGER}.value' must be a string: the id of a User, not 42.`,
    ],
    [
      "a boolean",
      { op: "replace", path: "manager", value: true },
      "invalidValue",
      `Operations[0]: '${MANAGER}' takes the id of a User, {"value": "<user id>"} or [{"value": "<user id>"}], not true.`,
    ],
    [
      "an object on path manager.value",
      { op: "replace", path: `${MANAGER}.value`, value: { value: "m1" } },
      "invalidValue",
      `Operations[0]: '${MANAGER}.value' takes the id of a User (a string), not {"value":"m1"}.`,
    ],
    [
      "a value filter on replace",
      { op: "replace", path: 'manager[value eq "m0"]', value: "m1" },
      "invalidPath",
      `Operations[0]: A value filter on '${MANAGER}' is supported only by remove, as 'manager[value eq "<id>"]'; to set the manager use path "manager" with the id.`,
    ],
    [
      "a value filter with a sub-attribute",
      { op: "remove", path: 'manager[value eq "m0"].value' },
      "invalidPath",
      `Operations[0]: A value filter on '${MANAGER}' is supported only by remove, as 'manager[value eq "<id>"]'; to set the manager use path "manager" with the id.`,
    ],
    [
      "a Remove value without value",
      { op: "Remove", path: "manager", value: { id: "m0" } },
      "invalidValue",
      noValue('"id"'),
    ],
  ])("answers 400 to %s, naming what is wrong, and applies nothing", (_, op, scimType, detail) => {
    const before = user({ value: "m0" });
    let thrown: unknown;
    try {
      patch(before, { op: "Replace", path: "title", value: "Changed" }, op);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ status: 400, scimType, detail: detail.replace("Operations[0]", "Operations[1]") });
    expect(before).toStrictEqual(user({ value: "m0" }));
  });
});

describe("canonicalManager, withCanonicalManager and withManagerRef (POST/PUT bodies and responses)", () => {
  it.each<[string, unknown, unknown]>([
    ["a bare id", "m1", { value: "m1" }],
    [
      "an object, dropping $ref and displayName",
      { Value: "m1", $ref: "https://x/Users/m1", displayName: "B" },
      { value: "m1" },
    ],
    ["an array of one", [{ value: "m1" }], { value: "m1" }],
    ['""', "", null],
    ["null", null, null],
    ["[]", [], null],
    ['{"value": null}', { value: null }, null],
  ])("reads %s", (_, sent, stored) => {
    expect(canonicalManager(sent)).toStrictEqual(stored);
  });

  it.each<[string, Json, Json]>([
    [
      "inside the extension object",
      { schemas: [URN.user, ENT], userName: "a", [ENT]: { employeeNumber: "7", Manager: [{ value: "m1" }] } },
      { schemas: [URN.user, ENT], userName: "a", [ENT]: { employeeNumber: "7", Manager: { value: "m1" } } },
    ],
    [
      "under the URN-qualified key",
      { schemas: [URN.user, ENT], userName: "a", [MANAGER.toLowerCase()]: "m1" },
      { schemas: [URN.user, ENT], userName: "a", [MANAGER.toLowerCase()]: { value: "m1" } },
    ],
    [
      "cleared with an empty string",
      { schemas: [URN.user, ENT], userName: "a", [ENT]: { employeeNumber: "7", manager: "" } },
      { schemas: [URN.user, ENT], userName: "a", [ENT]: { employeeNumber: "7" } },
    ],
  ])("puts a POST/PUT body's manager %s in the stored form", (_, sent, expected) => {
    expect(withCanonicalManager(sent, "User")).toStrictEqual(expected);
  });

  it("refuses a POST/PUT body whose manager is an object without value", () => {
    expect(() =>
      withCanonicalManager(
        { schemas: [URN.user, ENT], userName: "a", [ENT]: { manager: { displayName: "Boss" } } },
        "User",
      ),
    ).toThrow(
      expect.objectContaining({
        status: 400,
        scimType: "invalidValue",
        detail: `'${MANAGER}' is an object without "value" (it has "displayName"): send {"value": "<user id>"}.`,
      }),
    );
  });

  it("serves the manager with $ref derived from its id, replacing a stored one", () => {
    expect(withManagerRef(user(), "https://scim.example/scim/v2")).toStrictEqual({
      schemas: [URN.user, ENT],
      userName: "alice@contoso.com",
      [ENT]: { employeeNumber: "7", manager: { value: "m0", $ref: "https://scim.example/scim/v2/Users/m0" } },
    });
  });
});
