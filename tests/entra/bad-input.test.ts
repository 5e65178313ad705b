import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import {
  ENTERPRISE,
  ERROR,
  GROUP,
  PATCH_OP,
  USER,
  entraUser,
  patch,
  q,
  startTestHost,
  type Client,
  type ScimReply,
} from "../helpers/host.js";

/**
 * Bad input over HTTP: every malformed, ill-typed or unanswerable request gets the right 4xx with
 * a SCIM error body (status, scimType, a detail that names the problem), and writes nothing.
 */

let host: RunningHost;
let scim: Client;
let token: string;
let user: { id: string };
let group: { id: string };

const PRODUCT = "urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User";
const MIB = 1024 * 1024;

beforeAll(async () => {
  ({ host, scim } = await startTestHost());
  token = host.defaultTenant!.token;
  const u = await scim.post(
    "/Users",
    entraUser("target@contoso.com", { title: "Original", [ENTERPRISE]: { department: "Sales" } }),
  );
  expect(u.status).toBe(201);
  user = u.body;
  const g = await scim.post("/Groups", {
    schemas: [GROUP],
    displayName: "Target group",
    members: [{ value: user.id }],
  });
  expect(g.status).toBe(201);
  group = g.body;
});
afterAll(async () => host?.close());

/** Everything the tenant holds, with versions: equal before and after means nothing was written. */
async function snapshot() {
  const users = await scim.get("/Users?sortBy=userName");
  const groups = await scim.get("/Groups?sortBy=displayName");
  expect(users.status).toBe(200);
  expect(groups.status).toBe(200);
  return { users: users.body, groups: groups.body };
}

/** The SCIM error contract every 4xx here must meet, besides its status, scimType and detail. */
function expectCleanScimError(res: ScimReply, status: number, scimType: string | undefined, detail: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/scim\+json/);
  expect(res.body).toEqual({
    schemas: [ERROR],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail: expect.stringMatching(detail),
  });
  const text = JSON.stringify(res.body);
  expect(text).not.toContain(token);
  expect(text).not.toContain(token.slice("scimf_".length));
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|\bat (file|node):|\.[cm]?[jt]s:\d+:\d+|node_modules|Error:/);
}

interface Case {
  title: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** ":user" and ":group" stand for the ids of the resources created in beforeAll. */
  path: string;
  /** A string is sent as it is; anything else as JSON. */
  body?: unknown;
  status: number;
  scimType?: string;
  detail: RegExp;
}

/** An array nested `levels` deep: "[[[...]]]". */
const deep = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;

const validPatch = patch({ op: "Replace", path: "title", value: "Changed" });

const cases: Case[] = [
  // Bodies that are not a JSON object.
  {
    title: "a POST /Users with malformed JSON",
    method: "POST",
    path: "/Users",
    body: `{"schemas": ["${USER}"], "userName": `,
    status: 400,
    scimType: "invalidSyntax",
    detail: /not valid JSON/,
  },
  {
    title: "a POST /Users with an empty body",
    method: "POST",
    path: "/Users",
    body: "",
    status: 400,
    scimType: "invalidSyntax",
    detail: /body is empty/,
  },
  {
    title: "a POST /Users with a whitespace-only body",
    method: "POST",
    path: "/Users",
    body: " \n\t ",
    status: 400,
    scimType: "invalidSyntax",
    detail: /body is empty/,
  },
  {
    title: "a POST /Users whose body is a JSON array",
    method: "POST",
    path: "/Users",
    body: [entraUser("array@contoso.com")],
    status: 400,
    scimType: "invalidSyntax",
    detail: /must be a JSON object/,
  },
  {
    title: "a POST /Users whose body is a JSON string",
    method: "POST",
    path: "/Users",
    body: '"userName"',
    status: 400,
    scimType: "invalidSyntax",
    detail: /must be a JSON object/,
  },
  {
    title: "a POST /Users whose body is JSON null",
    method: "POST",
    path: "/Users",
    body: "null",
    status: 400,
    scimType: "invalidSyntax",
    detail: /must be a JSON object/,
  },
  // Missing, empty and ill-typed attributes.
  {
    title: "a POST /Users without userName",
    method: "POST",
    path: "/Users",
    body: { schemas: [USER], displayName: "No name" },
    status: 400,
    scimType: "invalidValue",
    detail: /'userName' is required/,
  },
  {
    title: "a POST /Users with an empty userName",
    method: "POST",
    path: "/Users",
    body: { schemas: [USER], userName: "" },
    status: 400,
    scimType: "invalidValue",
    detail: /'userName' must not be empty/,
  },
  {
    title: "a POST /Users with a numeric userName",
    method: "POST",
    path: "/Users",
    body: { schemas: [USER], userName: 42 },
    status: 400,
    scimType: "invalidValue",
    detail: /'userName' must be a string/,
  },
  {
    title: 'a POST /Users with active "maybe"',
    method: "POST",
    path: "/Users",
    body: entraUser("maybe@contoso.com", { active: "maybe" }),
    status: 400,
    scimType: "invalidValue",
    detail: /'active' must be a boolean/,
  },
  {
    title: 'a POST /Users with emails "x"',
    method: "POST",
    path: "/Users",
    body: entraUser("emails@contoso.com", { emails: "x" }),
    status: 400,
    scimType: "invalidValue",
    detail: /'emails' must be an array/,
  },
  {
    title: 'a POST /Users with name "x"',
    method: "POST",
    path: "/Users",
    body: entraUser("name@contoso.com", { name: "x" }),
    status: 400,
    scimType: "invalidValue",
    detail: /'name' must be an object/,
  },
  {
    title: "a POST /Users with a numeric email value",
    method: "POST",
    path: "/Users",
    body: entraUser("num@contoso.com", { emails: [{ type: "work", value: 5 }] }),
    status: 400,
    scimType: "invalidValue",
    detail: /'emails\[0\]\.value' must be a string/,
  },
  {
    title: "a POST /Users with an employmentStartDate that is not a date",
    method: "POST",
    path: "/Users",
    body: entraUser("date@contoso.com", { [PRODUCT]: { employmentStartDate: "soon" } }),
    status: 400,
    scimType: "invalidValue",
    detail: /employmentStartDate' must be an xsd:dateTime/,
  },
  {
    title: "a POST /Users with two primary emails",
    method: "POST",
    path: "/Users",
    body: entraUser("two@contoso.com", {
      emails: [
        { primary: true, type: "work", value: "a@contoso.com" },
        { primary: true, type: "home", value: "b@contoso.com" },
      ],
    }),
    status: 400,
    scimType: "invalidValue",
    detail: /'emails' has more than one value with primary set to true/,
  },
  // Attributes and schemas the service does not define.
  {
    title: "a POST /Users without schemas",
    method: "POST",
    path: "/Users",
    body: { userName: "noschemas@contoso.com" },
    status: 400,
    scimType: "invalidSyntax",
    detail: /'schemas' must be an array/,
  },
  {
    title: "a POST /Users whose schemas is a string",
    method: "POST",
    path: "/Users",
    body: { schemas: USER, userName: "str@contoso.com" },
    status: 400,
    scimType: "invalidSyntax",
    detail: /'schemas' must be an array/,
  },
  {
    title: "a POST /Users whose schemas lack the core User URN",
    method: "POST",
    path: "/Users",
    body: { schemas: [ENTERPRISE], userName: "nocore@contoso.com" },
    status: 400,
    scimType: "invalidSyntax",
    detail: /'schemas' must include "urn:ietf:params:scim:schemas:core:2\.0:User"/,
  },
  // PUT shares the body rules.
  {
    title: "a PUT /Users/{id} without userName",
    method: "PUT",
    path: "/Users/:user",
    body: { schemas: [USER], title: "No name" },
    status: 400,
    scimType: "invalidValue",
    detail: /'userName' is required/,
  },
  {
    title: "a PUT /Users/{id} with malformed JSON",
    method: "PUT",
    path: "/Users/:user",
    body: "{",
    status: 400,
    scimType: "invalidSyntax",
    detail: /not valid JSON/,
  },
  // Query parameters.
  {
    title: 'a filter "userName eq" without a value',
    method: "GET",
    path: `/Users?filter=${q("userName eq")}`,
    status: 400,
    scimType: "invalidFilter",
    detail: /Invalid filter/,
  },
  {
    title: "a filter with an unknown operator",
    method: "GET",
    path: `/Users?filter=${q('userName xx "a"')}`,
    status: 400,
    scimType: "invalidFilter",
    detail: /Invalid filter/,
  },
  {
    title: "a filter with an unclosed parenthesis",
    method: "GET",
    path: `/Users?filter=${q('(userName eq "a" and active eq true')}`,
    status: 400,
    scimType: "invalidFilter",
    detail: /Invalid filter/,
  },
  {
    title: "a filter with an unopened parenthesis",
    method: "GET",
    path: `/Users?filter=${q('userName eq "a")')}`,
    status: 400,
    scimType: "invalidFilter",
    detail: /Invalid filter/,
  },
  {
    title: "a filter with an unterminated string",
    method: "GET",
    path: `/Users?filter=${q('userName eq "a')}`,
    status: 400,
    scimType: "invalidFilter",
    detail: /Invalid filter/,
  },
  {
    title: "a filter on an unknown attribute",
    method: "GET",
    path: `/Users?filter=${q('shoeSize eq "42"')}`,
    status: 400,
    scimType: "invalidFilter",
    detail: /Unknown attribute "shoeSize"/,
  },
  {
    title: "a filter comparing a boolean with a string",
    method: "GET",
    path: `/Users?filter=${q('active eq "yes"')}`,
    status: 400,
    scimType: "invalidFilter",
    detail: /"active" is a boolean/,
  },
  {
    title: "a Groups filter without a value",
    method: "GET",
    path: `/Groups?excludedAttributes=members&filter=${q("displayName eq")}`,
    status: 400,
    scimType: "invalidFilter",
    detail: /Invalid filter/,
  },
  {
    title: "a startIndex that is not a number",
    method: "GET",
    path: "/Users?startIndex=abc",
    status: 400,
    scimType: "invalidValue",
    detail: /'startIndex' must be a whole number/,
  },
  {
    title: "a count that is not a number",
    method: "GET",
    path: "/Users?count=ten",
    status: 400,
    scimType: "invalidValue",
    detail: /'count' must be a whole number/,
  },
  {
    title: "a fractional count",
    method: "GET",
    path: "/Users?count=1.5",
    status: 400,
    scimType: "invalidValue",
    detail: /'count' must be a whole number/,
  },
  {
    title: "an unknown sortOrder",
    method: "GET",
    path: "/Users?sortBy=userName&sortOrder=sideways",
    status: 400,
    scimType: "invalidValue",
    detail: /'sortOrder' must be "ascending" or "descending"/,
  },
  {
    title: "a sortBy on an unknown attribute",
    method: "GET",
    path: "/Users?sortBy=shoeSize",
    status: 400,
    scimType: "invalidValue",
    detail: /sortBy "shoeSize" is not an attribute/,
  },
  {
    title: "attributes naming an unknown attribute",
    method: "GET",
    path: "/Users?attributes=shoeSize",
    status: 400,
    scimType: "invalidValue",
    detail: /'attributes' names 'shoeSize'/,
  },
  // PATCH requests.
  {
    title: "a PATCH without Operations",
    method: "PATCH",
    path: "/Users/:user",
    body: { schemas: [PATCH_OP] },
    status: 400,
    scimType: "invalidSyntax",
    detail: /'Operations' must be a non-empty array/,
  },
  {
    title: "a PATCH with empty Operations",
    method: "PATCH",
    path: "/Users/:user",
    body: { schemas: [PATCH_OP], Operations: [] },
    status: 400,
    scimType: "invalidSyntax",
    detail: /'Operations' must be a non-empty array/,
  },
  {
    title: "a PATCH whose Operations is an object",
    method: "PATCH",
    path: "/Users/:user",
    body: { schemas: [PATCH_OP], Operations: { op: "replace", path: "title", value: "x" } },
    status: 400,
    scimType: "invalidSyntax",
    detail: /'Operations' must be a non-empty array/,
  },
  {
    title: "a PATCH without the PatchOp schema",
    method: "PATCH",
    path: "/Users/:user",
    body: { schemas: [USER], Operations: validPatch.Operations },
    status: 400,
    scimType: "invalidSyntax",
    detail: /'schemas' must be an array that contains "urn:ietf:params:scim:api:messages:2\.0:PatchOp"/,
  },
  {
    title: "a PATCH with malformed JSON",
    method: "PATCH",
    path: "/Users/:user",
    body: `{"schemas":["${PATCH_OP}"],"Operations":[`,
    status: 400,
    scimType: "invalidSyntax",
    detail: /not valid JSON/,
  },
  {
    title: "a PATCH with an empty body",
    method: "PATCH",
    path: "/Users/:user",
    body: "",
    status: 400,
    scimType: "invalidSyntax",
    detail: /body is empty/,
  },
  {
    title: 'a PATCH with the unknown op "merge"',
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "merge", path: "title", value: "x" }),
    status: 400,
    scimType: "invalidSyntax",
    detail: /Operations\[0\]: "op" must be "add", "replace" or "remove", not "merge"/,
  },
  {
    title: "a PATCH operation without op",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "Replace", path: "title", value: "x" }, { path: "title", value: "x" }),
    status: 400,
    scimType: "invalidSyntax",
    detail: /Operations\[1\]: "op" must be/,
  },
  {
    title: "a PATCH with a numeric path",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "replace", path: 5, value: "x" }),
    status: 400,
    scimType: "invalidSyntax",
    detail: /"path" must be a string/,
  },
  {
    title: "a PATCH with the unclosed path emails[type eq",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "Replace", path: "emails[type eq", value: "x" }),
    status: 400,
    scimType: "invalidPath",
    detail: /Path 'emails\[type eq' is malformed/,
  },
  {
    title: "a PATCH with text after a value filter",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "Replace", path: 'emails[type eq "work"]]', value: "x" }),
    status: 400,
    scimType: "invalidPath",
    detail: /is malformed/,
  },
  {
    title: "a PATCH of the readOnly id",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "Replace", path: "id", value: "mine" }),
    status: 400,
    scimType: "mutability",
    detail: /'id' is readOnly/,
  },
  {
    title: "a PATCH of the readOnly meta.created",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "Replace", path: "meta.created", value: "2020-01-01T00:00:00Z" }),
    status: 400,
    scimType: "mutability",
    detail: /'meta\.created' is readOnly/,
  },
  {
    title: "a PATCH removing the readOnly meta",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "remove", path: "meta" }),
    status: 400,
    scimType: "mutability",
    detail: /'meta' is readOnly/,
  },
  {
    title: "a PATCH replace without value",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "Replace", path: "title" }),
    status: 400,
    scimType: "invalidValue",
    detail: /replace needs a "value"/,
  },
  {
    title: "a PATCH remove without path",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "Remove", value: "title" }),
    status: 400,
    scimType: "noTarget",
    detail: /remove needs a "path"/,
  },
  {
    title: "a path-less PATCH add whose value is not an object",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "add", value: "x" }),
    status: 400,
    scimType: "invalidValue",
    detail: /without a "path" needs a non-empty object "value"/,
  },
  {
    title: 'a PATCH setting active to "maybe"',
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "Replace", path: "title", value: "Changed" }, { op: "Replace", path: "active", value: "maybe" }),
    status: 400,
    scimType: "invalidValue",
    detail: /'active' must be a boolean/,
  },
  {
    title: "a PATCH setting userName to empty",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "Replace", path: "userName", value: "" }),
    status: 400,
    scimType: "invalidValue",
    detail: /'userName' must not be empty/,
  },
  {
    title: "a PATCH removing the required userName",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "Remove", path: "userName" }),
    status: 400,
    scimType: "invalidValue",
    detail: /'userName' is required/,
  },
  {
    title: "a PATCH setting a complex attribute to a string",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "Replace", path: "name", value: "x" }),
    status: 400,
    scimType: "invalidValue",
    detail: /'name' takes an object/,
  },
  // Groups.
  {
    title: "a POST /Groups without displayName",
    method: "POST",
    path: "/Groups",
    body: { schemas: [GROUP], externalId: "g-1" },
    status: 400,
    scimType: "invalidValue",
    detail: /'displayName' is required/,
  },
  {
    title: "a POST /Groups with an empty displayName",
    method: "POST",
    path: "/Groups",
    body: { schemas: [GROUP], displayName: "" },
    status: 400,
    scimType: "invalidValue",
    detail: /'displayName' must not be empty/,
  },
  {
    title: "a POST /Groups with the User schema",
    method: "POST",
    path: "/Groups",
    body: { schemas: [USER], displayName: "Wrong schema" },
    status: 400,
    scimType: "invalidSyntax",
    detail: /'schemas' must include "urn:ietf:params:scim:schemas:core:2\.0:Group"/,
  },
  {
    title: 'a POST /Groups with members "x"',
    method: "POST",
    path: "/Groups",
    body: { schemas: [GROUP], displayName: "Bad members", members: "x" },
    status: 400,
    scimType: "invalidValue",
    detail: /'members' must be an array/,
  },
  {
    title: "a POST /Groups with a member without value",
    method: "POST",
    path: "/Groups",
    body: { schemas: [GROUP], displayName: "No value", members: [{ display: "Someone" }] },
    status: 400,
    scimType: "invalidValue",
    detail: /'members\[0\]\.value' must be the id of a User/,
  },
  {
    title: "a PATCH /Groups adding a member with an empty value",
    method: "PATCH",
    path: "/Groups/:group",
    body: patch({ op: "Add", path: "members", value: [{ value: "" }] }),
    status: 400,
    scimType: "invalidValue",
    detail: /'members\[0\]\.value' must be a non-empty string/,
  },
  {
    title: "a PATCH /Groups setting displayName to empty",
    method: "PATCH",
    path: "/Groups/:group",
    body: patch({ op: "Replace", path: "displayName", value: "" }),
    status: 400,
    scimType: "invalidValue",
    detail: /'displayName' must not be empty/,
  },
  {
    title: "a PATCH /Groups of a member sub-attribute",
    method: "PATCH",
    path: "/Groups/:group",
    body: patch({ op: "Replace", path: 'members[value eq "x"].display', value: "y" }),
    status: 400,
    scimType: "invalidPath",
    detail: /cannot be patched/,
  },
  {
    title: "a PATCH /Groups of the readOnly id",
    method: "PATCH",
    path: "/Groups/:group",
    body: patch({ op: "Replace", path: "id", value: "mine" }),
    status: 400,
    scimType: "mutability",
    detail: /'id' is readOnly/,
  },
  // Nesting: JSON nested past 64 levels is refused before it is parsed, and a filter past its depth bound, never a 500.
  {
    title: "a PATCH /Users whose value is nested 100,000 levels deep",
    method: "PATCH",
    path: "/Users/:user",
    body: `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"Replace","path":"title","value":${deep(100_000)}}]}`,
    status: 400,
    scimType: "invalidSyntax",
    detail: /nests objects and arrays more than 64 levels deep/,
  },
  {
    title: "a PATCH /Groups adding members nested 100,000 levels deep",
    method: "PATCH",
    path: "/Groups/:group",
    body: `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"Add","path":"members","value":[{"value":${deep(100_000)}}]}]}`,
    status: 400,
    scimType: "invalidSyntax",
    detail: /more than 64 levels deep/,
  },
  {
    title: "a POST /Users with an enterprise extension nested 100,000 levels deep",
    method: "POST",
    path: "/Users",
    body: `{"schemas":["${USER}","${ENTERPRISE}"],"userName":"deep@contoso.com","${ENTERPRISE}":{"manager":${'{"value":'.repeat(100_000)}"x"${"}".repeat(100_000)}}}`,
    status: 400,
    scimType: "invalidSyntax",
    detail: /more than 64 levels deep/,
  },
  {
    title: "a PUT /Groups nested 100,000 levels deep",
    method: "PUT",
    path: "/Groups/:group",
    body: `{"schemas":["${GROUP}"],"displayName":${deep(100_000)}}`,
    status: 400,
    scimType: "invalidSyntax",
    detail: /more than 64 levels deep/,
  },
  {
    title: "a filter nested 100 parentheses deep",
    method: "GET",
    path: `/Users?filter=${q(`${"(".repeat(100)}userName eq "a"${")".repeat(100)}`)}`,
    status: 400,
    scimType: "invalidFilter",
    detail: /nesting depth 4 exceeds the limit of 3/,
  },
  {
    title: "a filter of 5,000 opening parentheses",
    method: "GET",
    path: `/Users?filter=${q("(".repeat(5_000))}`,
    status: 400,
    scimType: "invalidFilter",
    detail: /5000 characters long; the limit is 2000/,
  },
  {
    title: "a PATCH path whose value filter is nested 100 parentheses deep",
    method: "PATCH",
    path: "/Groups/:group",
    body: patch({ op: "Remove", path: `members[${"(".repeat(100)}value eq "x"${")".repeat(100)}]` }),
    status: 400,
    scimType: "invalidFilter",
    detail: /nesting depth/,
  },
  // Size limit.
  {
    title: "a POST /Users body over 1 MiB",
    method: "POST",
    path: "/Users",
    body: entraUser("big@contoso.com", { title: "x".repeat(MIB) }),
    status: 413,
    detail: /larger than the limit of 1048576 bytes/,
  },
  {
    title: "a PATCH body over 1 MiB",
    method: "PATCH",
    path: "/Users/:user",
    body: patch({ op: "Replace", path: "title", value: "x".repeat(MIB) }),
    status: 413,
    detail: /larger than the limit of 1048576 bytes/,
  },
  {
    title: "a PUT /Groups body over 1 MiB",
    method: "PUT",
    path: "/Groups/:group",
    body: {
      schemas: [GROUP],
      displayName: "Target group",
      members: Array.from({ length: 30_000 }, (_, i) => ({
        value: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
      })),
    },
    status: 413,
    detail: /larger than the limit/,
  },
];

describe("bad input", () => {
  const named = cases.map(
    (c) => [`answers ${c.status}${c.scimType ? ` ${c.scimType}` : ""} to ${c.title}, and writes nothing`, c] as const,
  );
  it.each(named)("%s", async (_, { method, path, body, status, scimType, detail }) => {
    const before = await snapshot();
    const res = await scim.request(method, path.replace(":user", user.id).replace(":group", group.id), body);
    expectCleanScimError(res, status, scimType, detail);
    expect(await snapshot()).toEqual(before);
  });
});

describe("If-Match preconditions", () => {
  const ifMatch = (version: string) => ({ "If-Match": version });
  const STALE = 'W/"00000000-0000-0000-0000-000000000000"';

  async function freshUser(userName: string) {
    const res = await scim.post("/Users", entraUser(userName, { title: "Before" }));
    expect(res.status).toBe(201);
    return res.body as { id: string; meta: { version: string } };
  }

  it.each([
    [
      "PATCH",
      (id: string) =>
        scim.patch(`/Users/${id}`, patch({ op: "Replace", path: "title", value: "After" }), ifMatch(STALE)),
    ],
    [
      "PUT",
      (id: string) => scim.put(`/Users/${id}`, entraUser("stale@contoso.com", { title: "After" }), ifMatch(STALE)),
    ],
    ["DELETE", (id: string) => scim.request("DELETE", `/Users/${id}`, undefined, ifMatch(STALE))],
  ])("answers 412 to a %s with a stale version, and leaves the user unchanged", async (_, send) => {
    const u = await freshUser("stale@contoso.com");
    const before = (await scim.get(`/Users/${u.id}`)).body;
    const res = await send(u.id);
    expectCleanScimError(res, 412, undefined, /If-Match .* does not match the current version/);
    expect((await scim.get(`/Users/${u.id}`)).body).toEqual(before);
    expect((await scim.delete(`/Users/${u.id}`)).status).toBe(204);
  });

  it("accepts PATCH, PUT and DELETE with the current version, and then refuses the superseded one", async () => {
    const u = await freshUser("current@contoso.com");
    const v1 = u.meta.version;
    const patched = await scim.patch(
      `/Users/${u.id}`,
      patch({ op: "Replace", path: "title", value: "Patched" }),
      ifMatch(v1),
    );
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe("Patched");
    const v2 = patched.body.meta.version;
    expect(v2).not.toBe(v1);
    expect(patched.headers.get("etag")).toBe(v2);

    const lateWriter = await scim.put(
      `/Users/${u.id}`,
      entraUser("current@contoso.com", { title: "Lost update" }),
      ifMatch(v1),
    );
    expectCleanScimError(lateWriter, 412, undefined, /does not match/);

    const put = await scim.put(`/Users/${u.id}`, entraUser("current@contoso.com", { title: "Put" }), ifMatch(v2));
    expect(put.status).toBe(200);
    expect(put.body.title).toBe("Put");
    const v3 = put.body.meta.version;
    expect(v3).not.toBe(v2);

    expect((await scim.request("DELETE", `/Users/${u.id}`, undefined, ifMatch(v2))).status).toBe(412);
    expect((await scim.request("DELETE", `/Users/${u.id}`, undefined, ifMatch(v3))).status).toBe(204);
    expect((await scim.get(`/Users/${u.id}`)).status).toBe(404);
  });

  it('accepts "If-Match: *" and a list that contains the current version', async () => {
    const u = await freshUser("star@contoso.com");
    const patched = await scim.patch(
      `/Users/${u.id}`,
      patch({ op: "Replace", path: "title", value: "Star" }),
      ifMatch("*"),
    );
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe("Star");
    const listed = await scim.patch(
      `/Users/${u.id}`,
      patch({ op: "Replace", path: "title", value: "Listed" }),
      ifMatch(`${STALE}, ${patched.body.meta.version}`),
    );
    expect(listed.status).toBe(200);
    const put = await scim.put(`/Users/${u.id}`, entraUser("star@contoso.com", { title: "Put" }), ifMatch("*"));
    expect(put.status).toBe(200);
    expect((await scim.request("DELETE", `/Users/${u.id}`, undefined, ifMatch("*"))).status).toBe(204);
  });

  it("applies If-Match to group PATCH and DELETE too", async () => {
    const g = await scim.post("/Groups", { schemas: [GROUP], displayName: "Versioned" });
    expect(g.status).toBe(201);
    const stale = await scim.patch(
      `/Groups/${g.body.id}`,
      patch({ op: "Add", path: "members", value: [{ value: user.id }] }),
      ifMatch(STALE),
    );
    expectCleanScimError(stale, 412, undefined, /does not match/);
    expect((await scim.get(`/Groups/${g.body.id}`)).body.members).toBeUndefined();

    const ok = await scim.patch(
      `/Groups/${g.body.id}`,
      patch({ op: "Replace", path: "displayName", value: "Versioned 2" }),
      ifMatch(g.body.meta.version),
    );
    expect(ok.status).toBe(204);
    const current = await scim.get(`/Groups/${g.body.id}`);
    expect(current.body.displayName).toBe("Versioned 2");
    expect(ok.headers.get("etag")).toBe(current.body.meta.version);

    expect((await scim.request("DELETE", `/Groups/${g.body.id}`, undefined, ifMatch(g.body.meta.version))).status).toBe(
      412,
    );
    expect(
      (await scim.request("DELETE", `/Groups/${g.body.id}`, undefined, ifMatch(current.body.meta.version))).status,
    ).toBe(204);
  });
});

describe("errors for unknown resources", () => {
  it.each([
    ["GET", "/Users/00000000-0000-0000-0000-000000000000", undefined],
    ["PUT", "/Users/00000000-0000-0000-0000-000000000000", entraUser("ghost@contoso.com")],
    ["PATCH", "/Users/00000000-0000-0000-0000-000000000000", patch({ op: "Replace", path: "title", value: "x" })],
    ["DELETE", "/Groups/00000000-0000-0000-0000-000000000000", undefined],
  ])("answers a clean SCIM 404 to %s %s, and writes nothing", async (method, path, body) => {
    const before = await snapshot();
    const res = await scim.request(method, path, body);
    expectCleanScimError(res, 404, undefined, /not found/);
    expect(await snapshot()).toEqual(before);
  });
});
