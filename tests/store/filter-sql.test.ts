import type { AddressInfo } from "node:net";
import { CosmosClient, type Container, type JSONValue } from "@azure/cosmos";
import { createHttpServer } from "@vercel/cosmosdb-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILTER_LIMITS, matchesResource, parseFilter } from "../../shared/scim/filter.js";
import type { ResourceTypeName } from "../../shared/scim/schemas.js";
import { URN } from "../../shared/scim/urns.js";
import { filterToSql, normalisedCopy, resolveSortBy } from "../../shared/store/filter-sql.js";

const ENT = JSON.stringify(URN.enterpriseUser);
const present = (x: string, parens = true) => {
  const text = `IS_BOOL(${x}) OR IS_NUMBER(${x}) OR IS_OBJECT(${x}) OR LENGTH(${x}) > 0 OR ARRAY_LENGTH(${x}) > 0`;
  return parens ? `(${text})` : text;
};
const absent = (x: string) => `(NOT IS_DEFINED(${x}) OR IS_NULL(${x}) OR LENGTH(${x}) = 0 OR ARRAY_LENGTH(${x}) = 0)`;
/** The translation is tested for the whole grammar, beyond what FILTER_LIMITS lets a request send. */
const GRAMMAR = { ...FILTER_LIMITS, maxValueFilters: 4, maxValueFilterDepth: 4 };
const sql = (filter: string, type: ResourceTypeName = "User") => filterToSql(parseFilter(filter, GRAMMAR), type);
const invalid = (scimType: string, detail: string) => expect.objectContaining({ status: 400, scimType, detail });

describe("filterToSql", () => {
  const normUserName = 'c["norm"]["userName"]';
  it.each<[string, ResourceTypeName, string, JSONValue[]]>([
    [
      'userName eq "Test_User_00aa00aa@TestUser.com"',
      "User",
      `${normUserName} = @p0`,
      ["test_user_00aa00aa@testuser.com"],
    ],
    ['externalId eq "Ext-1"', "User", 'c["resource"]["externalId"] = @p0', ["Ext-1"]],
    ['id eq "u1"', "User", 'c["id"] = @p0', ["u1"]],
    ['displayName eq "Sales"', "Group", 'c["norm"]["displayName"] = @p0', ["sales"]],
    ['userName co "Ali"', "User", `CONTAINS(${normUserName}, @p0)`, ["ali"]],
    ['userName sw "Ali"', "User", `STARTSWITH(${normUserName}, @p0)`, ["ali"]],
    ['userName ew ".COM"', "User", `ENDSWITH(${normUserName}, @p0)`, [".com"]],
    ['userName gt "B"', "User", `${normUserName} > @p0`, ["b"]],
    ['userName ge "B"', "User", `${normUserName} >= @p0`, ["b"]],
    ['userName lt "B"', "User", `${normUserName} < @p0`, ["b"]],
    ['externalId le "B"', "User", 'c["resource"]["externalId"] <= @p0', ["B"]],
    ['userName ne "x"', "User", `(NOT IS_STRING(${normUserName}) OR ${normUserName} != @p0)`, ["x"]],
    ['not (userName gt "x")', "User", `(NOT IS_STRING(${normUserName}) OR ${normUserName} <= @p0)`, ["x"]],
    ['not (userName co "x")', "User", `(NOT IS_STRING(${normUserName}) OR NOT CONTAINS(${normUserName}, @p0))`, ["x"]],
    ["active eq true", "User", 'c["resource"]["active"] = @p0', [true]],
    ["active ne false", "User", '(NOT IS_BOOL(c["resource"]["active"]) OR c["resource"]["active"] != @p0)', [false]],
    [
      'userName eq "a" and externalId eq "b"',
      "User",
      `${normUserName} = @p0 AND c["resource"]["externalId"] = @p1`,
      ["a", "b"],
    ],
    ['name.givenName eq "Al"', "User", 'c["norm"]["name"]["givenName"] = @p0', ["al"]],
    [`${URN.enterpriseUser}:employeeNumber eq "123"`, "User", `c["norm"][${ENT}]["employeeNumber"] = @p0`, ["123"]],
    [`${URN.enterpriseUser}:manager.value eq "U1"`, "User", `c["norm"][${ENT}]["manager"]["value"] = @p0`, ["u1"]],
    [
      'meta.lastModified gt "2024-01-01T00:00:00Z"',
      "User",
      'c["meta"]["lastModified"] > @p0',
      ["2024-01-01T00:00:00.000Z"],
    ],
    [
      `${URN.productUser}:employmentStartDate ge "2026-03-01"`,
      "User",
      `c["resource"][${JSON.stringify(URN.productUser)}]["employmentStartDate"] >= @p0`,
      ["2026-03-01"],
    ],
    ['meta.resourceType eq "User"', "User", "true", []],
    ['meta.resourceType eq "User"', "Group", "false", []],
    ['meta.resourceType eq "User" or displayName pr', "Group", present('c["resource"]["displayName"]'), []],
    ['meta.resourceType eq "User" and userName eq "a"', "User", `${normUserName} = @p0`, ["a"]],
    ["title pr", "User", present('c["resource"]["title"]'), []],
    ["emails pr", "User", present('c["resource"]["emails"]'), []],
    ["title eq null", "User", absent('c["resource"]["title"]'), []],
    ['title pr and userName eq "a"', "User", `${present('c["resource"]["title"]')} AND ${normUserName} = @p0`, ["a"]],
    [
      'emails.value eq "A@X.com"',
      "User",
      '(IS_ARRAY(c["norm"]["emails"]) ? EXISTS(SELECT VALUE 1 FROM c_e0 IN c["norm"]["emails"] WHERE c_e0["value"] = @p0) : false)',
      ["a@x.com"],
    ],
    [
      'emails eq "A@X.com"',
      "User",
      '(IS_ARRAY(c["norm"]["emails"]) ? EXISTS(SELECT VALUE 1 FROM c_e0 IN c["norm"]["emails"] WHERE c_e0["value"] = @p0) : false)',
      ["a@x.com"],
    ],
    [
      'emails.type ne "work"',
      "User",
      '(IS_ARRAY(c["norm"]["emails"]) ? NOT EXISTS(SELECT VALUE 1 FROM c_e0 IN c["norm"]["emails"] WHERE c_e0["type"] = @p0) : true)',
      ["work"],
    ],
    [
      'emails[type eq "work" and value co "@X"]',
      "User",
      '(IS_ARRAY(c["norm"]["emails"]) ? EXISTS(SELECT VALUE 1 FROM c_e0 IN c["norm"]["emails"] WHERE c_e0["type"] = @p0 AND CONTAINS(c_e0["value"], @p1)) : false)',
      ["work", "@x"],
    ],
    [
      'emails[type eq "work" and not (primary eq true)]',
      "User",
      '(IS_ARRAY(c["norm"]["emails"]) ? EXISTS(SELECT VALUE 1 FROM c_e0 IN c["norm"]["emails"] WHERE c_e0["type"] = @p0 AND (NOT IS_BOOL(c_e0["primary"]) OR c_e0["primary"] != @p1)) : false)',
      ["work", true],
    ],
    [
      'emails[type eq "work"].value eq "a@b.c" and phoneNumbers[type eq "work"]',
      "User",
      '(IS_ARRAY(c["norm"]["emails"]) ? EXISTS(SELECT VALUE 1 FROM c_e0 IN c["norm"]["emails"] WHERE c_e0["type"] = @p0 AND c_e0["value"] = @p1) : false) AND (IS_ARRAY(c["norm"]["phoneNumbers"]) ? EXISTS(SELECT VALUE 1 FROM c_e1 IN c["norm"]["phoneNumbers"] WHERE c_e1["type"] = @p2) : false)',
      ["work", "a@b.c", "work"],
    ],
    [
      'name[givenName eq "Al" or familyName pr]',
      "User",
      `(c["norm"]["name"]["givenName"] = @p0 OR ${present('c["resource"]["name"]["familyName"]', false)})`,
      ["al"],
    ],
    [
      'not (userName eq "a" or title pr) and active eq true',
      "User",
      `(NOT IS_STRING(${normUserName}) OR ${normUserName} != @p0) AND ${absent('c["resource"]["title"]')} AND c["resource"]["active"] = @p1`,
      ["a", true],
    ],
    [
      'userName eq "a" or userName eq "b" and (title pr or active eq false)',
      "User",
      `(${normUserName} = @p0 OR ${normUserName} = @p1 AND (${present('c["resource"]["title"]', false)} OR c["resource"]["active"] = @p2))`,
      ["a", "b", false],
    ],
  ])("translates %s on %s", (filter, type, where, values) => {
    const parts = filterToSql(parseFilter(filter, GRAMMAR), type);
    expect(parts).toEqual({
      where,
      parameters: values.map((value, i) => ({ name: `@p${i}`, value })),
      memberLookups: [],
    });
  });

  it.each<[string, string, { param: string; userId: string }[]]>([
    ['members.value eq "u1"', 'ARRAY_CONTAINS(@m0, c["id"])', [{ param: "@m0", userId: "u1" }]],
    ['members eq "u1"', 'ARRAY_CONTAINS(@m0, c["id"])', [{ param: "@m0", userId: "u1" }]],
    ['members[value eq "u1"]', 'ARRAY_CONTAINS(@m0, c["id"])', [{ param: "@m0", userId: "u1" }]],
    ['members.value ne "u1"', 'NOT ARRAY_CONTAINS(@m0, c["id"])', [{ param: "@m0", userId: "u1" }]],
    [
      'members[value eq "u1" or value eq "u2"] and not (members.value eq "u3")',
      '(ARRAY_CONTAINS(@m0, c["id"]) OR ARRAY_CONTAINS(@m1, c["id"])) AND NOT ARRAY_CONTAINS(@m2, c["id"])',
      [
        { param: "@m0", userId: "u1" },
        { param: "@m1", userId: "u2" },
        { param: "@m2", userId: "u3" },
      ],
    ],
  ])("translates the Group filter %s into member lookups", (filter, where, memberLookups) => {
    expect(sql(filter, "Group")).toEqual({ where, parameters: [], memberLookups });
  });

  it("never puts filter text into the SQL", () => {
    const hostile = '") OR true OR ("x" = "x';
    const parts = sql(`userName eq ${JSON.stringify(hostile)} or ${URN.enterpriseUser}:department co "x' OR 1=1 --"`);
    expect(parts.where).not.toMatch(/OR true|1=1|--|"x"/);
    expect(parts.parameters.map((p) => p.value)).toEqual([hostile.toLowerCase(), "x' or 1=1 --"]);
  });

  it("uses the given alias for the document and its element aliases", () => {
    expect(filterToSql(parseFilter('emails.value eq "x" and id eq "u1"'), "User", "r").where).toBe(
      '(IS_ARRAY(r["norm"]["emails"]) ? EXISTS(SELECT VALUE 1 FROM r_e0 IN r["norm"]["emails"] WHERE r_e0["value"] = @p0) : false) AND r["id"] = @p1',
    );
  });

  it.each<[string, ResourceTypeName, string]>([
    ['foo eq "x"', "User", 'Unknown attribute "foo" in a filter on User resources'],
    ['userName eq "x"', "Group", 'Unknown attribute "userName" in a filter on Group resources'],
    [
      'name eq "x"',
      "User",
      '"name" is a complex attribute and cannot be compared; filter on one of its sub-attributes (e.g. name.formatted)',
    ],
    ["active gt true", "User", '"active" is a boolean; only eq and ne apply to it, not gt'],
    [
      'name gt "x"',
      "User",
      '"name" is a complex attribute and cannot be compared; filter on one of its sub-attributes (e.g. name.formatted)',
    ],
    [
      'meta.location eq "x"',
      "User",
      "meta.location cannot be filtered on in User filters: it is computed, not stored; use meta.created, meta.lastModified or meta.resourceType",
    ],
    [
      'meta.version eq "W/\\"1\\""',
      "Group",
      "meta.version cannot be filtered on in Group filters: it is computed, not stored; use meta.created, meta.lastModified or meta.resourceType",
    ],
    [
      'groups.value eq "g1"',
      "User",
      'User filters cannot use "groups": membership is not stored on users; filter /Groups with members.value eq "<user id>" instead',
    ],
    [
      'members.value co "u"',
      "Group",
      'Unsupported filter on "members" ("co" on members.value): only eq on members.value is supported for Group members (e.g. members.value eq "<user id>" or members[value eq "<user id>"])',
    ],
    [
      'members[display eq "Alice"]',
      "Group",
      'Unsupported filter on "members" ("eq" on members.display): only eq on members.value is supported for Group members (e.g. members.value eq "<user id>" or members[value eq "<user id>"])',
    ],
    [
      'members[value eq "u1" and type eq "User"]',
      "Group",
      'Unsupported filter on "members" ("and" inside members[...]): only eq on members.value is supported for Group members (e.g. members.value eq "<user id>" or members[value eq "<user id>"])',
    ],
    [
      "members pr",
      "Group",
      'Unsupported filter on "members" ("pr" or null): only eq on members.value is supported for Group members (e.g. members.value eq "<user id>" or members[value eq "<user id>"])',
    ],
  ])("rejects %s on %s with 400 invalidFilter", (filter, type, detail) => {
    expect(() => sql(filter, type)).toThrow(invalid("invalidFilter", detail));
  });
});

describe("resolveSortBy", () => {
  it.each<[string, ResourceTypeName, string[], boolean]>([
    ["userName", "User", ["resource", "userName"], true],
    ["USERNAME", "User", ["resource", "userName"], true],
    ["name.familyName", "User", ["resource", "name", "familyName"], true],
    [`${URN.enterpriseUser}:employeeNumber`, "User", ["resource", URN.enterpriseUser, "employeeNumber"], true],
    [`${URN.enterpriseUser}:manager.value`, "User", ["resource", URN.enterpriseUser, "manager", "value"], true],
    ["id", "Group", ["id"], false],
    ["externalId", "User", ["resource", "externalId"], false],
    ["meta.created", "User", ["meta", "created"], false],
    ["meta.lastModified", "Group", ["meta", "lastModified"], false],
    ["meta.resourceType", "Group", ["kind"], false],
    ["displayName", "Group", ["resource", "displayName"], true],
  ])("sorts by %s on %s", (sortBy, type, path, foldCase) => {
    expect(resolveSortBy(sortBy, type)).toEqual({ path, foldCase });
  });

  it.each<[string, ResourceTypeName, string]>([
    ["nope", "User", 'sortBy "nope" is not an attribute of User resources'],
    ["emails", "User", 'sortBy "emails" is multi-valued; only singular attributes can be sorted on'],
    ["emails.value", "User", 'sortBy "emails.value" is multi-valued; only singular attributes can be sorted on'],
    ["members.value", "Group", 'sortBy "members.value" is multi-valued; only singular attributes can be sorted on'],
    ["name", "User", 'sortBy "name" is a complex attribute; sort on one of its sub-attributes, e.g. name.formatted'],
    ["meta.location", "User", 'sortBy "meta.location" is not supported: meta.location is computed, not stored'],
    ['userName eq "x"', "User", 'sortBy "userName eq "x"" is not an attribute of User resources'],
  ])("rejects sortBy %s on %s with 400 invalidValue", (sortBy, type, detail) => {
    expect(() => resolveSortBy(sortBy, type)).toThrow(invalid("invalidValue", detail));
  });
});

// ---------------------------------------------------------------------------------------------
// The translation executed against the embedded Cosmos DB server, cross-checked with matchesResource.

const TENANT = "t1";
type Seed = {
  id: string;
  kind: ResourceTypeName;
  resource: Record<string, unknown>;
  created: string;
  members?: string[];
};

const SEEDS: Seed[] = [
  {
    id: "u1",
    kind: "User",
    created: "2024-01-01T00:00:00.000Z",
    resource: {
      userName: "Alice@Example.com",
      externalId: "ext-A",
      active: true,
      displayName: "Alice",
      title: "Engineer",
      name: { givenName: "Alice", familyName: "Smith" },
      emails: [
        { type: "work", value: "alice@work.example", primary: true },
        { type: "home", value: "Alice@Home.example" },
      ],
      [URN.enterpriseUser]: { employeeNumber: "100", department: "R&D", manager: { value: "u3" } },
      [URN.productUser]: { employmentStartDate: "2024-03-01" },
    },
  },
  {
    id: "u2",
    kind: "User",
    created: "2024-02-01T00:00:00.000Z",
    resource: {
      userName: "bob@example.com",
      externalId: "EXT-b",
      active: false,
      nickName: "",
      name: { givenName: "Bob", familyName: "O'Malley" },
      emails: [{ type: "work", value: "bob@work.example" }],
      phoneNumbers: [],
      [URN.enterpriseUser]: { employeeNumber: "200" },
    },
  },
  {
    id: "u3",
    kind: "User",
    created: "2024-03-01T00:00:00.000Z",
    resource: {
      userName: "carol@example.org",
      active: true,
      title: null,
      emails: [{ type: "other", value: "carol@example.org" }],
      addresses: [{ type: "work", locality: "Oslo" }],
      phoneNumbers: [{ type: "work", value: "55555555555" }],
    },
  },
  { id: "u4", kind: "User", created: "2024-04-01T00:00:00.000Z", resource: { userName: "dave" } },
  {
    id: "u5",
    kind: "User",
    created: "2024-05-01T00:00:00.000Z",
    resource: {
      userName: "Émile@example.com",
      displayName: "Émile",
      active: true,
      emails: [{ value: "EMILE@x.example" }],
      [URN.enterpriseUser]: { manager: { value: "u1", displayName: "Alice" } },
      [URN.productUser]: { employmentStartDate: "2026-03-01" },
    },
  },
  {
    id: "g1",
    kind: "Group",
    created: "2024-01-15T00:00:00.000Z",
    resource: { displayName: "Sales", externalId: "grp-1" },
    members: ["u1", "u2"],
  },
  {
    id: "g2",
    kind: "Group",
    created: "2024-02-15T00:00:00.000Z",
    resource: { displayName: "Engineering" },
    members: ["u1"],
  },
  {
    id: "g3",
    kind: "Group",
    created: "2024-03-15T00:00:00.000Z",
    resource: { displayName: "sales team", externalId: "GRP-3" },
    members: [],
  },
];

const wire = (s: Seed): Record<string, unknown> => ({
  id: s.id,
  ...s.resource,
  ...(s.members ? { members: s.members.map((value) => ({ value })) } : {}),
  meta: { resourceType: s.kind, created: s.created, lastModified: s.created },
});

const CROSS_CHECK: [ResourceTypeName, string, string[]][] = [
  ["User", 'userName eq "ALICE@example.COM"', ["u1"]],
  ["User", 'userName eq "émile@example.com"', ["u5"]],
  ["User", 'userName ne "dave"', ["u1", "u2", "u3", "u5"]],
  ["User", 'userName co "EXAMPLE"', ["u1", "u2", "u3", "u5"]],
  ["User", 'userName sw "B"', ["u2"]],
  ["User", 'userName ew ".ORG"', ["u3"]],
  ["User", 'userName gt "c"', ["u3", "u4", "u5"]],
  ["User", 'externalId eq "ext-A"', ["u1"]],
  ["User", 'externalId eq "EXT-A"', []],
  ["User", 'externalId ne "ext-A"', ["u2", "u3", "u4", "u5"]],
  ["User", 'id eq "u4"', ["u4"]],
  ["User", "active eq true", ["u1", "u3", "u5"]],
  ["User", "active ne true", ["u2", "u4"]],
  ["User", "title pr", ["u1"]],
  ["User", "title eq null", ["u2", "u3", "u4", "u5"]],
  ["User", 'title ne "Engineer"', ["u2", "u3", "u4", "u5"]],
  ["User", "nickName pr", []],
  ["User", "emails pr", ["u1", "u2", "u3", "u5"]],
  ["User", "phoneNumbers pr", ["u3"]],
  ["User", 'emails eq "alice@home.example"', ["u1"]],
  ["User", 'emails.value co "@WORK"', ["u1", "u2"]],
  ["User", 'emails.type ne "work"', ["u3", "u4", "u5"]],
  ["User", "emails.type pr", ["u1", "u2", "u3"]],
  ["User", "emails.primary eq true", ["u1"]],
  ["User", 'emails[type eq "work"].value eq "Bob@Work.example"', ["u2"]],
  ["User", 'emails[type eq "work" and value sw "alice"]', ["u1"]],
  ["User", 'emails[not (type eq "work")]', ["u1", "u3", "u5"]],
  ["User", 'emails[type eq "work" or value ew ".org"] and active eq true', ["u1", "u3"]],
  ["User", 'addresses[type eq "work"].locality eq "oslo"', ["u3"]],
  ["User", 'name.familyName eq "o\'malley"', ["u2"]],
  ["User", 'name[givenName sw "a" or familyName co "mall"]', ["u1", "u2"]],
  ["User", "name pr", ["u1", "u2"]],
  ["User", 'name.givenName ne "Alice"', ["u2", "u3", "u4", "u5"]],
  ["User", `${URN.enterpriseUser}:employeeNumber eq "200"`, ["u2"]],
  ["User", `${URN.enterpriseUser}:department eq "r&d"`, ["u1"]],
  ["User", `${URN.enterpriseUser}:manager.value eq "u1"`, ["u5"]],
  ["User", `${URN.enterpriseUser}:manager pr`, ["u1", "u5"]],
  ["User", `${URN.productUser}:employmentStartDate ge "2025-01-01"`, ["u5"]],
  ["User", 'meta.created gt "2024-02-01T00:00:00Z"', ["u3", "u4", "u5"]],
  ["User", 'meta.created ge "2024-02-01T00:00:00Z"', ["u2", "u3", "u4", "u5"]],
  ["User", 'meta.resourceType eq "User" and userName sw "d"', ["u4"]],
  ["User", 'meta.resourceType eq "Group"', []],
  ["User", 'not (userName eq "dave" or emails[type eq "work"]) and active eq true', ["u3", "u5"]],
  ["User", 'userName eq "bob@example.com" and externalId eq "EXT-b"', ["u2"]],
  ["User", 'displayName eq "alice" or displayName eq "ÉMILE"', ["u1", "u5"]],
  ["Group", 'displayName eq "SALES"', ["g1"]],
  ["Group", 'displayName sw "sales"', ["g1", "g3"]],
  ["Group", 'externalId eq "grp-1" or externalId eq "grp-3"', ["g1"]],
  ["Group", 'members.value eq "u1"', ["g1", "g2"]],
  ["Group", 'members[value eq "u2"]', ["g1"]],
  ["Group", 'members eq "u4"', []],
  ["Group", 'members.value ne "u2"', ["g2", "g3"]],
  ["Group", 'members[value eq "u2" or value eq "u1"] and displayName ne "sales"', ["g2"]],
  ["Group", 'not (members.value eq "u1") and displayName co "SALES"', ["g3"]],
];

describe("filterToSql on the embedded Cosmos DB server", () => {
  let server: ReturnType<typeof createHttpServer>;
  let container: Container;

  beforeAll(async () => {
    server = createHttpServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const client = new CosmosClient({
      endpoint: `http://127.0.0.1:${port}`,
      key: "dGVzdA==",
      connectionPolicy: { enableEndpointDiscovery: false },
    });
    const { database } = await client.databases.createIfNotExists({ id: "filter-sql" });
    ({ container } = await database.containers.createIfNotExists({
      id: "resources",
      partitionKey: { paths: ["/tenantId"] },
    }));
    for (const s of SEEDS) {
      await container.items.create({
        id: s.id,
        tenantId: TENANT,
        kind: s.kind,
        resource: s.resource,
        norm: normalisedCopy(s.resource),
        meta: { created: s.created, lastModified: s.created },
      });
      for (const userId of s.members ?? []) {
        await container.items.create({
          id: `${s.id}:${userId}`,
          tenantId: TENANT,
          kind: "Member",
          groupId: s.id,
          userId,
        });
      }
    }
    await container.items.create({
      id: "other",
      tenantId: "t2",
      kind: "User",
      resource: { userName: "alice@example.com" },
      norm: { userName: "alice@example.com" },
      meta: {},
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  async function query<T>(text: string, parameters: { name: string; value: JSONValue }[]): Promise<T[]> {
    const { resources } = await container.items
      .query<T>({ query: text, parameters }, { partitionKey: TENANT })
      .fetchAll();
    return resources;
  }

  async function run(type: ResourceTypeName, filter: string): Promise<string[]> {
    const parts = filterToSql(parseFilter(filter, GRAMMAR), type);
    const parameters = [...parts.parameters, { name: "@tenantId", value: TENANT }, { name: "@kind", value: type }];
    for (const lookup of parts.memberLookups) {
      const groups = await query<string>(
        'SELECT VALUE m.groupId FROM m WHERE m.tenantId = @tenantId AND m.kind = "Member" AND m.userId = @userId',
        [
          { name: "@tenantId", value: TENANT },
          { name: "@userId", value: lookup.userId },
        ],
      );
      parameters.push({ name: lookup.param, value: groups });
    }
    const rows = await query<{ id: string }>(
      `SELECT c.id FROM c WHERE c.tenantId = @tenantId AND c.kind = @kind AND ${parts.where}`,
      parameters,
    );
    return rows.map((r) => r.id).sort();
  }

  it.each(CROSS_CHECK)("%s: %s", async (type, filter, expected) => {
    const inMemory = SEEDS.filter(
      (s) => s.kind === type && matchesResource(parseFilter(filter, GRAMMAR), wire(s), type),
    )
      .map((s) => s.id)
      .sort();
    expect(inMemory).toEqual(expected);
    expect(await run(type, filter)).toEqual(expected);
  });
});
