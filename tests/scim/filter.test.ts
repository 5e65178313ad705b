import { describe, expect, it } from "vitest";
import {
  FILTER_LIMITS,
  matchesElement,
  matchesResource,
  parseFilter,
  type CompareOp,
  type Filter,
  type FilterValue,
} from "../../shared/scim/filter.js";
import { GROUP_SCHEMA, USER_SCHEMA, type AttributeDef } from "../../shared/scim/schemas.js";
import { URN } from "../../shared/scim/urns.js";

const cmp = (attrPath: string, op: CompareOp, value: FilterValue): Filter => ({ kind: "compare", attrPath, op, value });
/** A comparison whose value was written without double quotes (a JSON literal), kept as written in `raw`. */
const lit = (attrPath: string, op: CompareOp, value: FilterValue, raw: string): Filter => ({
  kind: "compare",
  attrPath,
  op,
  value,
  raw,
});
const pr = (attrPath: string): Filter => ({ kind: "present", attrPath });
const and = (left: Filter, right: Filter): Filter => ({ kind: "and", left, right });
const or = (left: Filter, right: Filter): Filter => ({ kind: "or", left, right });
const not = (filter: Filter): Filter => ({ kind: "not", filter });
const vp = (attrPath: string, filter: Filter): Filter => ({ kind: "valuePath", attrPath, filter });

/** Limits loose enough that grammar tests exercise the whole RFC grammar. */
const GRAMMAR_ONLY = { maxLength: 10_000, maxDepth: 32, maxClauses: 200, maxValueFilters: 10, maxValueFilterDepth: 32 };

const invalidFilter = (detail: string) => expect.objectContaining({ status: 400, scimType: "invalidFilter", detail });

describe("parseFilter", () => {
  it.each<[string, Filter]>([
    ['userName eq "bjensen"', cmp("userName", "eq", "bjensen")],
    ['userName ne "bjensen"', cmp("userName", "ne", "bjensen")],
    ['userName co "jens"', cmp("userName", "co", "jens")],
    ['userName sw "bj"', cmp("userName", "sw", "bj")],
    ['userName ew "sen"', cmp("userName", "ew", "sen")],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp("meta.lastModified", "gt", "2011-05-13T04:42:34Z")],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp("meta.lastModified", "ge", "2011-05-13T04:42:34Z")],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp("meta.lastModified", "lt", "2011-05-13T04:42:34Z")],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp("meta.lastModified", "le", "2011-05-13T04:42:34Z")],
    ["title pr", pr("title")],
  ])("parses every operator: %s", (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it.each<[string, Filter]>([
    ['userName Eq "john"', cmp("userName", "eq", "john")],
    ['userName EQ "john"', cmp("userName", "eq", "john")],
    ["title PR", pr("title")],
    ['title pr AND userType eq "Employee"', and(pr("title"), cmp("userType", "eq", "Employee"))],
    ['title pr Or userType eq "Intern"', or(pr("title"), cmp("userType", "eq", "Intern"))],
    ["NOT (title pr)", not(pr("title"))],
    ["active eq TRUE", lit("active", "eq", true, "TRUE")],
    ["title eq Null", lit("title", "eq", null, "Null")],
  ])("treats keywords case-insensitively: %s", (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it.each<[string, FilterValue]>([
    ['x eq "plain"', "plain"],
    ['x eq ""', ""],
    ['x eq "say \\"hi\\""', 'say "hi"'],
    ['x eq "back\\\\slash"', "back\\slash"],
    ['x eq "caf\\u00e9"', "café"],
    ['x eq "a\\/b\\tc\\nd"', "a/b\tc\nd"],
    ['x eq "O\'Malley"', "O'Malley"],
    ['x eq "Émile ✓"', "Émile ✓"],
    ["x eq 0", 0],
    ["x eq 42", 42],
    ["x eq -7", -7],
    ["x eq 3.25", 3.25],
    ["x eq 1e3", 1000],
    ["x eq -2.5E-2", -0.025],
    ["x eq true", true],
    ["x eq false", false],
    ["x eq null", null],
  ])("parses the literal in %s", (text, value) => {
    const written = text.slice("x eq ".length);
    expect(parseFilter(text)).toEqual(written.startsWith('"') ? cmp("x", "eq", value) : lit("x", "eq", value, written));
  });

  it.each<[string, Filter]>([
    ["a pr or b pr and c pr", or(pr("a"), and(pr("b"), pr("c")))],
    ["a pr and b pr or c pr", or(and(pr("a"), pr("b")), pr("c"))],
    ["a pr and b pr and c pr", and(and(pr("a"), pr("b")), pr("c"))],
    ["a pr or b pr or c pr", or(or(pr("a"), pr("b")), pr("c"))],
    ["(a pr or b pr) and c pr", and(or(pr("a"), pr("b")), pr("c"))],
    ["not (a pr) and b pr", and(not(pr("a")), pr("b"))],
    ["not (a pr or b pr)", not(or(pr("a"), pr("b")))],
    ["not(a pr)", not(pr("a"))],
    ["not (not (a pr))", not(not(pr("a")))],
    ["((a pr))", pr("a")],
    ["a pr and (b pr or not (c pr))", and(pr("a"), or(pr("b"), not(pr("c"))))],
  ])("applies precedence not > and > or and parentheses: %s", (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it.each<[string, Filter]>([
    ['  userName   eq\t"x"  ', cmp("userName", "eq", "x")],
    ['userName eq "x"and title pr', and(cmp("userName", "eq", "x"), pr("title"))],
    ['( userName eq "x" )', cmp("userName", "eq", "x")],
    ['emails[ type eq "work" ]', vp("emails", cmp("type", "eq", "work"))],
    ['emails [type eq "work"]', vp("emails", cmp("type", "eq", "work"))],
    ['userName eq "x"\nor\ntitle pr', or(cmp("userName", "eq", "x"), pr("title"))],
  ])("accepts flexible whitespace: %j", (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it.each<[string, Filter]>([
    [
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      and(
        cmp("userType", "eq", "Employee"),
        or(cmp("emails", "co", "example.com"), cmp("emails.value", "co", "example.org")),
      ),
    ],
    [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      and(
        cmp("userType", "ne", "Employee"),
        not(or(cmp("emails", "co", "example.com"), cmp("emails.value", "co", "example.org"))),
      ),
    ],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      and(
        cmp("userType", "eq", "Employee"),
        vp("emails", and(cmp("type", "eq", "work"), cmp("value", "co", "@example.com"))),
      ),
    ],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      or(
        vp("emails", and(cmp("type", "eq", "work"), cmp("value", "co", "@example.com"))),
        vp("ims", and(cmp("type", "eq", "xmpp"), cmp("value", "co", "@foo.com"))),
      ),
    ],
    ['name.familyName co "O\'Malley"', cmp("name.familyName", "co", "O'Malley")],
    [`${URN.user}:name.familyName co "O'Malley"`, cmp(`${URN.user}:name.familyName`, "co", "O'Malley")],
    ['emails[not (type eq "home")]', vp("emails", not(cmp("type", "eq", "home")))],
    [
      'emails[type eq "work" or (primary eq true and value pr)]',
      vp("emails", or(cmp("type", "eq", "work"), and(lit("primary", "eq", true, "true"), pr("value")))),
    ],
  ])("parses the RFC 7644 §3.4.2.2 examples and value paths: %s", (text, expected) => {
    expect(parseFilter(text, GRAMMAR_ONLY)).toEqual(expected);
  });

  it.each<[string, Filter]>([
    ['userName eq "Test_User_00aa00aa@testuser.com"', cmp("userName", "eq", "Test_User_00aa00aa@testuser.com")],
    [
      'userName eq "2c4f4e0a-3b1f-4b5e-9f0e-8a1b2c3d4e5f"',
      cmp("userName", "eq", "2c4f4e0a-3b1f-4b5e-9f0e-8a1b2c3d4e5f"),
    ],
    [
      'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"',
      cmp("externalId", "eq", "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"),
    ],
    ['displayName eq "Sales"', cmp("displayName", "eq", "Sales")],
    [
      'emails[type eq "work"].value eq "a@b.c"',
      vp("emails", and(cmp("type", "eq", "work"), cmp("value", "eq", "a@b.c"))),
    ],
    ['addresses[type eq "work"].locality pr', vp("addresses", and(cmp("type", "eq", "work"), pr("locality")))],
    [`${URN.enterpriseUser}:employeeNumber eq "123"`, cmp(`${URN.enterpriseUser}:employeeNumber`, "eq", "123")],
    [`${URN.enterpriseUser}:manager.value eq "u1"`, cmp(`${URN.enterpriseUser}:manager.value`, "eq", "u1")],
    [
      'URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"',
      cmp("URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "eq", "1"),
    ],
    [
      `${URN.productUser}:employmentStartDate ge "2026-03-01"`,
      cmp(`${URN.productUser}:employmentStartDate`, "ge", "2026-03-01"),
    ],
    [
      'members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]',
      vp("members", cmp("value", "eq", "7f4bc1a3-285e-48ae-8202-5accb43efb0e")),
    ],
    ["members.$ref pr", pr("members.$ref")],
    [
      'userName eq "a@b.c" and externalId eq "x-1"',
      and(cmp("userName", "eq", "a@b.c"), cmp("externalId", "eq", "x-1")),
    ],
  ])("parses the filters Entra sends: %s", (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it.each<[string, Filter]>([
    [
      "filter=userName+eq+%22Test_User_00aa00aa%40testuser.com%22",
      cmp("userName", "eq", "Test_User_00aa00aa@testuser.com"),
    ],
    ["excludedAttributes=members&filter=displayName+eq+%22Sales%22", cmp("displayName", "eq", "Sales")],
    [
      "filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22a%40b.c%22",
      vp("emails", and(cmp("type", "eq", "work"), cmp("value", "eq", "a@b.c"))),
    ],
    [
      "filter=urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Aextension%3Aenterprise%3A2.0%3AUser%3AemployeeNumber+eq+%22123%22",
      cmp(`${URN.enterpriseUser}:employeeNumber`, "eq", "123"),
    ],
  ])("parses Entra's URL-encoded query once decoded: %s", (query, expected) => {
    expect(parseFilter(new URLSearchParams(query).get("filter")!)).toEqual(expected);
  });

  it.each<[string, string]>([
    ["", "Invalid filter at position 0: the filter is empty"],
    ["   ", "Invalid filter at position 3: the filter is empty"],
    [
      "userName",
      'Invalid filter at position 8: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after "userName", found the end of the filter',
    ],
    [
      'userName like "x"',
      'Invalid filter at position 9: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after "userName", found "like"',
    ],
    [
      'userName "x"',
      'Invalid filter at position 9: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after "userName", found "\\"x\\""',
    ],
    [
      "userName eq",
      'Invalid filter at position 11: expected a value (a double-quoted string, a number, true, false, null or an unquoted word) after "eq", found the end of the filter',
    ],
    [
      "userName eq 'bob'",
      'Invalid filter at position 12: values are quoted with double quotes, not single quotes: write userName eq "bob"',
    ],
    [
      'userName eq "abc',
      'Invalid filter at position 12: unterminated string literal: the value that starts here has no closing double quote; end it with " (a " inside a value is written \\")',
    ],
    ['userName eq "a\\qb"', 'Invalid filter at position 14: invalid escape "\\q" in a string literal'],
    ['userName eq "\\u12"', 'Invalid filter at position 13: invalid escape "\\u": expected four hex digits'],
    [
      'userName eq "a\u0001"',
      "Invalid filter at position 14: control character in a string literal (escape it, e.g. \\n)",
    ],
    [
      'userName eq "x" and',
      'Invalid filter at position 19: expected an attribute path, "not" or "(", found the end of the filter',
    ],
    [
      'userName eq "x" or or',
      'Invalid filter at position 21: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after "or", found the end of the filter',
    ],
    [
      'userName eq "x" title pr',
      'Invalid filter at position 16: expected "and", "or" or the end of the filter, found "title"',
    ],
    [
      "(userName pr",
      'Invalid filter at position 12: expected ")" to close the "(" at position 0, found the end of the filter',
    ],
    ["userName pr)", 'Invalid filter at position 11: unexpected ")" without a matching "("'],
    ["()", 'Invalid filter at position 1: expected an attribute path, "not" or "(", found ")"'],
    [
      "not userName pr",
      'Invalid filter at position 4: expected "(" after "not" (write not (expression)), found "userName"',
    ],
    [
      'emails[type eq "work"',
      'Invalid filter at position 21: expected "]" to close the "[" at position 6, found the end of the filter',
    ],
    ['emails[type eq "work"]]', 'Invalid filter at position 22: unexpected "]" without a matching "["'],
    ["emails[]", 'Invalid filter at position 7: the value filter of "emails" is empty'],
    [
      'emails[type eq "work"] eq "a@b.c"',
      'Invalid filter at position 23: "emails[...]" cannot be compared itself; compare one of its sub-attributes, e.g. emails[...].value eq ...',
    ],
    [
      'emails[type eq "work"].',
      'Invalid filter at position 23: expected a sub-attribute name after "emails[...].", found the end of the filter',
    ],
    [
      'emails[type eq "work"].value',
      'Invalid filter at position 28: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after "emails[...].value", found the end of the filter',
    ],
    [
      'emails[type eq "work"].value.x eq "a"',
      'Invalid filter at position 23: expected a sub-attribute name after "emails[...].", found "value.x"',
    ],
    [
      'emails[type eq "w" and ims[value pr]]',
      'Invalid filter at position 26: value filters cannot be nested: "[" inside the value filter of a complex attribute',
    ],
    [
      'emails[emails.type eq "work"]',
      'Invalid filter at position 7: inside "[...]" only sub-attribute names are allowed, found "emails.type"',
    ],
    [
      `emails[${URN.user}:type eq "work"]`,
      `Invalid filter at position 7: inside "[...]" only sub-attribute names are allowed, found "${URN.user}:type"`,
    ],
    [
      'name.givenName[value eq "x"]',
      'Invalid filter at position 14: a value filter "[...]" must follow a complex attribute, not the sub-attribute "name.givenName"',
    ],
    [
      'foo:bar eq "x"',
      'Invalid filter at position 0: "foo:bar" is not a valid attribute path: a schema prefix must be a URN ("urn:...")',
    ],
    [
      'urn:x eq "x"',
      'Invalid filter at position 0: "urn:x" is not a valid attribute path: a schema prefix must be a URN ("urn:...")',
    ],
    ['name.given.name eq "x"', 'Invalid filter at position 0: "name.given.name" is not a valid attribute path'],
    ['1abc eq "x"', 'Invalid filter at position 0: "1abc" is not a valid attribute path'],
    [
      `${URN.enterpriseUser}: eq "x"`,
      `Invalid filter at position 0: "${URN.enterpriseUser}:" is not a valid attribute path`,
    ],
    [
      '"userName" eq "x"',
      'Invalid filter at position 0: expected an attribute path, "not" or "(", found "\\"userName\\""',
    ],
  ])("rejects %j with 400 invalidFilter", (text, detail) => {
    expect(() => parseFilter(text)).toThrow(invalidFilter(detail));
  });
});

describe("parseFilter limits (FILTER_LIMITS)", () => {
  const { maxLength, maxDepth, maxClauses } = FILTER_LIMITS;
  const nested = (depth: number) => `${"(".repeat(depth)}a pr${")".repeat(depth)}`;
  const clauses = (n: number) => Array.from({ length: n }, (_, i) => `a${i} pr`).join(" and ");

  it("advertises the limits it enforces", () => {
    expect(FILTER_LIMITS).toEqual({
      maxLength: 2000,
      maxDepth: 3,
      maxClauses: 20,
      maxValueFilters: 1,
      maxValueFilterDepth: 0,
    });
  });

  it.each<[string, string, string]>([
    [
      "nesting",
      nested(maxDepth + 1),
      `Invalid filter at position ${maxDepth}: nesting depth ${maxDepth + 1} exceeds the limit of ${maxDepth} levels of "(", "not (" or "["`,
    ],
    [
      "nesting via not and [",
      `emails[not (not (not (type pr)))]`,
      'Invalid filter at position 21: nesting depth 4 exceeds the limit of 3 levels of "(", "not (" or "["',
    ],
    [
      "value filter depth",
      `userName eq "a" or (title pr and emails[type eq "work"])`,
      'Invalid filter at position 39: a value filter "[...]" inside 1 levels of "(" exceeds the limit of 0; move it out of the parentheses',
    ],
    [
      "value filters",
      `emails[type eq "work"].value eq "a" and ims[type eq "xmpp"]`,
      'Invalid filter at position 43: value filter number 2 exceeds the limit of 1 "[...]" per filter',
    ],
    [
      "clauses",
      clauses(maxClauses + 1),
      `Invalid filter at position ${clauses(maxClauses + 1).length - 2}: comparison number ${maxClauses + 1} exceeds the limit of ${maxClauses} comparisons per filter`,
    ],
    [
      "length",
      `userName eq "${"x".repeat(maxLength)}"`,
      `Invalid filter: it is ${maxLength + 14} characters long; the limit is ${maxLength} characters.`,
    ],
  ])("rejects a filter over the %s limit with 400 invalidFilter", (_, text, detail) => {
    expect(() => parseFilter(text)).toThrow(invalidFilter(detail));
  });

  it.each<[string, string]>([
    ["nesting", nested(maxDepth)],
    ["clauses", clauses(maxClauses)],
    ["length", `userName eq "${"x".repeat(maxLength - 14)}"`],
  ])("accepts a filter exactly at the %s limit", (_, text) => {
    expect(() => parseFilter(text)).not.toThrow();
  });
});

const emailsDef = USER_SCHEMA.attributes.find((a) => a.name === "emails") as AttributeDef;
const membersDef = GROUP_SCHEMA.attributes.find((a) => a.name === "members") as AttributeDef;

describe("matchesElement", () => {
  const work = { type: "work", value: "Alice@Example.COM", primary: true };
  it.each<[string, unknown, AttributeDef, boolean]>([
    ['type eq "work"', work, emailsDef, true],
    ['type eq "WORK"', work, emailsDef, true],
    ['TYPE eq "work"', work, emailsDef, true],
    ['type eq "home"', work, emailsDef, false],
    ['type ne "home"', work, emailsDef, true],
    ['value co "@example.com"', work, emailsDef, true],
    ['value sw "alice@"', work, emailsDef, true],
    ['value ew ".COM"', work, emailsDef, true],
    ['type eq "work" and value co "@example"', work, emailsDef, true],
    ['type eq "home" or primary eq true', work, emailsDef, true],
    ['not (type eq "work")', work, emailsDef, false],
    ["primary eq false", work, emailsDef, false],
    ["display pr", work, emailsDef, false],
    ['display ne "x"', work, emailsDef, true],
    ["display eq null", work, emailsDef, true],
    ['type eq "work"', { Type: "work" }, emailsDef, true],
    ['type eq "work"', "work", emailsDef, false],
    ['type ne "work"', null, emailsDef, true],
    ['value eq "abc"', { value: "abc" }, membersDef, true],
    ['value eq "ABC"', { value: "abc" }, membersDef, false],
  ])("evaluates %s against %j", (text, element, parent, expected) => {
    expect(matchesElement(parseFilter(text), element, parent)).toBe(expected);
  });

  it.each<[string, string]>([
    ['foo eq "x"', '"foo" is not a sub-attribute of "emails"'],
    ['primary eq "true"', '"emails.primary" is a boolean; compare it with true or false, not "true"'],
  ])("rejects %s with 400 invalidFilter", (text, detail) => {
    expect(() => matchesElement(parseFilter(text), {}, emailsDef)).toThrow(invalidFilter(detail));
  });
});

describe("matchesResource", () => {
  const alice = {
    schemas: [URN.user, URN.enterpriseUser],
    id: "u1",
    externalId: "Ext-1",
    userName: "Alice@Example.com",
    active: false,
    name: { givenName: "Alice", familyName: "O'Malley" },
    nickName: "",
    emails: [
      { type: "home", value: "alice@home.example" },
      { type: "work", value: "alice@work.example", primary: true },
    ],
    phoneNumbers: [],
    [URN.enterpriseUser]: { employeeNumber: "123", manager: { value: "u9" } },
    [URN.productUser]: { employmentStartDate: "2026-03-01" },
    meta: { resourceType: "User", created: "2024-01-01T00:00:00.000Z", lastModified: "2024-06-01T12:00:00.000Z" },
  };

  it.each<[string, boolean]>([
    ['userName eq "alice@example.com"', true],
    ['USERNAME eq "ALICE@EXAMPLE.COM"', true],
    ['externalId eq "Ext-1"', true],
    ['externalId eq "ext-1"', false],
    ['id eq "u1"', true],
    ['id eq "U1"', false],
    ["active eq false", true],
    ["active eq true", false],
    ["active ne true", true],
    ['name.familyName co "\'mall"', true],
    ['name[givenName eq "alice" and familyName sw "O"]', true],
    ['emails[type eq "work"].value eq "alice@work.example"', true],
    ['emails[type eq "work"].value eq "alice@home.example"', false],
    ['emails[type eq "work" and value co "@work"]', true],
    ['emails eq "alice@home.example"', true],
    ['emails.type eq "other"', false],
    ['emails.type ne "other"', true],
    ['emails.value ew ".example"', true],
    ["emails pr", true],
    ["emails.primary eq true", true],
    ["phoneNumbers pr", false],
    ["nickName pr", false],
    ['title ne "x"', true],
    ["title pr", false],
    ["title eq null", true],
    ["not (title pr)", true],
    [`${URN.enterpriseUser}:employeeNumber eq "123"`, true],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:EMPLOYEENUMBER eq "123"', true],
    [`${URN.enterpriseUser}:manager.value eq "u9"`, true],
    [`${URN.productUser}:employmentStartDate ge "2026-01-01"`, true],
    ['meta.resourceType eq "User"', true],
    ['meta.created lt "2024-01-02"', true],
    ['meta.created ge "2024-01-01T00:00:00Z"', true],
    ['meta.lastModified gt "2024-06-01T12:00:00Z"', false],
    ['userName gt "alice"', true],
    ['userName lt "B"', true],
    ['userName eq "x" or (active eq false and emails[type eq "work"])', true],
  ])("evaluates %s", (text, expected) => {
    expect(matchesResource(parseFilter(text, GRAMMAR_ONLY), alice, "User")).toBe(expected);
  });

  it("evaluates Group members case-exactly", () => {
    const group = { id: "g1", displayName: "Sales", members: [{ value: "u1" }, { value: "u2" }] };
    expect(matchesResource(parseFilter('members[value eq "u2"]'), group, "Group")).toBe(true);
    expect(matchesResource(parseFilter('members.value eq "U2"'), group, "Group")).toBe(false);
    expect(matchesResource(parseFilter('displayName eq "sales"'), group, "Group")).toBe(true);
  });

  it.each<[string, string]>([
    ['foo eq "x"', 'Unknown attribute "foo" in a filter on User resources'],
    ['members.value eq "x"', 'Unknown attribute "members.value" in a filter on User resources'],
    [
      `${URN.enterpriseUser}:nope eq "x"`,
      `Unknown attribute "${URN.enterpriseUser}:nope" in a filter on User resources`,
    ],
    [
      'name eq "x"',
      '"name" is a complex attribute and cannot be compared; filter on one of its sub-attributes (e.g. name.formatted)',
    ],
    [
      'meta eq "x"',
      '"meta" is a complex attribute and cannot be compared; filter on one of its sub-attributes (e.g. meta.resourceType)',
    ],
    ["active gt true", '"active" is a boolean; only eq and ne apply to it, not gt'],
    ['active eq "true"', '"active" is a boolean; compare it with true or false, not "true"'],
    ["userName gt null", '"userName gt null" is not supported; only eq and ne compare with null'],
    [
      'userName[value eq "x"]',
      '"userName" is not a complex attribute of User resources; "[...]" filters apply to complex attributes',
    ],
    [
      'name.givenName[value eq "x"]',
      'Invalid filter at position 14: a value filter "[...]" must follow a complex attribute, not the sub-attribute "name.givenName"',
    ],
    ['emails[foo eq "x"]', '"foo" is not a sub-attribute of "emails"'],
    ['meta.created gt "yesterday"', '"meta.created" is a dateTime; "yesterday" is not an xsd:dateTime value'],
  ])("rejects %s with 400 invalidFilter", (text, detail) => {
    expect(() => matchesResource(parseFilter(text), {}, "User")).toThrow(invalidFilter(detail));
  });
});

describe("unqualified extension attribute names in filters", () => {
  const user = {
    schemas: [URN.user, URN.enterpriseUser],
    userName: "a",
    [URN.enterpriseUser]: { employeeNumber: "7", manager: { value: "m" } },
  };

  it.each<[string, boolean]>([
    ['employeeNumber eq "7"', true],
    ['EMPLOYEENUMBER eq "8"', false],
    ['manager.value eq "m"', true],
    ["employmentStartDate pr", false],
  ])("%s resolves to the one extension that defines the attribute", (text, expected) => {
    expect(matchesResource(parseFilter(text), user, "User")).toBe(expected);
  });
});
