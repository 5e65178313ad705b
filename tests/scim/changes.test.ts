import { describe, expect, it } from "vitest";
import {
  attributeChanges,
  CHANGE_LIMITS,
  changedAttributes,
  describeWrite,
  resourceNames,
  valueText,
} from "../../shared/scim/changes.js";
import { attributeLabel } from "../../shared/scim/labels.js";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

describe("attributeChanges", () => {
  it("keeps the old and new value of each changed attribute, one level into complex and extension objects", () => {
    const before = {
      userName: "ann@contoso.dev",
      title: "Engineer",
      name: { givenName: "Ann", familyName: "Lee" },
      [ENT]: { employeeNumber: "42" },
    };
    const after = {
      userName: "ann@contoso.dev",
      title: "Manager",
      name: { givenName: "Ann" },
      [ENT]: { employeeNumber: "43", department: "R&D" },
      active: false,
    };
    expect(attributeChanges(before, after)).toEqual({
      changes: [
        { attribute: "active", new: "false" },
        { attribute: "name.familyName", old: "Lee" },
        { attribute: "title", old: "Engineer", new: "Manager" },
        { attribute: `${ENT}:department`, new: "R&D" },
        { attribute: `${ENT}:employeeNumber`, old: "42", new: "43" },
      ],
      omitted: 0,
    });
    expect(changedAttributes(before, after)).toEqual(attributeChanges(before, after).changes.map((c) => c.attribute));
  });

  it("shows multi-valued attributes as value (type, primary) and a manager by its id", () => {
    expect(
      valueText([
        { value: "a@contoso.dev", type: "work", primary: true },
        { value: "b@home.example", type: "home" },
      ]),
    ).toBe("a@contoso.dev (work, primary); b@home.example (home)");
    expect(valueText({ value: "8a1d", $ref: "https://x/Users/8a1d" })).toBe("8a1d");
    expect(valueText({ streetAddress: "1 Main St", locality: "Oslo" })).toBe(
      '{"streetAddress":"1 Main St","locality":"Oslo"}',
    );
  });

  it("cuts a long value at the limit and marks it truncated", () => {
    const long = "x".repeat(CHANGE_LIMITS.valueLength + 50);
    const [change] = attributeChanges({ title: "short" }, { title: long }).changes;
    expect(change).toEqual({
      attribute: "title",
      old: "short",
      new: `${"x".repeat(CHANGE_LIMITS.valueLength)}…`,
      truncated: true,
    });
  });

  it("keeps the values of at most CHANGE_LIMITS.attributes attributes and counts the rest", () => {
    const after = Object.fromEntries(
      Array.from({ length: CHANGE_LIMITS.attributes + 7 }, (_, i) => [`a${String(i).padStart(2, "0")}`, "v"]),
    );
    const { changes, omitted } = attributeChanges({}, after);
    expect(changes).toHaveLength(CHANGE_LIMITS.attributes);
    expect(omitted).toBe(7);
    expect(describeWrite("User", {}, after)).toMatchObject({ changesOmitted: 7 });
    expect(describeWrite("User", {}, after).changedAttributes).toHaveLength(CHANGE_LIMITS.attributes + 7);
  });

  it("never keeps the value of a password or other secret, only that it changed", () => {
    const secret = "Sup3r-Secret!pw";
    const event = describeWrite(
      "User",
      { userName: "ann" },
      { userName: "ann", password: secret, name: { clientSecret: secret } },
    );
    expect(event.changes).toEqual([
      { attribute: "name.clientSecret", redacted: true },
      { attribute: "password", redacted: true },
    ]);
    expect(JSON.stringify(event)).not.toContain(secret);
  });
});

describe("describeWrite and resourceNames", () => {
  it("names a User by userName and displayName, a Group by displayName", () => {
    expect(resourceNames("User", { userName: "ann@contoso.dev", displayName: "Ann Lee" })).toEqual({
      resourceName: "ann@contoso.dev",
      resourceDisplayName: "Ann Lee",
    });
    expect(resourceNames("Group", { displayName: "Managers" })).toEqual({ resourceName: "Managers" });
    expect(resourceNames("User", { userName: 7 })).toEqual({});
    expect(resourceNames("User", "not an object")).toEqual({});
  });

  it("keeps a deleted resource's name and no changes", () => {
    expect(
      describeWrite("User", { userName: "gone@contoso.dev", title: "T" }, { userName: "gone@contoso.dev" }, true),
    ).toEqual({
      changedAttributes: [],
      resourceName: "gone@contoso.dev",
    });
  });
});

describe("attributeLabel", () => {
  it.each([
    [`${ENT}:employeeNumber`, "Employee number"],
    [`${ENT.toLowerCase()}:EMPLOYEENUMBER`, "Employee number"],
    [`${ENT}:manager`, "Manager"],
    ["name.givenName", "First name"],
    ["title", "Job title"],
    ["urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User:employmentStartDate", "Employment start date"],
    ["urn:example:params:scim:schemas:extension:CustomExtension:2.0:User:costCode", "Cost code (CustomExtension)"],
    ["urn:contoso:hr:badgeId", "Badge id (hr)"],
    ["roleMappings[Managers] = Manager", "roleMappings[Managers] = Manager"],
  ])("names %s as %s", (path, label) => {
    expect(attributeLabel(path)).toBe(label);
  });
});
