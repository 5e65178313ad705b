import { describe, expect, it } from "vitest";
import { matchesResource, parseFilter, type Filter } from "../../shared/scim/filter.js";
import { URN } from "../../shared/scim/urns.js";
import { filterToSql } from "../../shared/store/filter-sql.js";
import type { JSONValue } from "@azure/cosmos";

/**
 * Unquoted filter values (issue 15, item 1): what Entra tenants, Microsoft's documentation and
 * Microsoft's SCIM test collection send, read by the type of the attribute compared.
 */

const invalidFilter = (detail: string) => expect.objectContaining({ status: 400, scimType: "invalidFilter", detail });

const olivia = {
  schemas: [URN.user, URN.enterpriseUser],
  id: "u1",
  externalId: "8f0c2f3e-5a4b-4c2d-9e1f-0a1b2c3d4e5f",
  userName: "OliviaB@contoso.test",
  active: false,
  title: "true",
  name: { givenName: "Olivia", familyName: "Employee" },
  emails: [
    { type: "work", value: "olivia@example.com", primary: true },
    { type: "home", value: "olivia@home.test" },
  ],
  [URN.enterpriseUser]: { employeeNumber: "00123", costCenter: "1e3" },
  meta: { resourceType: "User", created: "2024-01-01T00:00:00.000Z", lastModified: "2024-06-01T12:00:00.000Z" },
};
const jyoung = {
  schemas: [URN.user],
  id: "u2",
  externalId: "jyoung",
  userName: "jyoung@contoso.test",
  [URN.enterpriseUser]: { employeeNumber: "123" },
};

describe("parseFilter with unquoted values", () => {
  it.each<[string, Filter]>([
    [
      "externalId eq 8f0c2f3e-5a4b-4c2d-9e1f-0a1b2c3d4e5f",
      {
        kind: "compare",
        attrPath: "externalId",
        op: "eq",
        value: "8f0c2f3e-5a4b-4c2d-9e1f-0a1b2c3d4e5f",
        raw: "8f0c2f3e-5a4b-4c2d-9e1f-0a1b2c3d4e5f",
      },
    ],
    ["externalId eq jyoung", { kind: "compare", attrPath: "externalId", op: "eq", value: "jyoung", raw: "jyoung" }],
    ["userName sw O", { kind: "compare", attrPath: "userName", op: "sw", value: "O", raw: "O" }],
    [
      "meta.Created gt 2015-10-10T14:38:21.8617979-07:00",
      {
        kind: "compare",
        attrPath: "meta.Created",
        op: "gt",
        value: "2015-10-10T14:38:21.8617979-07:00",
        raw: "2015-10-10T14:38:21.8617979-07:00",
      },
    ],
    [
      "employeeNumber eq 00123",
      { kind: "compare", attrPath: "employeeNumber", op: "eq", value: "00123", raw: "00123" },
    ],
    ["employeeNumber eq 123", { kind: "compare", attrPath: "employeeNumber", op: "eq", value: 123, raw: "123" }],
    [
      "emails[type eq work]",
      {
        kind: "valuePath",
        attrPath: "emails",
        filter: { kind: "compare", attrPath: "type", op: "eq", value: "work", raw: "work" },
      },
    ],
    ["(userName eq a@b.c)", { kind: "compare", attrPath: "userName", op: "eq", value: "a@b.c", raw: "a@b.c" }],
  ])("keeps the unquoted value of %s as written", (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it("parses Microsoft's name.FamilyName filter with an unquoted value on each side of the parentheses", () => {
    const text = "name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)";
    expect(parseFilter(text)).toEqual({
      kind: "and",
      left: { kind: "compare", attrPath: "name.FamilyName", op: "eq", value: "Employee", raw: "Employee" },
      right: {
        kind: "or",
        left: { kind: "compare", attrPath: "emails.Value", op: "co", value: "example.com", raw: "example.com" },
        right: { kind: "compare", attrPath: "emails.Value", op: "co", value: "example.org", raw: "example.org" },
      },
    });
  });
});

describe("matching with unquoted values, read by the attribute's type", () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ["externalId eq 8f0c2f3e-5a4b-4c2d-9e1f-0a1b2c3d4e5f", olivia, true],
    ["externalId eq 8F0C2F3E-5A4B-4C2D-9E1F-0A1B2C3D4E5F", olivia, false],
    ["externalId eq jyoung", jyoung, true],
    ["userName sw O", olivia, true],
    ["userName sw O", jyoung, false],
    ["name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)", olivia, true],
    ["name.FamilyName eq Employee and (emails.Value co example.net or emails.Value co example.org)", olivia, false],
    ["meta.Created gt 2015-10-10T14:38:21.8617979-07:00", olivia, true],
    ["meta.Created lt 2015-10-10T14:38:21.8617979-07:00", olivia, false],
    ["meta.created ge 2024-01-01T00:00:00Z", olivia, true],
    ["USERNAME eq oliviab@CONTOSO.test", olivia, true],
    ["emails[type eq work].value eq olivia@example.com", olivia, true],
    ["emails[TYPE eq home and primary eq true]", olivia, false],
  ])("evaluates %s", (text, resource, expected) => {
    expect(matchesResource(parseFilter(text), resource, "User")).toBe(expected);
  });

  it.each<[string, Record<string, unknown>, boolean]>([
    ["employeeNumber eq 00123", olivia, true],
    ["employeeNumber eq 123", jyoung, true],
    ["employeeNumber eq 123", olivia, false],
    [`${URN.enterpriseUser}:costCenter eq 1e3`, olivia, true],
    ["title eq true", olivia, true],
    ["title eq TRUE", olivia, true],
  ])(
    "compares a bare number or boolean with a string attribute as the text written: %s",
    (text, resource, expected) => {
      expect(matchesResource(parseFilter(text), resource, "User")).toBe(expected);
    },
  );

  it.each<[string, Record<string, unknown>, boolean]>([
    ["active eq False", olivia, true],
    ["active eq TRUE", olivia, false],
    ["emails[primary eq True].value eq olivia@example.com", olivia, true],
    ["nickName eq null", olivia, true],
    ["title eq NULL", olivia, false],
  ])(
    "keeps the JSON meaning of true, false and null where the attribute's type says so: %s",
    (text, resource, expected) => {
      expect(matchesResource(parseFilter(text), resource, "User")).toBe(expected);
    },
  );

  it.each<[string, string, JSONValue[]]>([
    [
      "externalId eq 8f0c2f3e-5a4b-4c2d-9e1f-0a1b2c3d4e5f",
      'c["resource"]["externalId"] = @p0',
      ["8f0c2f3e-5a4b-4c2d-9e1f-0a1b2c3d4e5f"],
    ],
    ["userName sw O", 'STARTSWITH(c["norm"]["userName"], @p0)', ["o"]],
    ["employeeNumber eq 00123", `c["norm"][${JSON.stringify(URN.enterpriseUser)}]["employeeNumber"] = @p0`, ["00123"]],
    ["userName eq 123", 'c["norm"]["userName"] = @p0', ["123"]],
    ["active eq False", 'c["resource"]["active"] = @p0', [false]],
    ["meta.Created gt 2015-10-10T14:38:21.8617979-07:00", 'c["meta"]["created"] > @p0', ["2015-10-10T21:38:21.861Z"]],
  ])("sends the typed value of %s to the store as a parameter", (text, where, values) => {
    const sql = filterToSql(parseFilter(text), "User");
    expect({ where: sql.where, values: sql.parameters.map((p) => p.value) }).toEqual({ where, values });
  });
});

describe("unquoted values that are ambiguous", () => {
  it.each<[string, string]>([
    [
      "userName eq John Smith",
      'Invalid filter at position 17: expected "and", "or" or the end of the filter, found "Smith"; if "John Smith" is one value, put it in double quotes: userName eq "John Smith"',
    ],
    [
      "(displayName eq Sales Team) and externalId pr",
      'Invalid filter at position 22: expected ")" to close the "(" at position 0, found "Team"; if "Sales Team" is one value, put it in double quotes: displayName eq "Sales Team"',
    ],
    [
      "displayName eq Sales(EU)",
      'Invalid filter at position 15: the unquoted value "Sales(EU)" contains "("; a value with spaces, parentheses, brackets or quotes must be in double quotes: displayName eq "Sales(EU)"',
    ],
    [
      "userName eq a)b",
      'Invalid filter at position 13: unexpected ")" without a matching "("; if "a)b" is one value, put it in double quotes: userName eq "a)b"',
    ],
    [
      "name.familyName eq O'Malley",
      `Invalid filter at position 19: the unquoted value "O'Malley" contains a quote; a value with spaces, parentheses, brackets or quotes must be in double quotes (a " inside written as \\"): name.familyName eq "O'Malley"`,
    ],
    [
      'userName eq bob"',
      'Invalid filter at position 12: the unquoted value "bob\\"" contains a quote; a value with spaces, parentheses, brackets or quotes must be in double quotes (a " inside written as \\"): userName eq "bob\\""',
    ],
    [
      'emails[type eq wo"rk]',
      'Invalid filter at position 15: the unquoted value "wo\\"rk" contains a quote; a value with spaces, parentheses, brackets or quotes must be in double quotes (a " inside written as \\"): type eq "wo\\"rk"',
    ],
    [
      "userName eq 'bob'",
      'Invalid filter at position 12: values are quoted with double quotes, not single quotes: write userName eq "bob"',
    ],
    [
      'externalId eq "8f0c2f3e',
      'Invalid filter at position 14: unterminated string literal: the value that starts here has no closing double quote; end it with " (a " inside a value is written \\")',
    ],
    [
      "userName eq and title pr",
      'Invalid filter at position 12: expected a value after "eq", found the keyword "and"; to compare with the word itself, put it in double quotes: userName eq "and"',
    ],
    [
      "userName eq )",
      'Invalid filter at position 12: expected a value (a double-quoted string, a number, true, false, null or an unquoted word) after "eq", found ")"',
    ],
  ])("rejects %j with 400 invalidFilter saying how to quote it", (text, detail) => {
    expect(() => parseFilter(text)).toThrow(invalidFilter(detail));
  });

  it.each<[string, string]>([
    ["active eq yes", '"active" is a boolean; compare it with true or false, not "yes"'],
    ["active gt True", '"active" is a boolean; only eq and ne apply to it, not gt'],
    ["meta.created gt yesterday", '"meta.created" is a dateTime; "yesterday" is not an xsd:dateTime value'],
    ["shoeSize eq 42", 'Unknown attribute "shoeSize" in a filter on User resources'],
  ])("rejects %s, which reads as no value of the attribute's type, with 400 invalidFilter", (text, detail) => {
    expect(() => matchesResource(parseFilter(text), olivia, "User")).toThrow(invalidFilter(detail));
  });
});
