import type { AttributeDef, ResourceTypeName } from "./schemas.js";
import { URN } from "./urns.js";
import {
  COMMON_ATTRIBUTES,
  RESOURCE_TYPES,
  extensionUrns,
  resolveAttribute,
  resolveSubAttribute,
  schemasOf,
  splitUrnPrefix,
} from "./schemas.js";
import { ScimError, badRequest } from "./errors.js";
import { evaluate, parseFilter, resolveValueFilter, type ResolvedFilter } from "./filter.js";
import { validateResource } from "./validate.js";
import { coerceBoolean, isObject } from "./json.js";
import { PATCH_LIMITS, closingBracket } from "./patch.js";

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

const findAttr = (list: AttributeDef[], name: string) => list.find((a) => a.name.toLowerCase() === name.toLowerCase());

/** What parseResource keeps and what it leaves out. */
export interface ParsedResource {
  resource: WireResource;
  /** A Group's member ids (deduplicated), when the body has `members`. */
  members?: string[];
  /**
   * What the schema does not define and was therefore not stored, as full attribute paths
   * (`department`, `name.nickname2`, `urn:...:Contoso:2.0:User:costCenter`) and schema URIs
   * (`urn:...:Contoso:2.0:User`), each once, in the order met.
   */
  ignored: string[];
}

/** Non-standard schema URIs that well-known clients send and that mean nothing here: dropped, not reported. */
const EXPECTED_FOREIGN_SCHEMAS = new Set([URN.entraGroup.toLowerCase()]);

/** `where` names the value for errors (`emails[0]`), `path` the attribute for `ignored` (`emails`). */
function canonicalValue(
  value: unknown,
  attr: AttributeDef,
  where: string,
  type: ResourceTypeName,
  ignored: Set<string>,
  path = where,
): unknown {
  if (attr.type === "complex") {
    const one = (v: unknown, w: string) => {
      if (!isObject(v)) throw badRequest("invalidValue", `${type} attribute '${w}' must be an object.`);
      return canonicalObject(v, attr.subAttributes ?? [], w, path, type, ignored);
    };
    if (!attr.multiValued) return one(value, where);
    if (!Array.isArray(value)) throw badRequest("invalidValue", `${type} attribute '${where}' must be an array.`);
    return value.map((v, i) => one(v, `${where}[${i}]`));
  }
  if (attr.type === "boolean")
    return attr.multiValued && Array.isArray(value) ? value.map(coerceBoolean) : coerceBoolean(value);
  return value;
}

/**
 * `where` names the value (`emails[0]`) for errors; `path` names the attribute (`emails`) for
 * `ignored`; `sep` joins them to a key ("." below an attribute, ":" below an extension URN).
 */
function canonicalObject(
  obj: Record<string, unknown>,
  attrs: AttributeDef[],
  where: string,
  path: string,
  type: ResourceTypeName,
  ignored: Set<string>,
  sep = ".",
) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const attr = findAttr(attrs, key);
    if (!attr) {
      ignored.add(`${path}${sep}${key}`);
      continue;
    }
    if (value === null || attr.mutability === "readOnly") continue;
    out[attr.name] = canonicalValue(value, attr, `${where}${sep}${key}`, type, ignored, `${path}${sep}${attr.name}`);
  }
  return out;
}

/** The keys of an object under a schema URN the resource type does not have, as full attribute paths. */
function foreignPaths(urn: string, value: unknown): string[] {
  if (!isObject(value) || Object.keys(value).length === 0) return [urn];
  return Object.keys(value).map((k) => `${urn}:${k}`);
}

/**
 * Turns a client's POST/PUT body into the canonical wire resource (RFC 7643 §2.1 case-insensitive
 * names written in their schema spelling, RFC 7644 §3.3 readOnly attributes ignored, null meaning
 * "unassigned", Entra's string booleans coerced), validates it, and returns it with `schemas` set.
 * Extension attributes may come as a URN-keyed object or as URN-qualified keys ("urn:...:User:employeeNumber").
 *
 * What the schema does not define is not stored and does not fail the request (RFC 7643 §3 leaves
 * unknown attributes to the service provider; Entra's custom mappings send them): unknown
 * attributes, sub-attributes and extension schemas (as URN keys, URN-qualified keys, or `schemas`
 * entries) are dropped and listed in `ignored`. Wrongly typed values of defined attributes are
 * still 400 invalidValue.
 */
export function parseResource(body: unknown, type: ResourceTypeName): ParsedResource {
  if (!isObject(body))
    throw badRequest("invalidSyntax", `The request body must be a JSON object representing a ${type}.`);
  const rt = RESOURCE_TYPES[type];
  const schemas = body.schemas ?? body.Schemas;
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === "string")) {
    throw badRequest("invalidSyntax", `'schemas' must be an array of schema URNs that includes "${rt.schema}".`);
  }
  if (!schemas.some((s) => s.toLowerCase() === rt.schema.toLowerCase())) {
    throw badRequest("invalidSyntax", `'schemas' must include "${rt.schema}" for a ${type}.`);
  }
  const ignored = new Set<string>();
  for (const urn of schemas) {
    if (!splitUrnPrefix(type, urn) && !EXPECTED_FOREIGN_SCHEMAS.has(urn.toLowerCase())) ignored.add(urn);
  }
  const [core] = schemasOf(type);
  const coreAttrs = [...COMMON_ATTRIBUTES, ...core.attributes];
  const out: WireResource = {};
  for (const [rawKey, value] of Object.entries(body)) {
    if (rawKey.toLowerCase() === "schemas" || value === null) continue;
    const qualified = splitUrnPrefix(type, rawKey);
    const key = qualified?.urn === rt.schema && qualified.rest ? qualified.rest : rawKey;
    const ext = splitUrnPrefix(type, key);
    if (ext && ext.urn !== rt.schema) {
      const extAttrs = schemasOf(type).find((s) => s.id === ext.urn)!.attributes;
      const target = (out[ext.urn] ??= {}) as Record<string, unknown>;
      if (ext.rest === "") {
        if (!isObject(value))
          throw badRequest("invalidValue", `'${ext.urn}' must be an object of extension attributes.`);
        Object.assign(target, canonicalObject(value, extAttrs, ext.urn, ext.urn, type, ignored, ":"));
      } else {
        const resolved = resolveAttribute(type, `${ext.urn}:${ext.rest}`);
        if (!resolved || resolved.subAttribute) ignored.add(`${ext.urn}:${ext.rest}`);
        else
          target[resolved.attribute.name] = canonicalValue(
            value,
            resolved.attribute,
            `${ext.urn}:${resolved.attribute.name}`,
            type,
            ignored,
          );
      }
      continue;
    }
    if (ext || key.toLowerCase().startsWith("urn:")) {
      for (const path of ext ? [key] : foreignPaths(key, value)) ignored.add(path);
      continue;
    }
    const attr = findAttr(coreAttrs, key);
    if (!attr) {
      ignored.add(key);
      continue;
    }
    if (attr.mutability === "readOnly") continue;
    out[attr.name] = canonicalValue(value, attr, attr.name, type, ignored);
  }
  for (const urn of extensionUrns(type)) {
    if (isObject(out[urn]) && Object.keys(out[urn] as object).length === 0) delete out[urn];
  }
  out.schemas = schemasFor(out, type);
  validateResource(out, type);
  if (type !== "Group" || out.members === undefined) return { resource: out, ignored: [...ignored] };
  const { members, ...resource } = out;
  return { resource, members: memberIds(members), ignored: [...ignored] };
}

/** `schemas` of a resource: the core schema plus each extension it carries (RFC 7643 §3). */
function schemasFor(resource: WireResource, type: ResourceTypeName): string[] {
  return [RESOURCE_TYPES[type].schema, ...extensionUrns(type).filter((urn) => resource[urn] !== undefined)];
}

/** Member ids of a Group body ("members": [{"value": id}, ...]); throws 400 on a malformed entry. */
function memberIds(members: unknown): string[] {
  if (members === undefined) return [];
  if (!Array.isArray(members)) throw badRequest("invalidValue", "Group attribute 'members' must be an array.");
  if (members.length > PATCH_LIMITS.maxMembers) {
    throw badRequest(
      "tooMany",
      `The request names ${members.length} members; the limit is ${PATCH_LIMITS.maxMembers} members per request. Create the group with fewer members and add the rest with PATCH.`,
    );
  }
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
  if (type === "Group")
    return { members: related.map((r) => ({ value: r.id, $ref: `${baseUrl}/Users/${r.id}`, type: "User" })) };
  return {
    groups: related.map((r) => ({
      value: r.id,
      $ref: `${baseUrl}/Groups/${r.id}`,
      ...(r.display ? { display: r.display } : {}),
      type: "direct",
    })),
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
  /**
   * Value filters of entries written as a value path (RFC 7644 §3.10: `emails[type eq "work"]`,
   * `emails[type eq "work"].value`), by list and by the entry's index in it: such an entry covers
   * only the values of its multi-valued attribute that the filter matches (the filter's paths are
   * relative to one value). Absent when no entry has one.
   */
  valueFilters?: { attributes: Record<number, ResolvedFilter>; excludedAttributes: Record<number, ResolvedFilter> };
}

/** One entry of an attribute list: a canonical path, and the value filter it was written with. */
interface ProjectionEntry {
  path: string[];
  filter?: ResolvedFilter;
}

/** Attributes every response carries whatever excludedAttributes says (RFC 7643 §3.1 and §7, RFC 7644 §3.4.2.5). */
const ALWAYS_RETURNED = new Set(["schemas", "id", "meta"]);

/** Splits an attribute list at the commas that are outside "[...]" and outside double-quoted values. */
function splitAttributeList(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === "\\") i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = depth > 0;
    else if (ch === "[") depth++;
    else if (ch === "]") depth = Math.max(0, depth - 1);
    else if (ch === "," && depth === 0) {
      items.push(text.slice(from, i));
      from = i + 1;
    }
  }
  items.push(text.slice(from));
  return items;
}

/**
 * One value-path entry (RFC 7644 §3.10 `valuePath` with an optional `.subAttr`): the attribute must
 * be multi-valued and complex, the filter must name its sub-attributes. Throws 400 invalidFilter
 * for a malformed or unresolvable filter, 400 invalidValue for the wrong kind of attribute.
 */
function parseValuePathEntry(name: string, open: number, type: ResourceTypeName, param: string): ProjectionEntry {
  const where = `'${param}' names '${name}'`;
  const close = closingBracket(name, open);
  if (close < 0) {
    throw badRequest(
      "invalidFilter",
      `${where}: the "[" of its value filter is not closed; write the filter as attribute[subAttribute eq "value"], e.g. emails[type eq "work"].`,
    );
  }
  const attrText = name.slice(0, open).trim();
  const rest = name.slice(close + 1).trim();
  if (rest !== "" && !/^\.[A-Za-z$][A-Za-z0-9_$-]*$/.test(rest)) {
    throw badRequest(
      "invalidValue",
      `${where}: after "]" only ".subAttribute" may follow (e.g. emails[type eq "work"].value).`,
    );
  }
  const resolved = resolveAttribute(type, attrText);
  if (!resolved) throw badRequest("invalidValue", `${where}: '${attrText}' is not an attribute of ${type}.`);
  const label = resolved.path.join(resolved.schema ? ":" : ".");
  if (resolved.subAttribute || resolved.attribute.type !== "complex" || !resolved.attribute.multiValued) {
    const kind = resolved.subAttribute
      ? "a sub-attribute"
      : resolved.attribute.multiValued
        ? "not complex"
        : "single-valued";
    throw badRequest(
      "invalidValue",
      `${where}: '${label}' is ${kind}; a value filter "[...]" selects values of a multi-valued complex attribute (e.g. emails[type eq "work"]).`,
    );
  }
  const inner = name.slice(open + 1, close);
  let filter: ResolvedFilter;
  try {
    filter = resolveValueFilter(parseFilter(inner), resolved.attribute);
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    const at = /^Invalid filter at position (\d+): /.exec(error.detail);
    const detail = at
      ? `invalid value filter at position ${at[1]} of ${JSON.stringify(inner)}: ${error.detail.slice(at[0].length)}`
      : `invalid value filter: ${error.detail}`;
    throw badRequest("invalidFilter", `${where}: ${detail}`);
  }
  if (rest === "") return { path: resolved.path, filter };
  const sub = resolveSubAttribute(resolved.attribute, rest.slice(1));
  if (!sub) throw badRequest("invalidValue", `${where}: '${rest.slice(1)}' is not a sub-attribute of '${label}'.`);
  return { path: [...resolved.path, sub.name], filter };
}

function parseAttributeList(
  text: string | null | undefined,
  type: ResourceTypeName,
  param: string,
): ProjectionEntry[] | undefined {
  if (text === null || text === undefined || text.trim() === "") return undefined;
  return splitAttributeList(text).map((raw) => {
    const name = raw.trim();
    if (name.toLowerCase() === "schemas") return { path: ["schemas"] };
    const open = name.indexOf("[");
    if (open >= 0) return parseValuePathEntry(name, open, type, param);
    if (name.includes("]"))
      throw badRequest("invalidValue", `'${param}' names '${name}', which has a "]" without a matching "[".`);
    const resolved = resolveAttribute(type, name);
    if (resolved) return { path: resolved.path };
    const ext = splitUrnPrefix(type, name);
    if (ext && ext.rest === "") return { path: [ext.urn] };
    throw badRequest("invalidValue", `'${param}' names '${name}', which is not an attribute of ${type}.`);
  });
}

/** Whether a path names an attribute that is always returned (or lies inside one). */
function alwaysReturned(path: string[], type: ResourceTypeName): boolean {
  const [head = "", ...rest] = path;
  if (ALWAYS_RETURNED.has(head)) return true;
  const resolved = resolveAttribute(type, head.startsWith("urn:") ? `${head}:${rest.join(".")}` : path.join("."));
  return resolved?.attribute.returned === "always" || resolved?.subAttribute?.returned === "always";
}

/**
 * Parses `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5) into canonical paths.
 * excludedAttributes naming an attribute that is always returned (`schemas`, `id`, `meta` and its
 * sub-attributes) has no effect on it, as §3.4.2.5 says, rather than failing the request.
 * An entry may be a value path (RFC 7644 §3.10: `emails[type eq "work"]`,
 * `emails[type eq "work"].value`) on a multi-valued complex attribute: it then covers only the
 * values its filter matches (see {@link project}). Commas inside "[...]" do not separate entries.
 * Throws ScimError 400 invalidValue for a name the resource type does not have or a value filter
 * on an attribute that is not multi-valued and complex, 400 invalidFilter for a malformed value
 * filter or one naming a sub-attribute the attribute does not have.
 */
export function parseProjection(
  attributes: string | null | undefined,
  excludedAttributes: string | null | undefined,
  type: ResourceTypeName,
): Projection {
  const included = parseAttributeList(attributes, type, "attributes")?.filter((e) => e.path[0] !== "schemas");
  const excluded = parseAttributeList(excludedAttributes, type, "excludedAttributes")?.filter(
    (e) => !alwaysReturned(e.path, type),
  );
  const filtersOf = (entries: ProjectionEntry[] | undefined) =>
    Object.fromEntries((entries ?? []).flatMap((e, i) => (e.filter ? [[i, e.filter] as const] : [])));
  const valueFilters = { attributes: filtersOf(included), excludedAttributes: filtersOf(excluded) };
  const filtered =
    Object.keys(valueFilters.attributes).length > 0 || Object.keys(valueFilters.excludedAttributes).length > 0;
  return {
    attributes: included?.map((e) => e.path),
    excludedAttributes: excluded?.length ? excluded.map((e) => e.path) : undefined,
    ...(filtered ? { valueFilters } : {}),
  };
}

const samePath = (a: string[], b: string[]) => a.length === b.length && a.every((p, i) => p === b[i]);

/** Whether a projection asks for an attribute (used to skip reading Group members). */
export function wantsAttribute(projection: Projection, path: string[], type: ResourceTypeName): boolean {
  const resolved = resolveAttribute(type, path.join("."));
  const returned = resolved?.attribute.returned ?? "default";
  if (projection.attributes)
    return projection.attributes.some(
      (p) => samePath(p.slice(0, path.length), path) || samePath(p, path.slice(0, p.length)),
    );
  if (returned === "request") return false;
  const filters = projection.valueFilters?.excludedAttributes;
  return !projection.excludedAttributes?.some((p, i) => !filters?.[i] && samePath(p, path));
}

/**
 * Applies attributes/excludedAttributes to a served resource. "returned: always" attributes
 * (schemas, id, meta) are always kept (RFC 7643 §7, RFC 7644 §3.4.2.5). An entry with a value
 * filter applies to the matching values of its multi-valued attribute only: in `attributes`,
 * `emails[type eq "work"]` returns just those values (`.value` just that sub-attribute of them),
 * and the attribute is left out when none matches; in `excludedAttributes` it removes those values
 * (or that sub-attribute of them), dropping values left empty and the attribute when none is left.
 */
export function project(resource: WireResource, projection: Projection): WireResource {
  const { attributes, excludedAttributes, valueFilters } = projection;
  if (attributes) {
    const out: WireResource = { schemas: resource.schemas, id: resource.id };
    const selected = new Set<unknown[]>();
    attributes.forEach((path, i) => copyPath(resource, out, path, valueFilters?.attributes[i], selected));
    if (selected.size > 0) dropUnselected(out, selected);
    return out;
  }
  if (excludedAttributes) {
    const out = structuredClone(resource);
    excludedAttributes.forEach((path, i) => {
      if (!ALWAYS_RETURNED.has(path[0] ?? "")) deletePath(out, path, valueFilters?.excludedAttributes[i]);
    });
    return out;
  }
  return resource;
}

/**
 * Copies `path` from a resource into a projection. With `filter`, the first array met (the
 * multi-valued attribute) contributes only the values it matches; such arrays are built sparse,
 * aligned with the source by index so that several entries can add to one value, and are recorded
 * in `selected` for {@link dropUnselected}.
 */
function copyPath(
  from: WireResource,
  to: WireResource,
  path: string[],
  filter: ResolvedFilter | undefined,
  selected: Set<unknown[]>,
): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const value = from[head];
  if (value === undefined) return;
  if (Array.isArray(value) && filter) {
    let target = to[head];
    if (!Array.isArray(target)) {
      target = new Array<unknown>(value.length);
      to[head] = target;
      selected.add(target as unknown[]);
    }
    const list = target as unknown[];
    value.forEach((v, i) => {
      if (!evaluate(filter, v)) return;
      if (rest.length === 0) list[i] = v;
      else if (isObject(v)) copyPath(v, (list[i] ??= {}) as WireResource, rest, undefined, selected);
    });
    return;
  }
  if (rest.length === 0) {
    to[head] = value;
    return;
  }
  if (Array.isArray(value)) {
    const existing = Array.isArray(to[head]) ? (to[head] as WireResource[]) : value.map(() => ({}));
    value.forEach((v, i) => isObject(v) && copyPath(v, (existing[i] ??= {}), rest, filter, selected));
    to[head] = existing;
  } else if (isObject(value)) {
    const target = (isObject(to[head]) ? to[head] : (to[head] = {})) as WireResource;
    copyPath(value, target, rest, filter, selected);
  }
}

/** Closes the gaps of the sparse arrays copyPath built; an attribute (or extension object) left empty is removed. */
function dropUnselected(obj: WireResource, selected: Set<unknown[]>): void {
  for (const [key, value] of Object.entries(obj)) {
    if (Array.isArray(value) && selected.has(value)) {
      const kept = value.filter(() => true);
      if (kept.length > 0) obj[key] = kept;
      else delete obj[key];
    } else if (isObject(value) && key.startsWith("urn:")) {
      const before = Object.keys(value).length;
      dropUnselected(value, selected);
      if (before > 0 && Object.keys(value).length === 0) delete obj[key];
    }
  }
}

/**
 * Removes `path` from a projection. With `filter`, the first array met (the multi-valued
 * attribute) loses the values it matches (or, with a sub-attribute, that sub-attribute of them);
 * values left empty are dropped, and the attribute too when no value is left.
 */
function deletePath(obj: WireResource, path: string[], filter?: ResolvedFilter): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const value = obj[head];
  if (Array.isArray(value) && filter) {
    const kept = value.filter((v) => {
      if (!evaluate(filter, v)) return true;
      if (rest.length === 0 || !isObject(v)) return false;
      deletePath(v, rest);
      return Object.keys(v).length > 0;
    });
    if (kept.length > 0) obj[head] = kept;
    else delete obj[head];
    return;
  }
  if (rest.length === 0) {
    delete obj[head];
    return;
  }
  if (Array.isArray(value)) value.forEach((v) => isObject(v) && deletePath(v, rest, filter));
  else if (isObject(value)) deletePath(value, rest, filter);
}
