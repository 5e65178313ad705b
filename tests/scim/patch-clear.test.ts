import { describe, expect, it } from "vitest";
import { applyPatch, parsePatchRequest, type PatchResult } from "../../shared/scim/patch.js";
import type { ResourceTypeName } from "../../shared/scim/schemas.js";
import { URN } from "../../shared/scim/urns.js";

/** Clearing attributes with `replace` and `""` or `null` (both PATCH dialects), through the pure PATCH engine. */

const ENT = URN.enterpriseUser;
const PRODUCT = URN.productUser;

type Json = Record<string, unknown>;

/** A user with every kind of optional attribute Entra maps: simple, complex, multi-valued, extensions. */
const full = (): Json => ({
  schemas: [URN.user, ENT, PRODUCT],
  externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
  userName: "alice@contoso.com",
  displayName: "Alice",
  nickName: "Al",
  title: "Engineer",
  active: true,
  name: { givenName: "Alice", familyName: "Smith" },
  emails: [
    { type: "work", value: "alice@contoso.com", primary: true },
    { type: "home", value: "alice@example.org" },
  ],
  phoneNumbers: [{ type: "work", value: "55555555555" }],
  addresses: [
    { type: "work", locality: "Oslo", primary: true },
    { type: "home", locality: "Bergen", streetAddress: "1 Main St" },
  ],
  [ENT]: { employeeNumber: "7", department: "R&D" },
  [PRODUCT]: { employmentStartDate: "2026-03-01" },
});

/** `full()` without the named top-level keys, with overrides. */
function without(keys: string[], overrides: Json = {}): Json {
  const out = full();
  for (const k of keys) delete out[k];
  return { ...out, ...overrides };
}

const body = (...Operations: unknown[]) => ({ schemas: [URN.patchOp], Operations });
const patch = (resource: Json, op: unknown, type: ResourceTypeName = "User"): PatchResult =>
  applyPatch(resource, parsePatchRequest(body(op)), type);

const cases: [string, Json, string[]][] = [
  ["title", without(["title"]), ["title"]],
  ["nickName", without(["nickName"]), ["nickName"]],
  ["displayName", without(["displayName"]), ["displayName"]],
  ["externalId", without(["externalId"]), ["externalId"]],
  ["active", without(["active"]), ["active"]],
  ["name.givenName", without([], { name: { familyName: "Smith" } }), ["name.givenName"]],
  ["name", without(["name"]), ["name"]],
  ["emails", without(["emails"]), ["emails"]],
  ['emails[type eq "work"].value', without([], { emails: [{ type: "home", value: "alice@example.org" }] }), ["emails"]],
  [
    'addresses[type eq "work"].locality',
    without([], { addresses: [{ type: "home", locality: "Bergen", streetAddress: "1 Main St" }] }),
    ["addresses"],
  ],
  [
    'addresses[type eq "home"].locality',
    without([], {
      addresses: [
        { type: "work", locality: "Oslo", primary: true },
        { type: "home", streetAddress: "1 Main St" },
      ],
    }),
    ["addresses"],
  ],
  ['phoneNumbers[type eq "work"]', without(["phoneNumbers"]), ["phoneNumbers"]],
  [`${ENT}:employeeNumber`, without([], { [ENT]: { department: "R&D" } }), [`${ENT}:employeeNumber`]],
  ["employeeNumber", without([], { [ENT]: { department: "R&D" } }), [`${ENT}:employeeNumber`]],
  [
    `${PRODUCT}:employmentStartDate`,
    without([PRODUCT], { schemas: [URN.user, ENT] }),
    [`${PRODUCT}:employmentStartDate`, "schemas"],
  ],
];

describe("applyPatch: replace with an empty value clears the attribute", () => {
  const table = cases.flatMap(([path, resource, changed]) =>
    (["Replace", "replace"] as const).map((op) => [path, op, resource, changed] as const),
  );
  it.each(table)('clears %s with "" and with null (op %s)', (path, op, resource, changedAttributes) => {
    for (const value of ["", null]) {
      expect(patch(full(), { op, path, value }), JSON.stringify(value)).toStrictEqual({
        resource,
        changedAttributes,
        ignored: [],
      });
    }
  });

  it("clears with a path-less value of attribute paths (RFC dialect, aadOptscim062020)", () => {
    const op = {
      op: "replace",
      value: {
        "name.givenName": "",
        title: "",
        'addresses[type eq "work"].locality': "",
        [`${ENT}:employeeNumber`]: "",
        nickName: null,
      },
    };
    expect(patch(full(), op)).toStrictEqual({
      resource: without(["title", "nickName"], {
        name: { familyName: "Smith" },
        addresses: [{ type: "home", locality: "Bergen", streetAddress: "1 Main St" }],
        [ENT]: { department: "R&D" },
      }),
      changedAttributes: ["name.givenName", "title", "addresses", `${ENT}:employeeNumber`, "nickName"],
      ignored: [],
    });
  });

  it("clears with a path-less value of nested objects (default dialect)", () => {
    const op = {
      op: "Replace",
      value: { name: { givenName: "" }, title: "", emails: "", [ENT]: { employeeNumber: "", department: null } },
    };
    expect(patch(full(), op)).toStrictEqual({
      resource: without(["title", "emails", ENT], { name: { familyName: "Smith" }, schemas: [URN.user, PRODUCT] }),
      changedAttributes: ["name.givenName", "title", "emails", `${ENT}:employeeNumber`, `${ENT}:department`, "schemas"],
      ignored: [],
    });
  });

  it("leaves out a value element whose only non-qualifier sub-attribute is cleared, and keeps the others", () => {
    const op = {
      op: "replace",
      path: "emails",
      value: [
        { type: "work", value: "", primary: true },
        { type: "home", value: "new@example.org" },
      ],
    };
    expect(patch(full(), op)).toStrictEqual({
      resource: without([], { emails: [{ type: "home", value: "new@example.org" }] }),
      changedAttributes: ["emails"],
      ignored: [],
    });
  });

  it("creates nothing when the cleared value-filter path matches no element", () => {
    const noWork = without([], { addresses: [{ type: "home", locality: "Bergen" }] });
    expect(patch(noWork, { op: "Replace", path: 'addresses[type eq "work"].locality', value: "" })).toStrictEqual({
      resource: noWork,
      changedAttributes: [],
      ignored: [],
    });
    expect(patch(noWork, { op: "Replace", path: 'addresses[type eq "work"]', value: { locality: "" } })).toStrictEqual({
      resource: noWork,
      changedAttributes: [],
      ignored: [],
    });
  });

  it("clears the whole extension when its URN path is replaced with an empty string", () => {
    expect(patch(full(), { op: "Replace", path: ENT, value: "" })).toStrictEqual({
      resource: without([ENT], { schemas: [URN.user, PRODUCT] }),
      changedAttributes: [ENT, "schemas"],
      ignored: [],
    });
  });
});

describe("applyPatch: required attributes cannot be cleared", () => {
  it.each<[string, ResourceTypeName, Json, string]>([
    [
      'userName with ""',
      "User",
      { op: "Replace", path: "userName", value: "" },
      "User attribute 'userName' must not be empty: it is required and cannot be cleared.",
    ],
    [
      "userName with null",
      "User",
      { op: "replace", path: "userName", value: null },
      "User attribute 'userName' is required and cannot be removed.",
    ],
    [
      "userName by Remove",
      "User",
      { op: "Remove", path: "userName" },
      "User attribute 'userName' is required and cannot be removed.",
    ],
    [
      "userName in a path-less value",
      "User",
      { op: "replace", value: { title: "x", userName: "" } },
      "User attribute 'userName' must not be empty: it is required and cannot be cleared.",
    ],
    [
      'Group displayName with ""',
      "Group",
      { op: "Replace", path: "displayName", value: "" },
      "Group attribute 'displayName' must not be empty: it is required and cannot be cleared.",
    ],
  ])("answers 400 invalidValue to clearing %s, and applies nothing", (_, type, op, detail) => {
    const resource = type === "User" ? full() : { schemas: [URN.group], displayName: "Sales" };
    expect(() => patch(resource, op, type)).toThrow(
      expect.objectContaining({ status: 400, scimType: "invalidValue", detail: `Operations[0]: ${detail}` }),
    );
  });
});
