import type { AttributeDef, ResourceTypeName } from "./schemas.js";
import { COMMON_ATTRIBUTES, RESOURCE_TYPES, extensionUrns, resolveAttribute, schemasOf, splitUrnPrefix } from "./schemas.js";
import { badRequest } from "./errors.js";
import { validateResource } from "./validate.js";

/** A wire resource without `id` and `meta` (what the store keeps as `resource`). */
export type WireResource = Record<string, unknown>;

/** What the store keeps of a resource besides its attributes. */
export interface ResourceMeta {
  id: string;
  created: string;
  lastModified: string;
  /** The ETag, as served in meta.version and the ETag header (W/"..."). */
  version: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const findAttr = (list: AttributeDef[], name: string) => list.find((a) => a.name.toLowerCase() === name.toLowerCase());

/** Entra sends booleans as "True"/"False" in its default dialect; RFC clients send true/false. */
function coerceBoolean(value: unknown): unknown {
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  return value;
}

function canonicalValue(value: unknown, attr: AttributeDef, where: string, type: ResourceTypeName): unknown {
  if (attr.type === "complex") {
    const one = (v: unknown, w: string) => {
      if (!isObject(v)) throw badRequest("invalidValue", `${type} attribute '${w}' must be an object.`);
      return canonicalObject(v, attr.subAttributes ?? [], w, type);
    };
    if (!attr.multiValued) return one(value, where);
    if (!Array.isArray(value)) throw badRequest("invalidValue", `${type} attribute '${where}' must be an array.`);
    return value.map((v, i) => one(v, `${where}[${i}]`));
  }
  if (attr.type === "boolean") return attr.multiValued && Array.isArray(value) ? value.map(coerceBoolean) : coerceBoolean(value);
  return value;
}

function canonicalObject(obj: Record<string, unknown>, attrs: AttributeDef[], where: string, type: ResourceTypeName) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const attr = findAttr(attrs, key);
    const path = where ? `${where}.${key}` : key;
    if (!attr) throw badRequest("invalidSyntax", `${type} attribute '${path}' is not defined by the schema.`);
    if (value === null || attr.mutability === "readOnly") continue;
    out[attr.name] = canonicalValue(value, attr, path, type);
  }
  return out;
}

/**
 * Turns a client's POST/PUT body into the canonical wire resource (RFC 7643 §2.1 case-insensitive
 * names written in their schema spelling, RFC 7644 §3.3 readOnly attributes ignored, null meaning
 * "unassigned", Entra's string booleans coerced), validates it, and returns it with `schemas` set.
 * Extension attributes may come as a URN-keyed object or as URN-qualified keys ("urn:...:User:employeeNumber").
 */
export function parseResource(body: unknown, type: ResourceTypeName): { resource: WireResource; members?: string[] } {
  if (!isObject(body)) throw badRequest("invalidSyntax", `The request body must be a JSON object representing a ${type}.`);
  const rt = RESOURCE_TYPES[type];
  const schemas = body.schemas ?? body.Schemas;
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === "string")) {
    throw badRequest("invalidSyntax", `'schemas' must be an array of schema URNs that includes "${rt.schema}".`);
  }
  if (!schemas.some((s) => s.toLowerCase() === rt.schema.toLowerCase())) {
    throw badRequest("invalidSyntax", `'schemas' must include "${rt.schema}" for a ${type}.`);
  }
  const [core] = schemasOf(type);
  const coreAttrs = [...COMMON_ATTRIBUTES, ...core.attributes];
  const out: WireResource = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === "schemas" || value === null) continue;
    const ext = splitUrnPrefix(type, key);
    if (ext && ext.urn !== rt.schema) {
      const extAttrs = schemasOf(type).find((s) => s.id === ext.urn)!.attributes;
      const target = (out[ext.urn] ??= {}) as Record<string, unknown>;
      if (ext.rest === "") {
        if (!isObject(value)) throw badRequest("invalidSyntax", `'${ext.urn}' must be an object of extension attributes.`);
        Object.assign(target, canonicalObject(value, extAttrs, ext.urn, type));
      } else {
        const resolved = resolveAttribute(type, key);
        if (!resolved || resolved.subAttribute) {
          throw badRequest("invalidSyntax", `${type} attribute '${key}' is not defined by the schema.`);
        }
        target[resolved.attribute.name] = canonicalValue(value, resolved.attribute, key, type);
      }
      continue;
    }
    if (key.toLowerCase().startsWith("urn:")) {
      const known = [rt.schema, ...extensionUrns(type)].join(", ");
      throw badRequest("invalidSyntax", `'${key}' is not a schema this service supports for ${type}; supported: ${known}.`);
    }
    const attr = findAttr(coreAttrs, key);
    if (!attr) throw badRequest("invalidSyntax", `${type} attribute '${key}' is not defined by the schema.`);
    if (attr.mutability === "readOnly") continue;
    out[attr.name] = canonicalValue(value, attr, key, type);
  }
  for (const urn of extensionUrns(type)) {
    if (isObject(out[urn]) && Object.keys(out[urn] as object).length === 0) delete out[urn];
  }
  out.schemas = schemasFor(out, type);
  validateResource(out, type);
  if (type !== "Group" || out.members === undefined) return { resource: out };
  const { members, ...resource } = out;
  return { resource, members: memberIds(members) };
}

/** `schemas` of a resource: the core schema plus each extension it carries (RFC 7643 §3). */
export function schemasFor(resource: WireResource, type: ResourceTypeName): string[] {
  return [RESOURCE_TYPES[type].schema, ...extensionUrns(type).filter((urn) => resource[urn] !== undefined)];
}

/** Member ids of a Group body ("members": [{"value": id}, ...]); throws 400 on a malformed entry. */
function memberIds(members: unknown): string[] {
  if (members === undefined) return [];
  if (!Array.isArray(members)) throw badRequest("invalidValue", "Group attribute 'members' must be an array.");
  return [
    ...new Set(
      members.map((m, i) => {
        const value = isObject(m) ? m.value : undefined;
        if (typeof value !== "string" || value === "") {
          throw badRequest("invalidValue", `Group attribute 'members[${i}].value' must be the id of a User.`);
        }
        return value;
      }),
    ),
  ];
}

/** A membership as served: a Group's member, or a User's group. */
export interface Related {
  id: string;
  display?: string;
}

function relatedAttribute(type: ResourceTypeName, related: Related[] | undefined, baseUrl: string): WireResource {
  if (!related?.length) return {};
  if (type === "Group") return { members: related.map((r) => ({ value: r.id, $ref: `${baseUrl}/Users/${r.id}`, type: "User" })) };
  return {
    groups: related.map((r) => ({ value: r.id, $ref: `${baseUrl}/Groups/${r.id}`, ...(r.display ? { display: r.display } : {}), type: "direct" })),
  };
}

/**
 * The resource as served (RFC 7643 §3.1): schemas, id, attributes, meta. Memberships (a Group's
 * `members`, a User's `groups`) are passed separately: the store keeps them outside the resource.
 */
export function toScimResource(
  resource: WireResource,
  meta: ResourceMeta,
  type: ResourceTypeName,
  baseUrl: string,
  related?: Related[],
): WireResource {
  const { schemas: _ignored, ...attributes } = resource;
  const endpoint = RESOURCE_TYPES[type].endpoint;
  return {
    schemas: schemasFor(resource, type),
    id: meta.id,
    ...attributes,
    ...relatedAttribute(type, related, baseUrl),
    meta: {
      resourceType: type,
      created: meta.created,
      lastModified: meta.lastModified,
      location: `${baseUrl}${endpoint}/${meta.id}`,
      version: meta.version,
    },
  };
}

/** Parsed `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5), as canonical paths. */
export interface Projection {
  attributes?: string[][];
  excludedAttributes?: string[][];
}

function parseAttributeList(text: string | null | undefined, type: ResourceTypeName, param: string): string[][] | undefined {
  if (text === null || text === undefined || text.trim() === "") return undefined;
  return text.split(",").map((raw) => {
    const name = raw.trim();
    const resolved = resolveAttribute(type, name);
    if (resolved) return resolved.path;
    const ext = splitUrnPrefix(type, name);
    if (ext && ext.rest === "") return [ext.urn];
    throw badRequest("invalidValue", `'${param}' names '${name}', which is not an attribute of ${type}.`);
  });
}

export function parseProjection(
  attributes: string | null | undefined,
  excludedAttributes: string | null | undefined,
  type: ResourceTypeName,
): Projection {
  return {
    attributes: parseAttributeList(attributes, type, "attributes"),
    excludedAttributes: parseAttributeList(excludedAttributes, type, "excludedAttributes"),
  };
}

const samePath = (a: string[], b: string[]) => a.length === b.length && a.every((p, i) => p === b[i]);

/** Whether a projection asks for an attribute (used to skip reading Group members). */
export function wantsAttribute(projection: Projection, path: string[], type: ResourceTypeName): boolean {
  const resolved = resolveAttribute(type, path.join("."));
  const returned = resolved?.attribute.returned ?? "default";
  if (projection.attributes) return projection.attributes.some((p) => samePath(p.slice(0, path.length), path) || samePath(p, path.slice(0, p.length)));
  if (returned === "request") return false;
  return !projection.excludedAttributes?.some((p) => samePath(p, path));
}

/**
 * Applies attributes/excludedAttributes to a served resource. "returned: always" attributes
 * (id, schemas, meta.resourceType) are always kept (RFC 7643 §7).
 */
export function project(resource: WireResource, projection: Projection): WireResource {
  const { attributes, excludedAttributes } = projection;
  if (attributes) {
    const out: WireResource = { schemas: resource.schemas, id: resource.id };
    for (const path of attributes) copyPath(resource, out, path);
    return out;
  }
  if (excludedAttributes) {
    const out = structuredClone(resource);
    for (const path of excludedAttributes) {
      if (path.length === 1 && (path[0] === "id" || path[0] === "schemas")) continue;
      deletePath(out, path);
    }
    return out;
  }
  return resource;
}

function copyPath(from: WireResource, to: WireResource, path: string[]): void {
  const [head, ...rest] = path;
  const value = from[head];
  if (value === undefined) return;
  if (rest.length === 0) {
    to[head] = value;
    return;
  }
  if (Array.isArray(value)) {
    const existing = Array.isArray(to[head]) ? (to[head] as WireResource[]) : value.map(() => ({}));
    value.forEach((v, i) => isObject(v) && copyPath(v, existing[i], rest));
    to[head] = existing;
  } else if (isObject(value)) {
    const target = (isObject(to[head]) ? to[head] : (to[head] = {})) as WireResource;
    copyPath(value, target, rest);
  }
}

function deletePath(obj: WireResource, path: string[]): void {
  const [head, ...rest] = path;
  if (rest.length === 0) {
    delete obj[head];
    return;
  }
  const value = obj[head];
  if (Array.isArray(value)) value.forEach((v) => isObject(v) && deletePath(v, rest));
  else if (isObject(value)) deletePath(value, rest);
}
