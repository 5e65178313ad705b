import { describe, expect, it } from "vitest";
import { parseResource, project, toScimResource, parseProjection } from "../../shared/scim/resource.js";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

describe("parseResource", () => {
  it("writes attribute names in their schema spelling, drops readOnly attributes and nulls, coerces string booleans", () => {
    const { resource } = parseResource(
      { schemas: [USER], USERNAME: "a@b.c", Active: "False", id: "x", meta: { created: "x" }, groups: [], nickName: null, NAME: { GivenName: "A" } },
      "User",
    );
    expect(resource).toEqual({ schemas: [USER], userName: "a@b.c", active: false, name: { givenName: "A" } });
  });

  it("collects URN-qualified extension keys under their schema and lists the schema", () => {
    const { resource } = parseResource({ schemas: [USER], userName: "a", [`${ENTERPRISE}:employeeNumber`]: "7" }, "User");
    expect(resource).toEqual({ schemas: [USER, ENTERPRISE], userName: "a", [ENTERPRISE]: { employeeNumber: "7" } });
  });

  it.each([
    [{ schemas: [USER] }, "invalidValue", /'userName' is required/],
    [{ schemas: [USER], userName: "" }, "invalidValue", /'userName' must not be empty/],
    [{ schemas: [USER], userName: 5 }, "invalidValue", /'userName' must be a string/],
    [{ schemas: [USER], userName: "a", emails: [{ value: 1 }] }, "invalidValue", /'emails\[0\]\.value' must be a string/],
    [{ schemas: [USER], userName: "a", emails: { value: "x" } }, "invalidValue", /'emails' must be an array/],
    [{ schemas: [USER], userName: "a", active: "maybe" }, "invalidValue", /'active' must be a boolean/],
    [{ schemas: [USER], userName: "a", shoeSize: 42 }, "invalidSyntax", /'shoeSize' is not defined/],
    [{ schemas: [USER], userName: "a", name: { nick: "x" } }, "invalidSyntax", /'name\.nick' is not defined/],
    [{ schemas: [USER], userName: "a", "urn:example:custom:User": { a: 1 } }, "invalidSyntax", /not a schema this service supports/],
    [{ userName: "a" }, "invalidSyntax", /'schemas' must be an array/],
    [{ schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], userName: "a" }, "invalidSyntax", /must include/],
    [{ schemas: [USER], userName: "a", emails: [{ value: "x", primary: true }, { value: "y", primary: true }] }, "invalidValue", /more than one value with primary/],
    [{ schemas: [USER], userName: "a", "urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User": { employmentStartDate: "next week" } }, "invalidValue", /xsd:dateTime/],
    ["text", "invalidSyntax", /must be a JSON object/],
  ])("rejects %j with 400 %s", (body, scimType, detail) => {
    expect(() => parseResource(body, "User")).toThrow(expect.objectContaining({ status: 400, scimType, detail: expect.stringMatching(detail) }));
  });

  it("returns Group members separately, deduplicated", () => {
    const parsed = parseResource({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "G", members: [{ value: "u1" }, { value: "u1", display: "x" }] }, "Group");
    expect(parsed).toEqual({ resource: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "G" }, members: ["u1"] });
  });
});

describe("projection", () => {
  const served = toScimResource(
    { schemas: [USER], userName: "a", name: { givenName: "G", familyName: "F" }, emails: [{ value: "x", type: "work" }] },
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

  it("removes excluded attributes but never id or schemas", () => {
    expect(project(served, parseProjection(null, "name,meta,id", "User"))).toEqual({ schemas: [USER], id: "1", userName: "a", emails: [{ value: "x", type: "work" }] });
  });

  it("rejects an attribute the resource type does not have", () => {
    expect(() => parseProjection("shoeSize", null, "User")).toThrow(expect.objectContaining({ status: 400, scimType: "invalidValue" }));
  });
});
