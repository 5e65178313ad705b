import { describe, expect, it } from "vitest";
import {
  PATCH_LIMITS,
  applyPatch,
  parsePatchRequest,
  type PatchOp,
  type PatchResult,
} from "../../shared/scim/patch.js";
import { RESOURCE_LIMITS } from "../../shared/scim/validate.js";
import type { ResourceTypeName } from "../../shared/scim/schemas.js";
import { URN } from "../../shared/scim/urns.js";

const ENT = URN.enterpriseUser;
const PRODUCT = URN.productUser;
const PATCH_OP = [URN.patchOp];

type Json = Record<string, unknown>;

/** The stored form of the user Entra creates in spec section 4 (no id/meta). */
const entraUser = (): Json => ({
  schemas: [URN.user, ENT],
  externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
  userName: "Test_User_00aa00aa@testuser.com",
  active: true,
  emails: [{ primary: true, type: "work", value: "Test_User_11bb11bb@testuser.com" }],
  name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
});

/** The stored form of the group Entra creates in spec section 9. */
const entraGroup = (): Json => ({
  schemas: [URN.group, URN.entraGroup],
  externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
  displayName: "Sales",
});

/** RFC 7644 §3.5.2 style user (bjensen) with a home address and two emails. */
const bjensen = (): Json => ({
  schemas: [URN.user],
  userName: "bjensen@example.com",
  name: { familyName: "Jensen", givenName: "Barbara" },
  emails: [
    { value: "bjensen@example.com", type: "work", primary: true },
    { value: "babs@jensen.org", type: "home" },
  ],
  addresses: [
    { type: "home", streetAddress: "456 Hollywood Blvd", locality: "Hollywood", region: "CA", primary: true },
  ],
});

const body = (...Operations: unknown[]) => ({ schemas: PATCH_OP, Operations });

function patch(resource: Json, request: unknown, type: ResourceTypeName = "User"): PatchResult {
  return applyPatch(resource, parsePatchRequest(request), type);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

interface Case {
  name: string;
  type?: ResourceTypeName;
  resource: Json;
  request: unknown;
  /** `ignored` defaults to []. */
  expected: Omit<PatchResult, "ignored"> & { ignored?: string[] };
}

const workEmailUser = (value: string) => ({ ...entraUser(), emails: [{ primary: true, type: "work", value }] });

describe("applyPatch: every PATCH example of the Entra spec (sections 6, 7, 9)", () => {
  const cases: Case[] = [
    {
      name: "applies the default dialect: Replace ops with a value-filter email and a URN-qualified employeeNumber",
      resource: entraUser(),
      request: {
        schemas: PATCH_OP,
        Operations: [
          { op: "Replace", path: "displayName", value: "Pvlo" },
          { op: "Replace", path: 'emails[type eq "work"].value', value: "TestBcwqnm@test.microsoft.com" },
          { op: "Replace", path: "name.givenName", value: "Gtfd" },
          { op: "Replace", path: "name.familyName", value: "Pkqf" },
          { op: "Replace", path: "externalId", value: "Eqpj" },
          { op: "Replace", path: `${ENT}:employeeNumber`, value: "Eqpj" },
        ],
      },
      expected: {
        resource: {
          ...entraUser(),
          displayName: "Pvlo",
          emails: [{ primary: true, type: "work", value: "TestBcwqnm@test.microsoft.com" }],
          name: { formatted: "givenName familyName", familyName: "Pkqf", givenName: "Gtfd" },
          externalId: "Eqpj",
          [ENT]: { employeeNumber: "Eqpj" },
        },
        changedAttributes: [
          "displayName",
          "emails",
          "name.givenName",
          "name.familyName",
          "externalId",
          `${ENT}:employeeNumber`,
        ],
      },
    },
    {
      name: "applies the default dialect Add of a singular attribute",
      resource: entraUser(),
      request: { schemas: PATCH_OP, Operations: [{ op: "Add", path: "nickName", value: "Babs" }] },
      expected: { resource: { ...entraUser(), nickName: "Babs" }, changedAttributes: ["nickName"] },
    },
    {
      name: "applies the RFC dialect: a path-less replace whose keys are attribute paths",
      resource: entraUser(),
      request: {
        schemas: PATCH_OP,
        Operations: [
          { op: "replace", path: 'emails[type eq "work"].value', value: "TestMhvaes@test.microsoft.com" },
          {
            op: "replace",
            value: {
              displayName: "Bjfe",
              "name.givenName": "Kkom",
              "name.familyName": "Unua",
              [`${ENT}:employeeNumber`]: "Aklq",
            },
          },
        ],
      },
      expected: {
        resource: {
          ...entraUser(),
          emails: [{ primary: true, type: "work", value: "TestMhvaes@test.microsoft.com" }],
          displayName: "Bjfe",
          name: { formatted: "givenName familyName", familyName: "Unua", givenName: "Kkom" },
          [ENT]: { employeeNumber: "Aklq" },
        },
        changedAttributes: ["emails", "displayName", "name.givenName", "name.familyName", `${ENT}:employeeNumber`],
      },
    },
    {
      name: "applies a path-less replace with nested objects (RFC 7644 §3.5.2), merging sub-attributes of name",
      resource: entraUser(),
      request: body({
        op: "replace",
        value: { name: { givenName: "Kkom" }, [ENT]: { department: "Sales" }, active: "False" },
      }),
      expected: {
        resource: {
          ...entraUser(),
          name: { formatted: "givenName familyName", familyName: "familyName", givenName: "Kkom" },
          [ENT]: { department: "Sales" },
          active: false,
        },
        changedAttributes: ["name.givenName", `${ENT}:department`, "active"],
      },
    },
    {
      name: 'creates the work email for emails[type eq "work"].value when the user has none, leaving other types alone',
      resource: { ...entraUser(), emails: [{ type: "home", value: "home@example.com" }] },
      request: body({ op: "Replace", path: 'emails[type eq "work"].value', value: "TestBcwqnm@test.microsoft.com" }),
      expected: {
        resource: {
          ...entraUser(),
          emails: [
            { type: "home", value: "home@example.com" },
            { type: "work", value: "TestBcwqnm@test.microsoft.com" },
          ],
        },
        changedAttributes: ["emails"],
      },
    },
    {
      name: 'creates the work address for addresses[type eq "work"].locality when the user has no addresses',
      resource: entraUser(),
      request: body({ op: "Add", path: 'addresses[type eq "work"].locality', value: "Stockholm" }),
      expected: {
        resource: { ...entraUser(), addresses: [{ type: "work", locality: "Stockholm" }] },
        changedAttributes: ["addresses"],
      },
    },
    {
      name: 'updates the existing work email when Entra sends Add on emails[type eq "work"].value',
      resource: entraUser(),
      request: body({ op: "Add", path: 'emails[type eq "work"].value', value: "new@joe.com" }),
      expected: { resource: workEmailUser("new@joe.com"), changedAttributes: ["emails"] },
    },
    {
      name: 'disables a user with the default dialect string "False"',
      resource: entraUser(),
      request: body({ op: "Replace", path: "active", value: "False" }),
      expected: { resource: { ...entraUser(), active: false }, changedAttributes: ["active"] },
    },
    {
      name: "disables a user with the RFC dialect boolean false",
      resource: entraUser(),
      request: body({ op: "replace", path: "active", value: false }),
      expected: { resource: { ...entraUser(), active: false }, changedAttributes: ["active"] },
    },
    {
      name: 're-enables a user with "True", keeping its data',
      resource: { ...entraUser(), active: false },
      request: body({ op: "Replace", path: "active", value: "True" }),
      expected: { resource: entraUser(), changedAttributes: ["active"] },
    },
    {
      name: "adds group members from Entra's Add with $ref null",
      type: "Group",
      resource: entraGroup(),
      request: {
        schemas: PATCH_OP,
        Operations: [{ op: "Add", path: "members", value: [{ $ref: null, value: "f648f8d5ea4e4cd38e9c" }] }],
      },
      expected: {
        resource: entraGroup(),
        members: { kind: "delta", add: ["f648f8d5ea4e4cd38e9c"], remove: [] },
        changedAttributes: ["members"],
      },
    },
    {
      name: "removes only the listed members in the default dialect (Remove members with a value)",
      type: "Group",
      resource: entraGroup(),
      request: {
        schemas: PATCH_OP,
        Operations: [{ op: "Remove", path: "members", value: [{ value: "u1091" }] }],
      },
      expected: {
        resource: entraGroup(),
        members: { kind: "delta", add: [], remove: ["u1091"] },
        changedAttributes: ["members"],
      },
    },
    {
      name: "removes a member in the RFC dialect (members[value eq ...])",
      type: "Group",
      resource: entraGroup(),
      request: {
        schemas: PATCH_OP,
        Operations: [{ op: "remove", path: 'members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]' }],
      },
      expected: {
        resource: entraGroup(),
        members: { kind: "delta", add: [], remove: ["7f4bc1a3-285e-48ae-8202-5accb43efb0e"] },
        changedAttributes: ["members"],
      },
    },
    {
      name: "renames a group",
      type: "Group",
      resource: entraGroup(),
      request: body({ op: "Replace", path: "displayName", value: "New name" }),
      expected: { resource: { ...entraGroup(), displayName: "New name" }, changedAttributes: ["displayName"] },
    },
  ];

  it.each(cases)("$name", ({ resource, request, type, expected }) => {
    expect(patch(resource, request, type)).toStrictEqual({ ignored: [], ...expected });
  });
});

describe("applyPatch: RFC 7644 §3.5.2 examples", () => {
  const babs = {
    display: "Babs Jensen",
    $ref: "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
    value: "2819c223-7f76-453a-919d-413861904646",
  };
  const james = {
    display: "James Smith",
    $ref: "https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210",
    value: "08e1d05d-121c-4561-8b96-473d93df9210",
  };
  const workAddress = {
    type: "work",
    streetAddress: "911 Universal City Plaza",
    locality: "Hollywood",
    region: "CA",
    postalCode: "91608",
    country: "US",
    formatted: "911 Universal City Plaza\nHollywood, CA 91608 US",
    primary: true,
  };
  const cases: Case[] = [
    {
      name: "§3.5.2.1 adds a member",
      type: "Group",
      resource: entraGroup(),
      request: body({ op: "add", path: "members", value: [babs] }),
      expected: {
        resource: entraGroup(),
        members: { kind: "delta", add: [babs.value], remove: [] },
        changedAttributes: ["members"],
      },
    },
    {
      name: "§3.5.2.1 path-less add appends an email and sets nickname (case-insensitive name, canonical spelling)",
      resource: bjensen(),
      request: body({
        op: "add",
        value: {
          emails: [
            { value: "babs@jensen.org", type: "home" },
            { value: "b@j.org", type: "other" },
          ],
          nickname: "Babs",
        },
      }),
      expected: {
        resource: {
          ...bjensen(),
          emails: [...(bjensen().emails as Json[]), { value: "b@j.org", type: "other" }],
          nickName: "Babs",
        },
        changedAttributes: ["emails", "nickName"],
      },
    },
    {
      name: "§3.5.2.2 removes one member by value filter",
      type: "Group",
      resource: entraGroup(),
      request: body({ op: "remove", path: `members[value eq "${babs.value}"]` }),
      expected: {
        resource: entraGroup(),
        members: { kind: "delta", add: [], remove: [babs.value] },
        changedAttributes: ["members"],
      },
    },
    {
      name: "§3.5.2.2 removes all members",
      type: "Group",
      resource: entraGroup(),
      request: body({ op: "remove", path: "members" }),
      expected: { resource: entraGroup(), members: { kind: "replace", ids: [] }, changedAttributes: ["members"] },
    },
    {
      name: "§3.5.2.2 removes work emails ending in example.com",
      resource: bjensen(),
      request: body({ op: "remove", path: 'emails[type eq "work" and value ew "example.com"]' }),
      expected: {
        resource: { ...bjensen(), emails: [{ value: "babs@jensen.org", type: "home" }] },
        changedAttributes: ["emails"],
      },
    },
    {
      name: "§3.5.2.2 removes all members then adds one: a replacement list",
      type: "Group",
      resource: entraGroup(),
      request: body({ op: "remove", path: "members" }, { op: "add", path: "members", value: [james] }),
      expected: {
        resource: entraGroup(),
        members: { kind: "replace", ids: [james.value] },
        changedAttributes: ["members"],
      },
    },
    {
      name: "§3.5.2.3 replaces all members",
      type: "Group",
      resource: entraGroup(),
      request: body({ op: "replace", path: "members", value: [babs, james] }),
      expected: {
        resource: entraGroup(),
        members: { kind: "replace", ids: [babs.value, james.value] },
        changedAttributes: ["members"],
      },
    },
    {
      name: "§3.5.2.3 replaces the work address (created: the user has only a home address; the new primary wins)",
      resource: bjensen(),
      request: body({ op: "replace", path: 'addresses[type eq "work"]', value: workAddress }),
      expected: {
        resource: { ...bjensen(), addresses: [{ ...(bjensen().addresses as Json[])[0], primary: false }, workAddress] },
        changedAttributes: ["addresses"],
      },
    },
    {
      name: "§3.5.2.3 replaces a matched work address as a whole",
      resource: {
        ...bjensen(),
        addresses: [{ type: "work", streetAddress: "old", locality: "Old town", region: "XX" }],
      },
      request: body({ op: "replace", path: 'addresses[type eq "work"]', value: workAddress }),
      expected: { resource: { ...bjensen(), addresses: [workAddress] }, changedAttributes: ["addresses"] },
    },
    {
      name: "§3.5.2.3 replaces the streetAddress of the work address",
      resource: {
        ...bjensen(),
        addresses: [{ type: "work", streetAddress: "911 Universal City Plaza", locality: "Hollywood" }],
      },
      request: body({ op: "replace", path: 'addresses[type eq "work"].streetAddress', value: "1010 Broadway Ave" }),
      expected: {
        resource: {
          ...bjensen(),
          addresses: [{ type: "work", streetAddress: "1010 Broadway Ave", locality: "Hollywood" }],
        },
        changedAttributes: ["addresses"],
      },
    },
    {
      name: "§3.5.2.3 path-less replace swaps the whole emails array and sets nickname",
      resource: bjensen(),
      request: body({
        op: "replace",
        value: {
          emails: [
            { value: "bjensen@example.com", type: "work", primary: true },
            { value: "babs@jensen.org", type: "home" },
            { value: "third@jensen.org", type: "other" },
          ],
          nickname: "Babs",
        },
      }),
      expected: {
        resource: {
          ...bjensen(),
          emails: [...(bjensen().emails as Json[]), { value: "third@jensen.org", type: "other" }],
          nickName: "Babs",
        },
        changedAttributes: ["emails", "nickName"],
      },
    },
  ];

  it.each(cases)("$name", ({ resource, request, type, expected }) => {
    expect(patch(resource, request, type)).toStrictEqual({ ignored: [], ...expected });
  });
});

describe("applyPatch: paths, values and schemas", () => {
  const cases: Case[] = [
    {
      name: "resolves attribute names case-insensitively and writes the schema spelling",
      resource: entraUser(),
      request: body({ op: "replace", path: "NAME.GIVENNAME", value: "A" }, { op: "add", path: "NickName", value: "B" }),
      expected: {
        resource: { ...entraUser(), name: { ...(entraUser().name as Json), givenName: "A" }, nickName: "B" },
        changedAttributes: ["name.givenName", "nickName"],
      },
    },
    {
      name: "merges into an existing key spelled differently",
      resource: { schemas: [URN.user], userName: "u", Name: { givenName: "A" } },
      request: body({ op: "add", path: "name.familyName", value: "B" }),
      expected: {
        resource: { schemas: [URN.user], userName: "u", name: { givenName: "A", familyName: "B" } },
        changedAttributes: ["name.familyName"],
      },
    },
    {
      name: "accepts a URN-qualified sub-attribute path (manager.value) and a lower-case URN",
      resource: entraUser(),
      request: body({ op: "add", path: `${ENT.toLowerCase()}:Manager.Value`, value: "m-1" }),
      expected: {
        resource: { ...entraUser(), [ENT]: { manager: { value: "m-1" } } },
        changedAttributes: [`${ENT}:manager.value`],
      },
    },
    {
      name: "takes Entra's bare manager id as manager.value",
      resource: entraUser(),
      request: body({ op: "Replace", path: `${ENT}:manager`, value: "2819c223" }),
      expected: {
        resource: { ...entraUser(), [ENT]: { manager: { value: "2819c223" } } },
        changedAttributes: [`${ENT}:manager.value`],
      },
    },
    {
      name: "adds the extension URN to schemas when an extension attribute is set",
      resource: { ...entraUser(), schemas: [URN.user] },
      request: body({ op: "add", value: { [`${PRODUCT}:employmentStartDate`]: "2026-03-01" } }),
      expected: {
        resource: { ...entraUser(), schemas: [URN.user, PRODUCT], [PRODUCT]: { employmentStartDate: "2026-03-01" } },
        changedAttributes: [`${PRODUCT}:employmentStartDate`, "schemas"],
      },
    },
    {
      name: "accepts an extension URN as path with an object of its attributes",
      resource: entraUser(),
      request: body({ op: "replace", path: ENT, value: { department: "R&D", costCenter: "42" } }),
      expected: {
        resource: { ...entraUser(), [ENT]: { department: "R&D", costCenter: "42" } },
        changedAttributes: [`${ENT}:department`, `${ENT}:costCenter`],
      },
    },
    {
      name: "drops an emptied extension object and its URN from schemas",
      resource: { ...entraUser(), [ENT]: { employeeNumber: "1" } },
      request: body({ op: "remove", path: `${ENT}:employeeNumber` }),
      expected: {
        resource: { ...entraUser(), schemas: [URN.user] },
        changedAttributes: [`${ENT}:employeeNumber`, "schemas"],
      },
    },
    {
      name: "removes a whole extension by its URN",
      resource: { ...entraUser(), [ENT]: { employeeNumber: "1", department: "x" } },
      request: body({ op: "remove", path: ENT }),
      expected: { resource: { ...entraUser(), schemas: [URN.user] }, changedAttributes: [ENT, "schemas"] },
    },
    {
      name: "leaves schemas alone when an extension that had no attributes stays empty",
      resource: entraUser(),
      request: body({ op: "remove", path: `${ENT}:employeeNumber` }),
      expected: { resource: entraUser(), changedAttributes: [] },
    },
    {
      name: "stores values exactly as sent: a numeric string stays a string, a number stays a number",
      resource: entraUser(),
      request: body(
        { op: "Add", path: 'phoneNumbers[type eq "work"].value', value: "55555555555" },
        { op: "Add", path: "title", value: 42 },
        { op: "Add", path: "nickName", value: "True" },
      ),
      expected: {
        resource: {
          ...entraUser(),
          phoneNumbers: [{ type: "work", value: "55555555555" }],
          title: 42,
          nickName: "True",
        },
        changedAttributes: ["phoneNumbers", "title", "nickName"],
      },
    },
    {
      name: "coerces string booleans on boolean sub-attributes, and the newly set primary wins",
      resource: bjensen(),
      request: body({ op: "Replace", path: 'emails[type eq "home"].primary', value: "true" }),
      expected: {
        resource: {
          ...bjensen(),
          emails: [
            { value: "bjensen@example.com", type: "work", primary: false },
            { value: "babs@jensen.org", type: "home", primary: true },
          ],
        },
        changedAttributes: ["emails"],
      },
    },
    {
      name: "keeps one primary when add appends a primary email",
      resource: bjensen(),
      request: body({ op: "add", path: "emails", value: [{ value: "new@x.org", type: "other", primary: "True" }] }),
      expected: {
        resource: {
          ...bjensen(),
          emails: [
            { value: "bjensen@example.com", type: "work", primary: false },
            { value: "babs@jensen.org", type: "home" },
            { value: "new@x.org", type: "other", primary: true },
          ],
        },
        changedAttributes: ["emails"],
      },
    },
    {
      name: "skips exact duplicates when adding to a multi-valued attribute",
      resource: bjensen(),
      request: body({ op: "add", path: "emails", value: [{ value: "babs@jensen.org", type: "home" }] }),
      expected: { resource: bjensen(), changedAttributes: [] },
    },
    {
      name: "replace of a multi-valued attribute replaces the whole array",
      resource: bjensen(),
      request: body({ op: "replace", path: "emails", value: [{ value: "only@x.org", type: "work" }] }),
      expected: {
        resource: { ...bjensen(), emails: [{ value: "only@x.org", type: "work" }] },
        changedAttributes: ["emails"],
      },
    },
    {
      name: "updates every element a filter matches, comparing case-insensitively",
      resource: {
        ...bjensen(),
        phoneNumbers: [
          { type: "Work", value: "1" },
          { type: "work", value: "2" },
          { type: "home", value: "3" },
        ],
      },
      request: body({ op: "replace", path: 'phoneNumbers[type eq "work"].display', value: "office" }),
      expected: {
        resource: {
          ...bjensen(),
          phoneNumbers: [
            { type: "Work", value: "1", display: "office" },
            { type: "work", value: "2", display: "office" },
            { type: "home", value: "3" },
          ],
        },
        changedAttributes: ["phoneNumbers"],
      },
    },
    {
      name: "creates an element from every eq term of an and filter",
      resource: entraUser(),
      request: body({ op: "add", path: 'phoneNumbers[type eq "mobile" and display eq "cell"].value', value: "+46 70" }),
      expected: {
        resource: { ...entraUser(), phoneNumbers: [{ type: "mobile", display: "cell", value: "+46 70" }] },
        changedAttributes: ["phoneNumbers"],
      },
    },
    {
      name: "add with a filter and no sub-attribute merges into the matched element",
      resource: bjensen(),
      request: body({ op: "add", path: 'emails[type eq "home"]', value: { display: "Babs" } }),
      expected: {
        resource: {
          ...bjensen(),
          emails: [(bjensen().emails as Json[])[0], { value: "babs@jensen.org", type: "home", display: "Babs" }],
        },
        changedAttributes: ["emails"],
      },
    },
    {
      name: "remove with a filter that matches nothing is a no-op",
      resource: bjensen(),
      request: body(
        { op: "remove", path: 'emails[type eq "other"]' },
        { op: "remove", path: 'addresses[type eq "work"].locality' },
      ),
      expected: { resource: bjensen(), changedAttributes: [] },
    },
    {
      name: "remove of a sub-attribute of matched elements keeps the elements",
      resource: bjensen(),
      request: body({ op: "remove", path: 'emails[type eq "work"].primary' }),
      expected: {
        resource: {
          ...bjensen(),
          emails: [
            { value: "bjensen@example.com", type: "work" },
            { value: "babs@jensen.org", type: "home" },
          ],
        },
        changedAttributes: ["emails"],
      },
    },
    {
      name: "remove of the last element removes the attribute",
      resource: entraUser(),
      request: body({ op: "remove", path: 'emails[type eq "work"]' }),
      expected: { resource: (({ emails: _e, ...rest }) => rest)(entraUser()), changedAttributes: ["emails"] },
    },
    {
      name: "remove of a multi-valued attribute with a value removes only the listed values",
      resource: bjensen(),
      request: body({ op: "Remove", path: "emails", value: [{ value: "BABS@jensen.org" }] }),
      expected: {
        resource: { ...bjensen(), emails: [(bjensen().emails as Json[])[0]] },
        changedAttributes: ["emails"],
      },
    },
    {
      name: "remove of a sub-attribute drops the emptied complex attribute",
      resource: { ...entraUser(), name: { givenName: "A" } },
      request: body({ op: "remove", path: "name.givenName" }),
      expected: { resource: (({ name: _n, ...rest }) => rest)(entraUser()), changedAttributes: ["name.givenName"] },
    },
    {
      name: "treats null on add/replace as remove",
      resource: { ...entraUser(), nickName: "x", [ENT]: { department: "d", employeeNumber: "1" } },
      request: body(
        { op: "replace", path: "nickName", value: null },
        { op: "replace", value: { "name.formatted": null, [ENT]: { department: null } } },
        { op: "add", path: 'emails[type eq "work"].primary', value: null },
      ),
      expected: {
        resource: {
          ...entraUser(),
          name: { familyName: "familyName", givenName: "givenName" },
          emails: [{ type: "work", value: "Test_User_11bb11bb@testuser.com" }],
          [ENT]: { employeeNumber: "1" },
        },
        changedAttributes: ["nickName", "name.formatted", `${ENT}:department`, "emails"],
      },
    },
    {
      name: "a sub-attribute path on a multi-valued attribute without filter applies to every element",
      resource: bjensen(),
      request: body({ op: "remove", path: "emails.primary" }),
      expected: {
        resource: {
          ...bjensen(),
          emails: [
            { value: "bjensen@example.com", type: "work" },
            { value: "babs@jensen.org", type: "home" },
          ],
        },
        changedAttributes: ["emails"],
      },
    },
    {
      name: "reports no change when the value is already set",
      resource: entraUser(),
      request: body(
        { op: "Replace", path: "active", value: "True" },
        { op: "replace", path: "name.givenName", value: "givenName" },
      ),
      expected: { resource: entraUser(), changedAttributes: [] },
    },
    {
      name: "ignores readOnly sub-attributes inside a value (manager.displayName)",
      resource: entraUser(),
      request: body({ op: "add", path: `${ENT}:manager`, value: { value: "m", displayName: "Boss" } }),
      expected: {
        resource: { ...entraUser(), [ENT]: { manager: { value: "m" } } },
        changedAttributes: [`${ENT}:manager.value`],
      },
    },
    {
      name: "ignores a schemas key in a path-less value",
      resource: entraUser(),
      request: body({ op: "replace", value: { schemas: [URN.user], title: "CTO" } }),
      expected: { resource: { ...entraUser(), title: "CTO" }, changedAttributes: ["title"] },
    },
    {
      name: "accepts value-filter paths as keys of a path-less value",
      resource: entraUser(),
      request: body({
        op: "replace",
        value: { 'emails[type eq "work"].value': "w@x.com", 'phoneNumbers[type eq "work"].value': "555" },
      }),
      expected: {
        resource: {
          ...entraUser(),
          emails: [{ primary: true, type: "work", value: "w@x.com" }],
          phoneNumbers: [{ type: "work", value: "555" }],
        },
        changedAttributes: ["emails", "phoneNumbers"],
      },
    },
    {
      name: "keeps only the last primary of a replaced array",
      resource: entraUser(),
      request: body({
        op: "replace",
        path: "emails",
        value: [
          { value: "a@x", primary: true },
          { value: "b@x", primary: "True" },
        ],
      }),
      expected: {
        resource: {
          ...entraUser(),
          emails: [
            { value: "a@x", primary: false },
            { value: "b@x", primary: true },
          ],
        },
        changedAttributes: ["emails"],
      },
    },
    {
      name: "accepts a core-schema-qualified path",
      resource: entraUser(),
      request: body({ op: "replace", path: `${URN.user}:userName`, value: "new@x.com" }),
      expected: { resource: { ...entraUser(), userName: "new@x.com" }, changedAttributes: ["userName"] },
    },
  ];

  it.each(cases)("$name", ({ resource, request, type, expected }) => {
    expect(patch(resource, request, type)).toStrictEqual({ ignored: [], ...expected });
  });
});

describe("applyPatch: group members", () => {
  const add = (...ids: string[]) => ({ op: "add", path: "members", value: ids.map((value) => ({ value })) });
  const remove = (...ids: string[]) => ({ op: "remove", path: "members", value: ids.map((value) => ({ value })) });
  const cases: {
    name: string;
    ops: unknown[];
    members?: PatchResult["members"];
    resource?: Json;
    changed?: string[];
  }[] = [
    {
      name: "an id added then removed ends in remove",
      ops: [add("a"), remove("a")],
      members: { kind: "delta", add: [], remove: ["a"] },
    },
    {
      name: "an id removed then added ends in add",
      ops: [remove("a"), add("a")],
      members: { kind: "delta", add: ["a"], remove: [] },
    },
    {
      name: "deduplicates ids",
      ops: [add("a", "a", "b"), add("b")],
      members: { kind: "delta", add: ["a", "b"], remove: [] },
    },
    {
      name: "later adds and removes modify a replace set",
      ops: [{ op: "replace", path: "members", value: [{ value: "a" }, { value: "b" }] }, add("c"), remove("a")],
      members: { kind: "replace", ids: ["b", "c"] },
    },
    { name: "empty value arrays are a no-op", ops: [add(), remove()], members: undefined, changed: [] },
    {
      name: "remove with an or of value eq removes each id",
      ops: [{ op: "remove", path: 'members[value eq "a" or value eq "b"]' }],
      members: { kind: "delta", add: [], remove: ["a", "b"] },
    },
    {
      name: "path-less add of members and displayName",
      ops: [{ op: "Add", value: { members: [{ value: "a", display: "A", type: "User" }], displayName: "Ops" } }],
      members: { kind: "delta", add: ["a"], remove: [] },
      resource: { ...entraGroup(), displayName: "Ops" },
      changed: ["displayName", "members"],
    },
    {
      name: "path-less replace of members",
      ops: [{ op: "replace", value: { Members: [{ value: "a" }] } }],
      members: { kind: "replace", ids: ["a"] },
    },
    {
      name: "path-less remove with a members value",
      ops: [{ op: "remove", value: { members: [{ value: "a" }] } }],
      members: { kind: "delta", add: [], remove: ["a"] },
    },
    {
      name: "replace with null clears all members",
      ops: [{ op: "replace", path: "members", value: null }],
      members: { kind: "replace", ids: [] },
    },
    {
      name: "externalId changes apply to the resource",
      ops: [{ op: "replace", path: "externalId", value: "x" }],
      resource: { ...entraGroup(), externalId: "x" },
      changed: ["externalId"],
    },
  ];

  it.each(cases)("$name", ({ ops, members, resource, changed }) => {
    expect(patch(entraGroup(), body(...ops), "Group")).toStrictEqual({
      resource: resource ?? entraGroup(),
      ...(members ? { members } : {}),
      changedAttributes: changed ?? ["members"],
      ignored: [],
    });
  });
});

describe("parsePatchRequest", () => {
  it("normalises op case, trims paths, drops a null remove value and an empty path", () => {
    expect(
      parsePatchRequest({
        schemas: ["URN:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [
          { op: "Replace", path: " displayName ", value: "x" },
          { Op: "ADD", Path: "", Value: { nickName: "b" } },
          { op: "Remove", path: "members", value: null },
          { op: "remove", path: "members", value: [{ value: "u1" }] },
          { op: "remove", value: { members: [{ value: "u2" }] } },
          { op: "add", path: "title", value: null },
        ],
      }),
    ).toStrictEqual<PatchOp[]>([
      { op: "replace", path: "displayName", value: "x" },
      { op: "add", value: { nickName: "b" } },
      { op: "remove", path: "members" },
      { op: "remove", path: "members", value: [{ value: "u1" }] },
      { op: "remove", value: { members: [{ value: "u2" }] } },
      { op: "add", path: "title", value: null },
    ]);
  });

  const errors: { name: string; body: unknown; scimType: string; detail: RegExp }[] = [
    { name: "a body that is not an object", body: [], scimType: "invalidSyntax", detail: /JSON object/ },
    {
      name: "missing schemas",
      body: { Operations: [{ op: "add", path: "title", value: "x" }] },
      scimType: "invalidSyntax",
      detail: /PatchOp/,
    },
    {
      name: "schemas without the PatchOp URN",
      body: { schemas: [URN.user], Operations: [{ op: "add", path: "title", value: "x" }] },
      scimType: "invalidSyntax",
      detail: /PatchOp/,
    },
    { name: "missing Operations", body: { schemas: PATCH_OP }, scimType: "invalidSyntax", detail: /non-empty array/ },
    {
      name: "empty Operations",
      body: { schemas: PATCH_OP, Operations: [] },
      scimType: "invalidSyntax",
      detail: /non-empty array/,
    },
    {
      name: "an operation that is not an object",
      body: body("add"),
      scimType: "invalidSyntax",
      detail: /^Operations\[0\] must be an object/,
    },
    {
      name: "an unknown op",
      body: body({ op: "add", path: "title", value: "x" }, { op: "move", path: "title" }),
      scimType: "invalidSyntax",
      detail: /^Operations\[1\]: "op" must be .*"move"/,
    },
    {
      name: "a path that is not a string",
      body: body({ op: "add", path: 3, value: "x" }),
      scimType: "invalidSyntax",
      detail: /^Operations\[0\]: "path" must be a string/,
    },
    {
      name: "remove without a path",
      body: body({ op: "Remove" }),
      scimType: "noTarget",
      detail: /^Operations\[0\]: remove needs a "path"/,
    },
    {
      name: "path-less remove of anything but members",
      body: body({ op: "remove", value: { displayName: "x" } }),
      scimType: "noTarget",
      detail: /^Operations\[0\]: remove needs a "path"/,
    },
    {
      name: "add without a value",
      body: body({ op: "Add", path: "title" }),
      scimType: "invalidValue",
      detail: /^Operations\[0\]: add needs a "value"/,
    },
    {
      name: "path-less replace with a string value",
      body: body({ op: "replace", value: "x" }),
      scimType: "invalidValue",
      detail: /^Operations\[0\]: replace without a "path" needs a non-empty object/,
    },
    {
      name: "path-less add with an empty object",
      body: body({ op: "add", value: {} }),
      scimType: "invalidValue",
      detail: /non-empty object/,
    },
  ];

  it.each(errors)("rejects $name with 400 $scimType", ({ body: request, scimType, detail }) => {
    expect(() => parsePatchRequest(request)).toThrow(
      expect.objectContaining({ status: 400, scimType, detail: expect.stringMatching(detail) }),
    );
  });
});

describe("applyPatch errors", () => {
  const errors: { name: string; type?: ResourceTypeName; ops: unknown[]; scimType: string; detail: RegExp }[] = [
    {
      name: "path id (readOnly)",
      ops: [{ op: "replace", path: "id", value: "x" }],
      scimType: "mutability",
      detail: /^Operations\[0\]: Attribute 'id' is readOnly/,
    },
    {
      name: "path meta.created (readOnly)",
      ops: [{ op: "replace", path: "meta.created", value: "x" }],
      scimType: "mutability",
      detail: /'meta\.created' is readOnly/,
    },
    {
      name: "path-less meta",
      ops: [{ op: "replace", value: { meta: { version: "1" } } }],
      scimType: "mutability",
      detail: /'meta' is readOnly/,
    },
    {
      name: "groups on User",
      ops: [{ op: "add", path: "groups", value: [{ value: "g" }] }],
      scimType: "mutability",
      detail: /'groups' is readOnly/,
    },
    {
      name: "remove of groups on User with a filter",
      ops: [{ op: "remove", path: 'groups[value eq "g"]' }],
      scimType: "mutability",
      detail: /'groups' is readOnly/,
    },
    {
      name: "manager.displayName (readOnly)",
      ops: [{ op: "replace", path: `${ENT}:manager.displayName`, value: "x" }],
      scimType: "mutability",
      detail: /manager\.displayName' is readOnly/,
    },
    {
      name: "a path with three segments",
      ops: [{ op: "replace", path: "name.givenName.x", value: "x" }],
      scimType: "invalidPath",
      detail: /malformed/,
    },
    {
      name: "a path with an empty segment",
      ops: [{ op: "replace", path: "name..givenName", value: "x" }],
      scimType: "invalidPath",
      detail: /malformed/,
    },
    {
      name: "an unclosed value filter",
      ops: [{ op: "replace", path: 'emails[type eq "work"', value: "x" }],
      scimType: "invalidPath",
      detail: /not closed/,
    },
    {
      name: "junk after a value filter",
      ops: [{ op: "replace", path: 'emails[type eq "work"]value', value: "x" }],
      scimType: "invalidPath",
      detail: /after "\]"/,
    },
    {
      name: "a value filter on a singular attribute",
      ops: [{ op: "replace", path: 'name[givenName eq "x"].familyName', value: "x" }],
      scimType: "invalidPath",
      detail: /multi-valued complex attribute, and 'name' is not/,
    },
    {
      name: "a malformed value filter",
      ops: [{ op: "replace", path: "emails[type eq].value", value: "x" }],
      scimType: "invalidFilter",
      detail: /^Operations\[0\]: Invalid filter/,
    },
    {
      name: "a value filter on an unknown sub-attribute",
      ops: [{ op: "remove", path: 'emails[kind eq "x"]' }],
      scimType: "invalidFilter",
      detail: /"kind" is not a sub-attribute of "emails"/,
    },
    {
      name: "a non-eq filter that matches nothing on replace",
      ops: [{ op: "replace", path: 'emails[type ne "work"].value', value: "x" }],
      scimType: "noTarget",
      detail: /No value of 'emails' matches/,
    },
    {
      name: "an object for a string attribute",
      ops: [{ op: "replace", path: "displayName", value: { x: 1 } }],
      scimType: "invalidValue",
      detail: /'displayName' takes a single string value, not an object/,
    },
    {
      name: "an array for a singular attribute",
      ops: [{ op: "replace", path: "active", value: [true] }],
      scimType: "invalidValue",
      detail: /'active' takes a single boolean value, not an array/,
    },
    {
      name: "an array for a sub-attribute",
      ops: [{ op: "replace", path: 'emails[type eq "work"].value', value: ["a"] }],
      scimType: "invalidValue",
      detail: /'emails\.value' takes a single string value/,
    },
    {
      name: "a string for a multi-valued attribute",
      ops: [{ op: "add", path: "emails", value: "a@b.c" }],
      scimType: "invalidValue",
      detail: /'emails' is multi-valued/,
    },
    {
      name: "a string for name",
      ops: [{ op: "replace", path: "name", value: "Babs" }],
      scimType: "invalidValue",
      detail: /'name' takes an object/,
    },
    {
      name: "removing the core schema",
      ops: [{ op: "remove", path: URN.user }],
      scimType: "invalidPath",
      detail: /core schema/,
    },
    {
      name: "a member without a value",
      type: "Group",
      ops: [{ op: "add", path: "members", value: [{ display: "x" }] }],
      scimType: "invalidValue",
      detail: /'members\[0\]\.value' must be a non-empty string/,
    },
    {
      name: "a member value that is not a string",
      type: "Group",
      ops: [{ op: "add", path: "members", value: [{ value: "a" }, { value: 7 }] }],
      scimType: "invalidValue",
      detail: /'members\[1\]\.value'/,
    },
    {
      name: "a member value that is empty",
      type: "Group",
      ops: [{ op: "remove", path: "members", value: [{ value: "" }] }],
      scimType: "invalidValue",
      detail: /'members\[0\]\.value'/,
    },
    {
      name: "members as a string",
      type: "Group",
      ops: [{ op: "replace", path: "members", value: "a" }],
      scimType: "invalidValue",
      detail: /'members' takes an array/,
    },
    {
      name: "a members filter on display",
      type: "Group",
      ops: [{ op: "remove", path: 'members[display eq "Babs"]' }],
      scimType: "invalidFilter",
      detail: /'value eq "<id>"' terms joined by "or"/,
    },
    {
      name: "a members filter joined by and",
      type: "Group",
      ops: [{ op: "remove", path: 'members[value eq "a" and value eq "b"]' }],
      scimType: "invalidFilter",
      detail: /joined by "or"/,
    },
    {
      name: "add with a members filter",
      type: "Group",
      ops: [{ op: "add", path: 'members[value eq "a"]', value: { value: "a" } }],
      scimType: "invalidPath",
      detail: /supported only by remove/,
    },
    {
      name: "a members sub-attribute path",
      type: "Group",
      ops: [{ op: "remove", path: "members.value" }],
      scimType: "invalidPath",
      detail: /'members\.value' cannot be patched/,
    },
    {
      name: "a members filter with a sub-attribute",
      type: "Group",
      ops: [{ op: "remove", path: 'members[value eq "a"].display' }],
      scimType: "invalidPath",
      detail: /cannot be patched/,
    },
  ];

  it.each(errors)("rejects $name", ({ type, ops, scimType, detail }) => {
    const resource = type === "Group" ? entraGroup() : entraUser();
    expect(() => patch(resource, body(...ops), type)).toThrow(
      expect.objectContaining({ status: 400, scimType, detail: expect.stringMatching(detail) }),
    );
  });

  it("applies the same checks to operations that bypass parsePatchRequest", () => {
    expect(() => applyPatch(entraUser(), [{ op: "remove" }], "User")).toThrow(
      expect.objectContaining({ status: 400, scimType: "noTarget" }),
    );
    expect(() => applyPatch(entraUser(), [{ op: "add", value: 3 }], "User")).toThrow(
      expect.objectContaining({ status: 400, scimType: "invalidValue" }),
    );
  });
});

describe("applyPatch: what the schema does not define is ignored and reported", () => {
  const CONTOSO = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User";
  const title = { op: "add", path: "title", value: "t" };
  const cases: {
    name: string;
    type?: ResourceTypeName;
    ops: unknown[];
    ignored: string[];
    resource?: Json;
    changed?: string[];
  }[] = [
    {
      name: "an unknown core-looking attribute",
      ops: [title, { op: "add", path: "building", value: "B1" }],
      ignored: ["building"],
    },
    {
      name: "an unknown sub-attribute path",
      ops: [title, { op: "replace", path: "name.nickname2", value: "x" }],
      ignored: ["name.nickname2"],
    },
    {
      name: "an unknown dotted key in a path-less value",
      ops: [title, { op: "replace", value: { "name.nick": "x" } }],
      ignored: ["name.nick"],
    },
    {
      name: "an unknown sub-attribute in a nested path-less value",
      ops: [title, { op: "replace", value: { name: { nick: "x" } } }],
      ignored: ["name.nick"],
    },
    {
      name: "a custom extension attribute (full-URN path)",
      ops: [title, { op: "replace", path: `${CONTOSO}:costCenter`, value: "42" }],
      ignored: [`${CONTOSO}:costCenter`],
    },
    {
      name: "a custom extension attribute (path-less key)",
      ops: [title, { op: "replace", value: { [`${CONTOSO}:costCenter`]: "42" } }],
      ignored: [`${CONTOSO}:costCenter`],
    },
    {
      name: "an unknown attribute of a known extension",
      ops: [title, { op: "replace", path: `${ENT}:shoeSize`, value: "x" }],
      ignored: [`${ENT}:shoeSize`],
    },
    {
      name: "an unknown attribute inside a known extension object",
      ops: [title, { op: "replace", path: ENT, value: { shoeSize: 42 } }],
      ignored: [`${ENT}:shoeSize`],
    },
    {
      name: "an unknown sub-attribute inside a value",
      ops: [title, { op: "add", path: "emails", value: [{ value: "a", kind: "x" }] }],
      ignored: ["emails.kind"],
      resource: { ...entraUser(), title: "t", emails: [...(entraUser().emails as Json[]), { value: "a" }] },
      changed: ["title", "emails"],
    },
    {
      name: "an unknown sub-attribute after a value filter",
      ops: [title, { op: "replace", path: 'emails[type eq "work"].kind', value: "x" }],
      ignored: ["emails.kind"],
    },
    { name: "an unknown attribute removed", ops: [title, { op: "remove", path: "building" }], ignored: ["building"] },
    {
      name: "each unknown path once, in order",
      ops: [
        title,
        { op: "add", path: "b", value: 1 },
        { op: "add", path: "a", value: 1 },
        { op: "add", path: "b", value: 2 },
      ],
      ignored: ["b", "a"],
    },
    {
      name: "a User attribute on a Group",
      type: "Group",
      ops: [{ op: "replace", path: "userName", value: "x" }],
      ignored: ["userName"],
      resource: entraGroup(),
      changed: [],
    },
  ];

  it.each(cases)("accepts $name", ({ type, ops, ignored, resource, changed }) => {
    const base = type === "Group" ? entraGroup() : entraUser();
    expect(patch(base, body(...ops), type)).toStrictEqual({
      resource: resource ?? { ...base, title: "t" },
      changedAttributes: changed ?? ["title"],
      ignored,
    });
  });

  it("still rejects a wrongly typed value of a defined attribute next to an unknown one", () => {
    expect(() =>
      patch(
        entraUser(),
        body({ op: "add", path: "building", value: 1 }, { op: "replace", path: "active", value: "maybe" }),
      ),
    ).not.toThrow();
    expect(() =>
      patch(
        entraUser(),
        body({ op: "add", path: "building", value: 1 }, { op: "replace", path: "displayName", value: { x: 1 } }),
      ),
    ).toThrow(
      expect.objectContaining({
        status: 400,
        scimType: "invalidValue",
        detail: "Operations[1]: 'displayName' takes a single string value, not an object.",
      }),
    );
  });
});

describe("applyPatch: unqualified extension attribute names", () => {
  it.each<[string, unknown, Json]>([
    ["employeeNumber", "7", { [ENT]: { employeeNumber: "7" } }],
    ["manager", "m-1", { [ENT]: { manager: { value: "m-1" } } }],
    ["manager.value", "m-2", { [ENT]: { manager: { value: "m-2" } } }],
    ["employmentStartDate", "2026-03-01", { [PRODUCT]: { employmentStartDate: "2026-03-01" } }],
  ])("resolves %s to the one extension that defines it", (path, value, extension) => {
    const { resource, ignored } = patch(entraUser(), body({ op: "replace", path, value }));
    const urn = Object.keys(extension)[0];
    expect({ resource, ignored }).toStrictEqual({
      resource: { ...entraUser(), schemas: urn === ENT ? [URN.user, ENT] : [URN.user, ENT, PRODUCT], ...extension },
      ignored: [],
    });
  });
});

describe("applyPatch limits (PATCH_LIMITS, RESOURCE_LIMITS)", () => {
  const emails = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ op: "add", path: "emails", value: [{ value: `e${i}@x` }] }));
  const members = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `u${i}` }));

  it("advertises the limits it enforces", () => {
    expect({ PATCH_LIMITS, RESOURCE_LIMITS }).toEqual({
      PATCH_LIMITS: { maxOperations: 1000, maxMembers: 1000 },
      RESOURCE_LIMITS: { maxValues: 100 },
    });
  });

  it.each<[string, () => unknown, string, string]>([
    [
      "more than 1,000 operations (parsePatchRequest)",
      () => parsePatchRequest(body(...emails(1001))),
      "tooMany",
      "The PATCH request has 1001 operations; the limit is 1000 operations per request. Send the changes in several requests.",
    ],
    [
      "more than 1,000 operations (applyPatch)",
      () => applyPatch(entraUser(), emails(1001) as PatchOp[], "User"),
      "tooMany",
      "The PATCH request has 1001 operations; the limit is 1000 operations per request. Send the changes in several requests.",
    ],
    [
      "more than 100 emails, one at a time",
      () => patch(entraUser(), body(...emails(100))),
      "invalidValue",
      "Operations[99]: User attribute 'emails' would have 101 values; the limit is 100 values per multi-valued attribute.",
    ],
    [
      "more than 100 emails in one replace",
      () => patch(entraUser(), body({ op: "replace", path: "emails", value: members(101) })),
      "invalidValue",
      "Operations[0]: User attribute 'emails' would have 101 values; the limit is 100 values per multi-valued attribute.",
    ],
    [
      "more than 1,000 members in one operation",
      () => patch(entraGroup(), body({ op: "add", path: "members", value: members(1001) }), "Group"),
      "tooMany",
      "Operations[0]: The PATCH request names 1001 or more members; the limit is 1000 members per request. Send the members in several requests.",
    ],
    [
      "more than 1,000 members over several operations",
      () =>
        patch(
          entraGroup(),
          body(
            { op: "add", path: "members", value: members(600) },
            { op: "remove", path: "members", value: members(401) },
          ),
          "Group",
        ),
      "tooMany",
      "Operations[1]: The PATCH request names 1001 or more members; the limit is 1000 members per request. Send the members in several requests.",
    ],
  ])("rejects %s", (_, run, scimType, detail) => {
    expect(run).toThrow(expect.objectContaining({ status: 400, scimType, detail }));
  });

  it("accepts exactly 1,000 operations, 100 values and 1,000 members", () => {
    expect(
      patch({ schemas: [URN.user], userName: "u" }, body(...Array.from({ length: 10 }, () => emails(100)).flat()))
        .resource.emails,
    ).toHaveLength(100);
    expect(
      patch(entraGroup(), body({ op: "add", path: "members", value: members(1000) }), "Group").members,
    ).toMatchObject({ kind: "delta" });
  });

  it("skips exact duplicates on add whatever the key order, as before", () => {
    const { resource } = patch(
      { schemas: [URN.user], userName: "u", emails: [{ value: "a", type: "work" }] },
      body(
        { op: "add", path: "emails", value: [{ type: "work", value: "a" }, { value: "b" }] },
        { op: "add", path: "emails", value: [{ value: "b" }] },
      ),
    );
    expect(resource.emails).toStrictEqual([{ value: "a", type: "work" }, { value: "b" }]);
  });
});

describe("applyPatch purity", () => {
  it("never mutates its input, even when it changes every kind of attribute", () => {
    const user = deepFreeze({
      ...bjensen(),
      schemas: [URN.user, ENT],
      [ENT]: { employeeNumber: "1", manager: { value: "m" } },
    });
    const snapshot = structuredClone(user);
    const result = patch(
      user,
      body(
        { op: "replace", path: 'emails[type eq "home"].primary', value: true },
        { op: "remove", path: 'addresses[type eq "home"].region' },
        { op: "replace", value: { "name.givenName": "B", [`${ENT}:manager.value`]: "n" } },
        { op: "remove", path: `${ENT}:employeeNumber` },
      ),
    );
    expect(user).toStrictEqual(snapshot);
    expect(result.resource).not.toBe(user);
    expect(result.changedAttributes).toStrictEqual([
      "emails",
      "addresses",
      "name.givenName",
      `${ENT}:manager.value`,
      `${ENT}:employeeNumber`,
    ]);
  });

  it("is atomic: a bad operation after good ones throws and the input is untouched", () => {
    const user = deepFreeze(entraUser());
    expect(() =>
      patch(user, body({ op: "replace", path: "displayName", value: "x" }, { op: "replace", path: "id", value: "y" })),
    ).toThrow(
      expect.objectContaining({
        status: 400,
        scimType: "mutability",
        detail: expect.stringMatching(/^Operations\[1\]/),
      }),
    );
    expect(user).toStrictEqual(entraUser());
  });
});
