import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ENTERPRISE, GROUP, USER, patch, startTestHost, type Client } from "../helpers/host.js";

/**
 * Microsoft's gallery validation reads GET /Schemas, flattens it into the attribute paths Entra can
 * map (`name.givenName`, `emails[type eq "work"].value` from the `type` sub-attribute's
 * canonicalValues, `urn:...:enterprise:2.0:User:employeeNumber`, ...) and fails when a target of the
 * app's mapping is not among them. This replays that over HTTP against the local host, and checks
 * the other direction too: what /Schemas advertises is stored and returned.
 */

const PRODUCT = "urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User";

/**
 * Entra's default attribute mapping for a SCIM app: Microsoft's "Develop and plan provisioning for a
 * SCIM endpoint" (Table 1: Default user attribute mapping, Table 2: Default group attribute mapping),
 * the non-gallery app's defaults in "Tutorial - Customize Microsoft Entra attribute mappings", and
 * this product's own mapping (shared/spec/entra-provisioning.md §13). Spelled as Microsoft spells
 * them (`.Value`, `.Formatted`): Entra compares attribute names case-insensitively.
 */
const ENTRA_USER_TARGETS = [
  "userName",
  "active",
  "displayName",
  "title",
  "preferredLanguage",
  "externalId",
  "name.givenName",
  "name.familyName",
  "name.formatted",
  'emails[type eq "work"].value',
  'emails[type eq "other"].Value',
  'phoneNumbers[type eq "work"].value',
  'phoneNumbers[type eq "mobile"].value',
  'phoneNumbers[type eq "fax"].value',
  'addresses[type eq "work"].formatted',
  'addresses[type eq "work"].streetAddress',
  'addresses[type eq "work"].locality',
  'addresses[type eq "work"].region',
  'addresses[type eq "work"].postalCode',
  'addresses[type eq "work"].country',
  'addresses[type eq "other"].Formatted',
  `${ENTERPRISE}:employeeNumber`,
  `${ENTERPRISE}:department`,
  `${ENTERPRISE}:manager`,
  `${PRODUCT}:employmentStartDate`,
];
const ENTRA_GROUP_TARGETS = ["displayName", "externalId", "members"];

interface Attribute {
  name: string;
  type: string;
  multiValued: boolean;
  mutability: string;
  returned: string;
  canonicalValues?: string[];
  subAttributes?: Attribute[];
}
interface Schema {
  id: string;
  attributes: Attribute[];
}
interface ResourceType {
  id: string;
  endpoint: string;
  schema: string;
  schemaExtensions?: { schema: string }[];
}

/**
 * The gallery validator's flattening: every attribute (URN-qualified in an extension); `a.b` for
 * each sub-attribute of a singular complex attribute; `a[type eq "v"].b` for each canonical `type`
 * value of a multi-valued one, and `a[primary eq "True"].b` where it has `primary`.
 */
function flatten(schema: Schema, core: boolean): string[] {
  const prefix = core ? "" : `${schema.id}:`;
  return schema.attributes.flatMap((a) => {
    const name = `${prefix}${a.name}`;
    const subs = a.subAttributes ?? [];
    if (!a.multiValued) return [name, ...subs.map((s) => `${name}.${s.name}`)];
    const types = subs.find((s) => s.name === "type")?.canonicalValues ?? [];
    const byType = types.flatMap((v) =>
      subs.filter((s) => s.name !== "type").map((s) => `${name}[type eq "${v}"].${s.name}`),
    );
    const byPrimary = subs.some((s) => s.name === "primary")
      ? subs.filter((s) => s.name !== "primary").map((s) => `${name}[primary eq "True"].${s.name}`)
      : [];
    return [name, ...byType, ...byPrimary];
  });
}

let host: RunningHost;
let scim: Client;
let schemas: Schema[];
let resourceTypes: ResourceType[];

beforeAll(async () => {
  ({ host, scim } = await startTestHost());
  schemas = (await scim.get("/Schemas")).body.Resources;
  resourceTypes = (await scim.get("/ResourceTypes")).body.Resources;
});
afterAll(async () => host?.close());

function schemaOf(id: string): Schema {
  const found = schemas.find((s) => s.id === id);
  expect(found, `GET /Schemas lists ${id}`).toBeDefined();
  return found!;
}

/** The flattened target paths of a resource type, lower-cased (Entra matches them case-insensitively). */
function targets(type: "User" | "Group"): Set<string> {
  const rt = resourceTypes.find((r) => r.id === type)!;
  const paths = [
    ...flatten(schemaOf(rt.schema), true),
    ...(rt.schemaExtensions ?? []).flatMap((e) => flatten(schemaOf(e.schema), false)),
  ];
  return new Set(paths.map((p) => p.toLowerCase()));
}

describe("GET /Schemas, flattened as Microsoft's gallery validation does", () => {
  it.each(ENTRA_USER_TARGETS)("advertises the User target %s of Entra's default mapping", (path) => {
    expect(targets("User").has(path.toLowerCase())).toBe(true);
  });

  it.each(ENTRA_GROUP_TARGETS)("advertises the Group target %s of Entra's default mapping", (path) => {
    expect(targets("Group").has(path.toLowerCase())).toBe(true);
  });

  it("derives a value-filter path for each canonical type of emails, phoneNumbers, addresses, ims and photos", () => {
    const user = targets("User");
    for (const path of [
      'emails[type eq "home"].value',
      'phoneNumbers[type eq "pager"].value',
      'addresses[type eq "home"].locality',
      'ims[type eq "skype"].value',
      'photos[type eq "thumbnail"].value',
      'roles[primary eq "True"].value',
    ]) {
      expect(user.has(path.toLowerCase()), path).toBe(true);
    }
  });

  it("serves every schema of every resource type, each also at /Schemas/{urn} with the same body", async () => {
    const ids = resourceTypes.flatMap((rt) => [rt.schema, ...(rt.schemaExtensions ?? []).map((e) => e.schema)]);
    expect(new Set(ids)).toEqual(new Set(schemas.map((s) => s.id)));
    for (const schema of schemas) {
      const one = await scim.get(`/Schemas/${schema.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(schema);
    }
  });
});

/** A value of an attribute's type that the round trip can recognise. */
function sample(attr: Attribute, path: string): unknown {
  switch (attr.type) {
    case "boolean":
      return false;
    case "dateTime":
      return "2026-03-01T00:00:00Z";
    case "reference":
      return `https://example.com/${path}`;
    case "binary":
      return Buffer.from(path).toString("base64");
    case "integer":
      return 7;
    case "decimal":
      return 7.5;
    default:
      return `${path}-value`;
  }
}

const writable = (a: Attribute) => a.mutability !== "readOnly";

/**
 * A body that sets every writable attribute and sub-attribute the schema advertises; a multi-valued
 * complex attribute gets one value per canonical `type` (the first one primary). `refs` supplies
 * values that must name real resources (the manager, group members).
 */
function fill(attrs: Attribute[], path: string, refs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of attrs.filter(writable)) {
    const here = path ? `${path}.${a.name}` : a.name;
    if (here in refs) out[a.name] = refs[here];
    else if (a.type !== "complex") out[a.name] = a.multiValued ? [sample(a, here)] : sample(a, here);
    else if (!a.multiValued) out[a.name] = fill(a.subAttributes ?? [], here, refs);
    else {
      const types = a.subAttributes?.find((s) => s.name === "type")?.canonicalValues ?? [];
      out[a.name] = (types.length ? types : ["any"]).map((type, i) => ({
        ...fill(a.subAttributes ?? [], `${here}[${i}]`, refs),
        ...(a.subAttributes?.some((s) => s.name === "type") ? { type } : {}),
        ...(a.subAttributes?.some((s) => s.name === "primary") ? { primary: i === 0 } : {}),
      }));
    }
  }
  return out;
}

/** Dotted paths of every writable leaf the schema advertises (`emails.value`, `urn:...:manager.value`). */
function writableLeaves(attrs: Attribute[], prefix: string): string[] {
  return attrs
    .filter(writable)
    .flatMap((a) =>
      a.type === "complex" ? writableLeaves(a.subAttributes ?? [], `${prefix}${a.name}.`) : [`${prefix}${a.name}`],
    );
}

/** Dotted paths of every leaf present in a resource (array elements merged). */
function presentLeaves(value: unknown, prefix: string, sep = "."): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => presentLeaves(v, prefix, sep));
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) =>
    presentLeaves(v, prefix ? `${prefix}${sep}${k}` : k, k.startsWith("urn:") ? ":" : "."),
  );
}

/**
 * Sub-attributes RFC 7643 defines as readOnly and /Schemas lists that the service never fills in:
 * a Group member's `display` and the manager's `displayName` (clients may send them; they are
 * dropped). Everything else that is readOnly must come back from a GET.
 */
const READ_ONLY_NEVER_SENT = ["members.display", `${ENTERPRISE}:manager.displayName`];

describe("GET /Schemas is truthful: what it advertises is stored and returned", () => {
  it("stores every writable User attribute it advertises on POST and returns each on GET", async () => {
    const manager = await scim.post("/Users", { schemas: [USER], userName: "gallery-manager@contoso.com" });
    expect(manager.status).toBe(201);
    const rt = resourceTypes.find((r) => r.id === "User")!;
    const core = schemaOf(rt.schema);
    const refs = {
      userName: "gallery-everything@contoso.com",
      [`${ENTERPRISE}.manager`]: { value: manager.body.id, $ref: manager.body.meta.location },
    };
    const body: Record<string, unknown> = { schemas: [USER], ...fill(core.attributes, "", refs) };
    const expectedLeaves = writableLeaves(core.attributes, "");
    for (const ext of rt.schemaExtensions ?? []) {
      const schema = schemaOf(ext.schema);
      body[ext.schema] = fill(schema.attributes, ext.schema, refs);
      (body.schemas as string[]).push(ext.schema);
      expectedLeaves.push(...writableLeaves(schema.attributes, `${ext.schema}:`));
    }
    expect(presentLeaves(body, "").filter((p) => p !== "schemas")).toEqual(expect.arrayContaining(expectedLeaves));

    const created = await scim.post("/Users", body);
    expect(created.status).toBe(201);
    const read = await scim.get(`/Users/${created.body.id}`);
    expect(read.status).toBe(200);
    const { id: _id, meta: _meta, ...stored } = read.body;
    expect(stored).toEqual(body);
  });

  it("stores every writable Group attribute it advertises on POST and returns each on GET", async () => {
    const member = await scim.post("/Users", { schemas: [USER], userName: "gallery-member@contoso.com" });
    const core = schemaOf(resourceTypes.find((r) => r.id === "Group")!.schema);
    const refs = {
      displayName: "Gallery everything",
      members: [{ value: member.body.id, $ref: member.body.meta.location, type: "User" }],
    };
    const body = { schemas: [GROUP], ...fill(core.attributes, "", refs) };
    expect(presentLeaves(body, "").filter((p) => p !== "schemas")).toEqual(
      expect.arrayContaining(writableLeaves(core.attributes, "")),
    );

    const created = await scim.post("/Groups", body);
    expect(created.status).toBe(201);
    const read = await scim.get(`/Groups/${created.body.id}`);
    const { id: _id, meta: _meta, ...stored } = read.body;
    expect(stored).toEqual(body);
  });

  it("returns every readOnly attribute it advertises (id, meta, a User's groups when asked), except those it names as never sent", async () => {
    const user = await scim.post("/Users", { schemas: [USER], userName: "gallery-readonly@contoso.com" });
    const group = await scim.post("/Groups", {
      schemas: [GROUP],
      displayName: "Gallery read-only",
      members: [{ value: user.body.id }],
    });
    const withGroups = await scim.get(`/Users/${user.body.id}?attributes=groups,meta,id`);
    const returned = new Set([...presentLeaves(withGroups.body, ""), ...presentLeaves(group.body, "")]);
    for (const type of ["User", "Group"] as const) {
      const rt = resourceTypes.find((r) => r.id === type)!;
      for (const schema of [rt.schema, ...(rt.schemaExtensions ?? []).map((e) => e.schema)].map(schemaOf)) {
        const prefix = schema.id === rt.schema ? "" : `${schema.id}:`;
        const readOnly = schema.attributes.flatMap((a) =>
          a.mutability === "readOnly"
            ? a.subAttributes
              ? a.subAttributes.map((s) => `${prefix}${a.name}.${s.name}`)
              : [`${prefix}${a.name}`]
            : (a.subAttributes ?? [])
                .filter((s) => s.mutability === "readOnly")
                .map((s) => `${prefix}${a.name}.${s.name}`),
        );
        for (const path of readOnly.filter((p) => !READ_ONLY_NEVER_SENT.includes(p)))
          expect(returned.has(path), path).toBe(true);
      }
    }
  });

  it("applies Entra's default-dialect PATCH to every mapped User target and returns each on GET", async () => {
    const manager = await scim.post("/Users", { schemas: [USER], userName: "gallery-patch-manager@contoso.com" });
    const user = await scim.post("/Users", { schemas: [USER], userName: "gallery-patch@contoso.com" });
    const value = (path: string) =>
      path === "userName"
        ? "gallery-patched@contoso.com"
        : path === "active"
          ? "False"
          : path.endsWith(":manager")
            ? manager.body.id
            : path.endsWith("employmentStartDate")
              ? "2026-03-01"
              : `${path}!`;
    const ops = ENTRA_USER_TARGETS.map((path) => ({ op: "Replace", path, value: value(path) }));
    const res = await scim.patch(`/Users/${user.body.id}`, patch(...ops));
    expect([200, 204]).toContain(res.status);
    const got = (await scim.get(`/Users/${user.body.id}`)).body;
    const read = (path: string): unknown => {
      const urn = [ENTERPRISE, PRODUCT].find((u) => path.startsWith(`${u}:`));
      if (urn) {
        const rest = path.slice(urn.length + 1);
        return rest === "manager" ? got[urn]?.manager?.value : got[urn]?.[rest];
      }
      const filtered = /^(\w+)\[type eq "(\w+)"\]\.(\w+)$/.exec(path);
      if (filtered) {
        const [, attr = "", type, sub = ""] = filtered;
        const element = (got[attr] ?? []).find((e: Record<string, unknown>) => e.type === type);
        return element?.[Object.keys(element ?? {}).find((k) => k.toLowerCase() === sub.toLowerCase())!];
      }
      const [a = "", b] = path.split(".");
      return b ? got[a]?.[b] : got[a];
    };
    for (const path of ENTRA_USER_TARGETS) {
      expect(read(path), path).toEqual(path === "active" ? false : value(path));
    }
  });
});
