import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ENTERPRISE, ERROR, GROUP, USER, entraUser, q, startTestHost, type Client } from "../helpers/host.js";

/**
 * Over HTTP, the filters and attribute lists that Entra tenants, Microsoft's provisioning
 * documentation and Microsoft's SCIM test collection send (issue 15, items 1 and 2): unquoted
 * filter values, attribute names in any case, and value filters in attributes/excludedAttributes.
 */

const SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const OBJECT_ID = "8f0c2f3e-5a4b-4c2d-9e1f-0a1b2c3d4e5f";

let host: RunningHost;
let scim: Client;
const ids: Record<string, string> = {};

const scimError = (scimType: string, detail: string) => ({ schemas: [ERROR], status: "400", scimType, detail });
const localPart = (userName: string) => userName.split("@")[0]!.toLowerCase();
const work = (userName: string) => ({ type: "work", value: `${localPart(userName)}@example.com`, primary: true });
const home = (userName: string) => ({ type: "home", value: `${localPart(userName)}@home.example.org` });

beforeAll(async () => {
  ({ host, scim } = await startTestHost());
  const users: [string, Record<string, unknown>][] = [
    ["OliviaB@contoso.test", { externalId: OBJECT_ID, name: { familyName: "Employee", givenName: "Olivia" } }],
    [
      "jyoung@contoso.test",
      { externalId: "jyoung", name: { familyName: "Young" }, [ENTERPRISE]: { employeeNumber: "00123" } },
    ],
    [
      "Omar@contoso.test",
      {
        externalId: "omar",
        name: { familyName: "Employee" },
        emails: [{ type: "work", value: "omar@example.net" }],
        active: false,
      },
    ],
  ];
  for (const [userName, extra] of users) {
    const emails = extra.emails ?? [work(userName), home(userName)];
    const res = await scim.post("/Users", entraUser(userName, { emails, ...extra }));
    expect(res.status).toBe(201);
    ids[userName] = res.body.id;
  }
});
afterAll(async () => host?.close());

async function userNames(query: string): Promise<string[]> {
  const res = await scim.get(`/Users?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.totalResults).toBe(res.body.Resources.length);
  return res.body.Resources.map((r: { userName: string }) => r.userName).sort();
}

describe("unquoted filter values", () => {
  it.each<[string, string, string[]]>([
    ["an Entra tenant's externalId lookup", `filter=externalId+eq+${OBJECT_ID}`, ["OliviaB@contoso.test"]],
    ["Microsoft's documented externalId eq jyoung", `filter=${q("externalId eq jyoung")}`, ["jyoung@contoso.test"]],
    [
      "Microsoft's collection: userName sw O",
      `filter=${q("userName sw O")}`,
      ["Omar@contoso.test", "OliviaB@contoso.test"],
    ],
    [
      "Microsoft's collection: name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)",
      `filter=${q("name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)")}`,
      ["OliviaB@contoso.test"],
    ],
    [
      "Microsoft's collection: meta.Created gt 2015-10-10T14:38:21.8617979-07:00",
      `filter=${q("meta.Created gt 2015-10-10T14:38:21.8617979-07:00")}`,
      ["Omar@contoso.test", "OliviaB@contoso.test", "jyoung@contoso.test"],
    ],
    ["a dateTime in the future, compared as a time", `filter=${q("meta.created gt 2999-01-01T00:00:00Z")}`, []],
    [
      "an employee number that reads as a number, compared as the text",
      `filter=${q("employeeNumber eq 00123")}`,
      ["jyoung@contoso.test"],
    ],
    ["a boolean written as Entra writes it", `filter=${q("active eq False")}`, ["Omar@contoso.test"]],
    [
      "a value filter with an unquoted value",
      `filter=${q("emails[type eq work].value eq omar@example.net")}`,
      ["Omar@contoso.test"],
    ],
  ])("finds users by %s", async (_, query, expected) => {
    expect(await userNames(query)).toEqual(expected.sort());
  });

  it("answers the same unquoted filter on POST /Users/.search", async () => {
    const res = await scim.post("/Users/.search", { schemas: [SEARCH], filter: "userName sw O and active eq true" });
    expect(res.status).toBe(200);
    expect(res.body.Resources.map((r: { id: string }) => r.id)).toEqual([ids["OliviaB@contoso.test"]]);
  });

  it.each<[string, string, string]>([
    [
      "a value with a space",
      "/Users?filter=" + q("userName eq Olivia Brown"),
      'Invalid filter at position 19: expected "and", "or" or the end of the filter, found "Brown"; if "Olivia Brown" is one value, put it in double quotes: userName eq "Olivia Brown"',
    ],
    [
      "a value with parentheses",
      "/Groups?excludedAttributes=members&filter=" + q("displayName eq Sales(EU)"),
      'Invalid filter at position 15: the unquoted value "Sales(EU)" contains "("; a value with spaces, parentheses, brackets or quotes must be in double quotes: displayName eq "Sales(EU)"',
    ],
    [
      "an unquoted value running into a quote",
      "/Users?filter=" + q('externalId eq 8f0c"'),
      'Invalid filter at position 14: the unquoted value "8f0c\\"" contains a quote; a value with spaces, parentheses, brackets or quotes must be in double quotes (a " inside written as \\"): externalId eq "8f0c\\""',
    ],
    [
      "an unterminated quoted value",
      "/Users?filter=" + q(`externalId eq "${OBJECT_ID}`),
      'Invalid filter at position 14: unterminated string literal: the value that starts here has no closing double quote; end it with " (a " inside a value is written \\")',
    ],
    [
      "a boolean attribute compared with a word",
      "/Users?filter=" + q("active eq yes"),
      '"active" is a boolean; compare it with true or false, not "yes"',
    ],
  ])("refuses %s with 400 invalidFilter saying how to quote it", async (_, path, detail) => {
    const res = await scim.get(path);
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: scimError("invalidFilter", detail) });
  });
});

describe("value filters in attributes and excludedAttributes", () => {
  it('returns only the work email of each user for GET /Users?attributes=emails[type eq "work"]', async () => {
    const res = await scim.get(
      `/Users?attributes=${q('emails[type eq "work"]')}&filter=${q("userName sw O")}&sortBy=userName`,
    );
    expect(res.status).toBe(200);
    expect(res.body.Resources).toEqual([
      { schemas: [USER], id: ids["OliviaB@contoso.test"], emails: [work("OliviaB@contoso.test")] },
      { schemas: [USER], id: ids["Omar@contoso.test"], emails: [{ type: "work", value: "omar@example.net" }] },
    ]);
  });

  it('returns only the value of the work email for attributes=emails[type eq "work"].value', async () => {
    const res = await scim.get(
      `/Users/${ids["jyoung@contoso.test"]}?attributes=${q('emails[type eq "work"].value,userName')}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      schemas: [USER, ENTERPRISE],
      id: ids["jyoung@contoso.test"],
      userName: "jyoung@contoso.test",
      emails: [{ value: "jyoung@example.com" }],
    });
  });

  it('removes the work email for excludedAttributes=emails[type eq "work"], keeping the rest', async () => {
    const id = ids["OliviaB@contoso.test"];
    const full = (await scim.get(`/Users/${id}`)).body;
    const res = await scim.get(`/Users/${id}?excludedAttributes=${q('emails[type eq "work"]')}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...full, emails: [home("OliviaB@contoso.test")] });
  });

  it("accepts the value filter in a SearchRequest's attributes", async () => {
    const res = await scim.post("/Users/.search", {
      schemas: [SEARCH],
      filter: "externalId eq jyoung",
      attributes: ['emails[type eq "home"]', "userName"],
    });
    expect(res.status).toBe(200);
    expect(res.body.Resources).toEqual([
      {
        schemas: [USER, ENTERPRISE],
        id: ids["jyoung@contoso.test"],
        userName: "jyoung@contoso.test",
        emails: [home("jyoung@contoso.test")],
      },
    ]);
  });

  it('returns only the member asked for with GET /Groups/{id}?attributes=members[value eq "<id>"]', async () => {
    const [a, b] = [ids["OliviaB@contoso.test"], ids["jyoung@contoso.test"]];
    const group = await scim.post("/Groups", {
      schemas: [GROUP],
      displayName: "Value filter group",
      members: [{ value: a }, { value: b }],
    });
    expect(group.status).toBe(201);
    const res = await scim.get(`/Groups/${group.body.id}?attributes=${q(`members[value eq "${b}"]`)}`);
    expect(res.body).toEqual({
      schemas: [GROUP],
      id: group.body.id,
      members: [{ value: b, $ref: `${host.tenantUrl}/Users/${b}`, type: "User" }],
    });
  });

  it.each<[string, string, string]>([
    [
      'attributes=emails[foo eq "x"]',
      "invalidFilter",
      `'attributes' names 'emails[foo eq "x"]': invalid value filter: "foo" is not a sub-attribute of "emails"`,
    ],
    [
      'attributes=emails[type eq "work"',
      "invalidFilter",
      `'attributes' names 'emails[type eq "work"': the "[" of its value filter is not closed; write the filter as attribute[subAttribute eq "value"], e.g. emails[type eq "work"].`,
    ],
    [
      'attributes=name[givenName eq "Olivia"]',
      "invalidValue",
      `'attributes' names 'name[givenName eq "Olivia"]': 'name' is single-valued; a value filter "[...]" selects values of a multi-valued complex attribute (e.g. emails[type eq "work"]).`,
    ],
    [
      'excludedAttributes=emails[type eq "work"].nope',
      "invalidValue",
      `'excludedAttributes' names 'emails[type eq "work"].nope': 'nope' is not a sub-attribute of 'emails'.`,
    ],
  ])("refuses %s with 400 %s naming what is wrong", async (query, scimType, detail) => {
    const [name, value = ""] = query.split(/=(.*)/s);
    const res = await scim.get(`/Users?${name}=${q(value)}`);
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: scimError(scimType, detail) });
  });
});
