import { describe, expect, it } from "vitest";
import { parseResource, project, toScimResource, parseProjection } from "../../shared/scim/resource.js";
import { URN } from "../../shared/scim/urns.js";

const USER = URN.user;
const GROUP = URN.group;
const ENTERPRISE = URN.enterpriseUser;
const PRODUCT = URN.productUser;
const CONTOSO = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User";

describe("parseResource", () => {
  it("writes attribute names in their schema spelling, drops readOnly attributes and nulls, coerces string booleans", () => {
    const { resource } = parseResource(
      {
        schemas: [USER],
        USERNAME: "a@b.c",
        Active: "False",
        id: "x",
        meta: { created: "x" },
        groups: [],
        nickName: null,
        NAME: { GivenName: "A" },
      },
      "User",
    );
    expect(resource).toEqual({ schemas: [USER], userName: "a@b.c", active: false, name: { givenName: "A" } });
  });

  it("collects URN-qualified extension keys under their schema and lists the schema", () => {
    const { resource } = parseResource(
      { schemas: [USER], userName: "a", [`${ENTERPRISE}:employeeNumber`]: "7" },
      "User",
    );
    expect(resource).toEqual({ schemas: [USER, ENTERPRISE], userName: "a", [ENTERPRISE]: { employeeNumber: "7" } });
  });

  it.each([
    [{ schemas: [USER] }, "invalidValue", /'userName' is required/],
    [{ schemas: [USER], userName: "" }, "invalidValue", /'userName' must not be empty/],
    [{ schemas: [USER], userName: 5 }, "invalidValue", /'userName' must be a string/],
    [
      { schemas: [USER], userName: "a", emails: [{ value: 1 }] },
      "invalidValue",
      /'emails\[0\]\.value' must be a string/,
    ],
    [{ schemas: [USER], userName: "a", emails: { value: "x" } }, "invalidValue", /'emails' must be an array/],
    [{ schemas: [USER], userName: "a", active: "maybe" }, "invalidValue", /'active' must be a boolean/],
    [
      { schemas: [USER], userName: "a", [ENTERPRISE]: { manager: 5 } },
      "invalidValue",
      /User:manager' must be an object/,
    ],
    [
      { schemas: [USER], userName: "a", [ENTERPRISE]: "x" },
      "invalidValue",
      /must be an object of extension attributes/,
    ],
    [{ userName: "a" }, "invalidSyntax", /'schemas' must be an array/],
    [{ schemas: [GROUP], userName: "a" }, "invalidSyntax", /must include/],
    [
      {
        schemas: [USER],
        userName: "a",
        emails: [
          { value: "x", primary: true },
          { value: "y", primary: true },
        ],
      },
      "invalidValue",
      /more than one value with primary/,
    ],
    [
      { schemas: [USER], userName: "a", [PRODUCT]: { employmentStartDate: "next week" } },
      "invalidValue",
      /xsd:dateTime/,
    ],
    ["text", "invalidSyntax", /must be a JSON object/],
  ])("rejects %j with 400 %s", (body, scimType, detail) => {
    expect(() => parseResource(body, "User")).toThrow(
      expect.objectContaining({ status: 400, scimType, detail: expect.stringMatching(detail) }),
    );
  });

  it("returns Group members separately, deduplicated", () => {
    const parsed = parseResource(
      { schemas: [GROUP], displayName: "G", members: [{ value: "u1" }, { value: "u1", display: "x" }] },
      "Group",
    );
    expect(parsed).toEqual({ resource: { schemas: [GROUP], displayName: "G" }, members: ["u1"], ignored: [] });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string[]]>([
    ["a core-looking top-level attribute", { department: "Sales" }, {}, ["department"]],
    [
      "an unknown sub-attribute",
      { name: { givenName: "A", nickname2: "x" } },
      { name: { givenName: "A" } },
      ["name.nickname2"],
    ],
    [
      "an unknown sub-attribute of a multi-valued attribute, once",
      {
        emails: [
          { value: "a", label: "x" },
          { value: "b", label: "y" },
        ],
      },
      { emails: [{ value: "a" }, { value: "b" }] },
      ["emails.label"],
    ],
    [
      "a custom extension attribute as a full-URN key",
      { [`${CONTOSO}:costCenter`]: "42" },
      {},
      [`${CONTOSO}:costCenter`],
    ],
    [
      "an object under an unknown extension URN key",
      { [CONTOSO]: { costCenter: "42", badge: 7 } },
      {},
      [`${CONTOSO}:costCenter`, `${CONTOSO}:badge`],
    ],
    [
      "an unknown attribute of a known extension (object)",
      { [ENTERPRISE]: { employeeNumber: "7", shoeSize: 42 } },
      { [ENTERPRISE]: { employeeNumber: "7" } },
      [`${ENTERPRISE}:shoeSize`],
    ],
    [
      "an unknown attribute of a known extension (full-URN key)",
      { [`${ENTERPRISE}:shoeSize`]: 42 },
      {},
      [`${ENTERPRISE}:shoeSize`],
    ],
    [
      "an unknown sub-attribute of an extension attribute",
      { [ENTERPRISE]: { manager: { value: "m", rank: 1 } } },
      { [ENTERPRISE]: { manager: { value: "m" } } },
      [`${ENTERPRISE}:manager.rank`],
    ],
    ["an unknown schemas URI", { schemas: [USER, CONTOSO] }, {}, [CONTOSO]],
  ])("accepts and does not store %s, and reports it in ignored", (_, extra, stored, ignored) => {
    const parsed = parseResource({ schemas: [USER], userName: "a", ...extra }, "User");
    expect(parsed).toEqual({
      resource: { schemas: stored[ENTERPRISE] ? [USER, ENTERPRISE] : [USER], userName: "a", ...stored },
      ignored,
    });
  });

  it("drops Entra's extra Group schema URI without reporting it", () => {
    const parsed = parseResource({ schemas: [GROUP, URN.entraGroup], displayName: "G" }, "Group");
    expect(parsed).toEqual({ resource: { schemas: [GROUP], displayName: "G" }, ignored: [] });
  });

  it("accepts a core attribute qualified with the core schema URN", () => {
    expect(parseResource({ schemas: [USER], [`${USER}:userName`]: "a" }, "User")).toEqual({
      resource: { schemas: [USER], userName: "a" },
      ignored: [],
    });
  });
});

describe("projection", () => {
  const served = toScimResource(
    {
      schemas: [USER],
      userName: "a",
      name: { givenName: "G", familyName: "F" },
      emails: [{ value: "x", type: "work" }],
    },
    { id: "1", created: "c", lastModified: "m", version: 'W/"v"' },
    "User",
    "https://h/scim/v2",
  );

  it("keeps only the requested attributes plus schemas and id", () => {
    expect(project(served, parseProjection("name.givenName,EMAILS.value", null, "User"))).toEqual({
      schemas: [USER],
      id: "1",
      name: { givenName: "G" },
      emails: [{ value: "x" }],
    });
  });

  it.each([["name,meta,id,schemas"], ["name,meta.created,ID,Schemas"], ["name,meta.location"]])(
    "removes excluded attributes but returns the always-returned schemas, id and meta (excludedAttributes=%s)",
    (excluded) => {
      expect(project(served, parseProjection(null, excluded, "User"))).toEqual({
        schemas: [USER],
        id: "1",
        userName: "a",
        emails: [{ value: "x", type: "work" }],
        meta: served.meta,
      });
    },
  );

  it("ignores an exclusion list made only of always-returned attributes", () => {
    expect(parseProjection(null, "id,schemas,meta", "User")).toEqual({
      attributes: undefined,
      excludedAttributes: undefined,
    });
  });

  it("rejects an attribute the resource type does not have", () => {
    expect(() => parseProjection("shoeSize", null, "User")).toThrow(
      expect.objectContaining({ status: 400, scimType: "invalidValue" }),
    );
  });
});
