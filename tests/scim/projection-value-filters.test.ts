import { describe, expect, it } from "vitest";
import {
  parseProjection,
  project,
  toScimResource,
  wantsAttribute,
  type WireResource,
} from "../../shared/scim/resource.js";
import { URN } from "../../shared/scim/urns.js";

/**
 * Value filters in `attributes` and `excludedAttributes` (issue 15, item 2; RFC 7644 §3.4.2.5 and
 * the valuePath of §3.10): `attributes=emails[type eq "work"]` returns only the matching values.
 */

const work = { type: "work", value: "olivia@example.com", primary: true };
const home = { type: "home", value: "olivia@home.test" };
const served = toScimResource(
  {
    schemas: [URN.user],
    userName: "OliviaB@contoso.test",
    name: { givenName: "Olivia", familyName: "Employee" },
    emails: [work, home],
    phoneNumbers: [{ type: "work", value: "555" }],
  },
  { id: "u1", created: "c", lastModified: "m", version: 'W/"v"' },
  "User",
  "https://h/scim/v2",
);
const view = (attributes: string | null, excluded: string | null) =>
  project(served, parseProjection(attributes, excluded, "User"));
const invalid = (scimType: string, detail: string) => expect.objectContaining({ status: 400, scimType, detail });

describe("attributes with a value filter", () => {
  it.each<[string, WireResource]>([
    ['emails[type eq "work"]', { schemas: [URN.user], id: "u1", emails: [work] }],
    ["emails[type eq work]", { schemas: [URN.user], id: "u1", emails: [work] }],
    ['EMAILS[TYPE eq "WORK"]', { schemas: [URN.user], id: "u1", emails: [work] }],
    ['emails[type eq "work"].value', { schemas: [URN.user], id: "u1", emails: [{ value: "olivia@example.com" }] }],
    [
      'userName,emails[type eq "home"]',
      { schemas: [URN.user], id: "u1", userName: "OliviaB@contoso.test", emails: [home] },
    ],
    [
      'emails[type eq "work"].value,emails[type eq "home"]',
      { schemas: [URN.user], id: "u1", emails: [{ value: "olivia@example.com" }, home] },
    ],
    ['emails,emails[type eq "work"]', { schemas: [URN.user], id: "u1", emails: [work, home] }],
    [
      'emails.type,emails[type eq "work"].value',
      { schemas: [URN.user], id: "u1", emails: [{ type: "work", value: "olivia@example.com" }, { type: "home" }] },
    ],
    ['emails[value co "," or type eq "home"]', { schemas: [URN.user], id: "u1", emails: [home] }],
    [
      'emails[type eq "work" and primary eq true],phoneNumbers',
      { schemas: [URN.user], id: "u1", emails: [work], phoneNumbers: [{ type: "work", value: "555" }] },
    ],
    ['userName,emails[type eq "other"]', { schemas: [URN.user], id: "u1", userName: "OliviaB@contoso.test" }],
    [
      `${URN.user}:emails[type eq "work"].value`,
      { schemas: [URN.user], id: "u1", emails: [{ value: "olivia@example.com" }] },
    ],
  ])("returns only the matching values for attributes=%s", (attributes, expected) => {
    expect(view(attributes, null)).toEqual(expected);
  });

  it("does not change the served resource", () => {
    const before = structuredClone(served);
    view('emails[type eq "work"].value,emails.type', 'emails[type eq "home"]');
    expect(served).toEqual(before);
  });
});

describe("excludedAttributes with a value filter", () => {
  const { emails: _emails, ...withoutEmails } = served;

  it.each<[string, WireResource]>([
    ['emails[type eq "work"]', { ...served, emails: [home] }],
    ["emails[type eq work]", { ...served, emails: [home] }],
    ['emails[type eq "work"].value', { ...served, emails: [{ type: "work", primary: true }, home] }],
    ['emails[type eq "home"].value,emails[type eq "home"].type', { ...served, emails: [work] }],
    ["emails[type pr]", withoutEmails],
    ['emails[type eq "other"]', served],
    ['name,emails[type eq "work"]', { ...withoutEmails, name: undefined, emails: [home] }],
  ])("removes the matching values for excludedAttributes=%s", (excluded, expected) => {
    expect(JSON.parse(JSON.stringify(view(null, excluded)))).toEqual(JSON.parse(JSON.stringify(expected)));
  });
});

describe("Group members with a value filter", () => {
  const group = toScimResource(
    { schemas: [URN.group], displayName: "Sales" },
    { id: "g1", created: "c", lastModified: "m", version: 'W/"v"' },
    "Group",
    "https://h/scim/v2",
    [{ id: "u1" }, { id: "u2" }],
  );

  it('returns the one member asked for with attributes=members[value eq "u2"]', () => {
    expect(project(group, parseProjection('members[value eq "u2"]', null, "Group"))).toEqual({
      schemas: [URN.group],
      id: "g1",
      members: [{ value: "u2", $ref: "https://h/scim/v2/Users/u2", type: "User" }],
    });
  });

  it("still reads members when excludedAttributes only filters them, and not when it names them whole", () => {
    expect(wantsAttribute(parseProjection(null, 'members[value eq "u2"]', "Group"), ["members"], "Group")).toBe(true);
    expect(wantsAttribute(parseProjection('members[value eq "u2"]', null, "Group"), ["members"], "Group")).toBe(true);
    expect(wantsAttribute(parseProjection(null, "members", "Group"), ["members"], "Group")).toBe(false);
  });
});

describe("malformed value filters in attribute lists", () => {
  it.each<[string, string, string, string]>([
    [
      "attributes",
      'emails[foo eq "x"]',
      "invalidFilter",
      `'attributes' names 'emails[foo eq "x"]': invalid value filter: "foo" is not a sub-attribute of "emails"`,
    ],
    [
      "excludedAttributes",
      "emails[type eq]",
      "invalidFilter",
      `'excludedAttributes' names 'emails[type eq]': invalid value filter at position 7 of "type eq": expected a value (a double-quoted string, a number, true, false, null or an unquoted word) after "eq", found the end of the filter`,
    ],
    [
      "attributes",
      'emails[type eq "work"',
      "invalidFilter",
      `'attributes' names 'emails[type eq "work"': the "[" of its value filter is not closed; write the filter as attribute[subAttribute eq "value"], e.g. emails[type eq "work"].`,
    ],
    [
      "attributes",
      "emails[type eq John Smith]",
      "invalidFilter",
      `'attributes' names 'emails[type eq John Smith]': invalid value filter at position 13 of "type eq John Smith": expected "and", "or" or the end of the filter, found "Smith"; if "John Smith" is one value, put it in double quotes: type eq "John Smith"`,
    ],
    [
      "attributes",
      'name[givenName eq "Olivia"]',
      "invalidValue",
      `'attributes' names 'name[givenName eq "Olivia"]': 'name' is single-valued; a value filter "[...]" selects values of a multi-valued complex attribute (e.g. emails[type eq "work"]).`,
    ],
    [
      "excludedAttributes",
      'userName[value eq "x"]',
      "invalidValue",
      `'excludedAttributes' names 'userName[value eq "x"]': 'userName' is single-valued; a value filter "[...]" selects values of a multi-valued complex attribute (e.g. emails[type eq "work"]).`,
    ],
    [
      "attributes",
      'emails.value[type eq "work"]',
      "invalidValue",
      `'attributes' names 'emails.value[type eq "work"]': 'emails.value' is a sub-attribute; a value filter "[...]" selects values of a multi-valued complex attribute (e.g. emails[type eq "work"]).`,
    ],
    [
      "attributes",
      'emails[type eq "work"].nope',
      "invalidValue",
      `'attributes' names 'emails[type eq "work"].nope': 'nope' is not a sub-attribute of 'emails'.`,
    ],
    [
      "attributes",
      'emails[type eq "work"]value',
      "invalidValue",
      `'attributes' names 'emails[type eq "work"]value': after "]" only ".subAttribute" may follow (e.g. emails[type eq "work"].value).`,
    ],
    [
      "attributes",
      'shoes[type eq "work"]',
      "invalidValue",
      `'attributes' names 'shoes[type eq "work"]': 'shoes' is not an attribute of User.`,
    ],
    ["attributes", "emails]", "invalidValue", `'attributes' names 'emails]', which has a "]" without a matching "[".`],
  ])("rejects %s=%s with 400 %s naming what is wrong", (param, value, scimType, detail) => {
    const args: [string | null, string | null] = param === "attributes" ? [value, null] : [null, value];
    expect(() => parseProjection(...args, "User")).toThrow(invalid(scimType, detail));
  });
});
