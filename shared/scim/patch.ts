/**
 * SCIM PATCH (RFC 7644 §3.5.2): request parsing and an engine that applies operations to a wire resource.
 *
 * Own engine rather than the scim-patch package, because that package does not handle Entra's
 * path-less replace with dotted attribute-path keys, string booleans, or creating the element for a
 * value-filter path that matches nothing.
 */
import { ScimError, badRequest } from "./errors.js";
import { matchesElement, parseFilter, resolveValueFilter, type Filter } from "./filter.js";
import {
  RESOURCE_TYPES,
  extensionsDefining,
  resolveAttribute,
  resolveSubAttribute,
  splitUrnPrefix,
  type AttributeDef,
  type ResolvedAttribute,
  type ResourceTypeName,
} from "./schemas.js";
import { URN } from "./urns.js";
import { coerceBoolean, isObject } from "./json.js";
import { RESOURCE_LIMITS } from "./validate.js";
import { canonicalManager } from "./manager.js";

/** One PATCH operation (RFC 7644 §3.5.2), `op` already lower-cased. */
export type PatchOp = { op: "add" | "replace" | "remove"; path?: string; value?: unknown };

/**
 * What a PATCH does to a Group's members, which are stored apart from the group document:
 * ids to add and to remove, or the complete new member list.
 */
export type MemberDelta = { kind: "delta"; add: string[]; remove: string[] } | { kind: "replace"; ids: string[] };

export interface PatchResult {
  /** The patched wire resource (a new object; the input is never mutated). */
  resource: Record<string, unknown>;
  /** Present when member operations were folded (Groups only). */
  members?: MemberDelta;
  /**
   * Canonical paths whose value actually changed, in the order first touched: "active",
   * "name.givenName", "emails", "urn:...:enterprise:2.0:User:employeeNumber", "members", "schemas".
   * Empty when the PATCH changed nothing, so the caller can skip the write.
   */
  changedAttributes: string[];
  /**
   * What the schema does not define and the PATCH therefore did not apply, as full attribute paths
   * (`department`, `name.nickname2`, `urn:...:Contoso:2.0:User:costCenter`), each once, in the
   * order met; for the caller to log. Empty when every operation named defined attributes.
   */
  ignored: string[];
}

/**
 * Bounds on one PATCH request. Entra sends one operation per changed attribute (a few dozen at
 * most) and adds group members in batches; the limits keep every request's work small and bounded.
 */
export const PATCH_LIMITS = {
  /** Operations per request (Entra's largest PATCH is far below; 400 tooMany above). */
  maxOperations: 1_000,
  /** Group member ids named in one request, over all its operations (400 tooMany above). */
  maxMembers: 1_000,
} as const;

type Json = Record<string, unknown>;
type Op = PatchOp["op"];

/** A PATH (RFC 7644 §3.5.2 ABNF) resolved against a resource type. */
type Target =
  | { kind: "ignored"; path: string }
  | { kind: "schema"; urn: string; core: boolean }
  | { kind: "attribute"; attr: ResolvedAttribute }
  | { kind: "valuePath"; attr: ResolvedAttribute; filter: Filter; sub?: AttributeDef };

type MemberState = { kind: "delta"; add: Set<string>; remove: Set<string> } | { kind: "replace"; ids: Set<string> };

/** A canonical location whose before/after values decide `changedAttributes`. */
interface Touch {
  label: string;
  schema: string;
  path: string[];
}

interface Ctx {
  type: ResourceTypeName;
  resource: Json;
  touched: Map<string, Touch>;
  extensions: Set<string>;
  members?: MemberState;
  /** Member ids named so far (PATCH_LIMITS.maxMembers). */
  memberCount: number;
  ignored: Set<string>;
  /**
   * Keys of the values of each multi-valued array that `add` appends to in place, so that skipping
   * exact duplicates costs O(1) per value instead of a scan: what keeps a PATCH linear in its
   * number of operations. Every other writer replaces the array, which drops its entry.
   */
  seen: WeakMap<unknown[], Set<string>>;
}

const ATTR_PATH = /^[A-Za-z$][\w$-]*(?:\.[A-Za-z$][\w$-]*)?$/;
const ATTR_NAME = /^[A-Za-z$][\w$-]*$/;

const invalidSyntax = (detail: string) => badRequest("invalidSyntax", detail);
const invalidPath = (detail: string) => badRequest("invalidPath", detail);
const invalidValue = (detail: string) => badRequest("invalidValue", detail);

/**
 * A value that clears what it is given to: `null` (RFC 7643 §2.5 unassigned) or `""`, which Entra
 * sends when the source attribute of a mapping became empty. A later GET shows the attribute absent.
 */
const cleared = (value: unknown) => value === null || value === "";

/** Sub-attributes that only qualify a value of a multi-valued attribute: an element left with nothing else goes. */
const QUALIFIERS = new Set(["type", "primary"]);
const hollow = (item: unknown) => isObject(item) && Object.keys(item).every((k) => QUALIFIERS.has(k));

/**
 * Validates a PatchOp request body (RFC 7644 §3.5.2) and returns its operations in one form:
 * `op` lower-cased (Entra sends "Add", "Replace", "Remove"), `path` trimmed (an empty path is no
 * path), a `null` value on remove dropped. `schemas` must list the PatchOp URN and `Operations`
 * must be a non-empty array. add/replace need a value (an object of attributes when there is no
 * path); remove needs a path (RFC 7644 §3.5.2.2, 400 noTarget), except a value of the form
 * `{"members": [...]}`, which removes just those members.
 * Throws ScimError 400 (invalidSyntax, invalidValue or noTarget) whose detail names the operation index.
 */
export function parsePatchRequest(body: unknown): PatchOp[] {
  if (!isObject(body)) throw invalidSyntax("The PATCH request body must be a JSON object (RFC 7644 §3.5.2).");
  const schemas = lookup(body, "schemas");
  const patchOp = URN.patchOp.toLowerCase();
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === "string" && s.toLowerCase() === patchOp)) {
    throw invalidSyntax(`'schemas' must be an array that contains "${URN.patchOp}".`);
  }
  const operations = lookup(body, "Operations");
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax("'Operations' must be a non-empty array of operations.");
  }
  checkOperationCount(operations.length);
  return operations.map((raw, i) => parseOperation(raw, `Operations[${i}]`));
}

function parseOperation(raw: unknown, at: string): PatchOp {
  if (!isObject(raw)) throw invalidSyntax(`${at} must be an object with "op", "path" and "value".`);
  const opText = lookup(raw, "op");
  const op = typeof opText === "string" ? opText.trim().toLowerCase() : undefined;
  if (op !== "add" && op !== "replace" && op !== "remove") {
    throw invalidSyntax(`${at}: "op" must be "add", "replace" or "remove", not ${JSON.stringify(opText ?? null)}.`);
  }
  const rawPath = lookup(raw, "path");
  if (rawPath !== undefined && rawPath !== null && typeof rawPath !== "string") {
    throw invalidSyntax(`${at}: "path" must be a string.`);
  }
  const path = typeof rawPath === "string" && rawPath.trim() !== "" ? rawPath.trim() : undefined;
  const value = lookup(raw, "value");
  const parsed: PatchOp = path === undefined ? { op } : { op, path };
  checkShape(parsed, value, `${at}: `);
  if (value === undefined || (op === "remove" && value === null)) return parsed;
  return { ...parsed, value };
}

/** Checks that need no schema; shared by parsePatchRequest and applyPatch. */
function checkShape({ op, path }: PatchOp, value: unknown, at = ""): void {
  if (op === "remove") {
    if (path === undefined && !isMembersObject(value)) {
      throw badRequest("noTarget", `${at}remove needs a "path" naming the attribute to remove (RFC 7644 §3.5.2.2).`);
    }
    return;
  }
  if (value === undefined) throw invalidValue(`${at}${op} needs a "value".`);
  if (path === undefined && (!isObject(value) || Object.keys(value).length === 0)) {
    throw invalidValue(
      `${at}${op} without a "path" needs a non-empty object "value" whose keys are attributes (RFC 7644 §3.5.2).`,
    );
  }
}

function checkOperationCount(count: number): void {
  if (count > PATCH_LIMITS.maxOperations) {
    throw badRequest(
      "tooMany",
      `The PATCH request has ${count} operations; the limit is ${PATCH_LIMITS.maxOperations} operations per request. Send the changes in several requests.`,
    );
  }
}

const isMembersObject = (value: unknown): value is Json =>
  isObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => k.toLowerCase() === "members");

/**
 * Applies PATCH operations in order (RFC 7644 §3.5.2) to a deep copy of a wire resource (no `id`
 * or `meta`; extension attributes under their URN key). Atomic: the first bad operation throws a
 * ScimError 400 whose detail names the operation index, and nothing is applied.
 *
 * - Paths: `attr`, `attr.sub`, URN-qualified, value-filter (`emails[type eq "work"].value`), or an
 *   extension URN alone; names resolve case-insensitively and are written in schema spelling.
 * - Without a path the value's keys are paths themselves (`"name.givenName"`, `"urn:...:employeeNumber"`)
 *   or attributes with nested values; an extension URN key takes an object of its attributes.
 * - add appends to multi-valued attributes (skipping exact duplicates), replace swaps the whole
 *   array; on a singular complex attribute both merge the given sub-attributes. `null` removes.
 * - A value-filter path that matches nothing creates the element from the filter's `eq` terms on
 *   add/replace; remove of nothing is a no-op.
 * - Setting `primary: true` clears it on the other values; string booleans become booleans on
 *   boolean attributes; other values are stored as sent.
 * - Group `members` are never written to the resource: they fold into `members` (a delta, or the
 *   full list after a replace or a remove without value).
 */
export function applyPatch(resource: Record<string, unknown>, ops: PatchOp[], type: ResourceTypeName): PatchResult {
  checkOperationCount(ops.length);
  const ctx: Ctx = {
    type,
    resource: structuredClone(resource),
    touched: new Map(),
    extensions: new Set(),
    memberCount: 0,
    ignored: new Set(),
    seen: new WeakMap(),
  };
  ops.forEach((op, i) => {
    try {
      applyOp(ctx, op);
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      throw new ScimError(error.status, `Operations[${i}]: ${error.detail}`, error.scimType);
    }
  });
  const schemasChanged = settleExtensions(ctx, resource);
  const members = memberDelta(ctx.members);
  const changedAttributes = [...ctx.touched.values()]
    .filter((t) => !deepEqual(read(resource, t), read(ctx.resource, t)))
    .map((t) => t.label);
  if (members) changedAttributes.push("members");
  if (schemasChanged) changedAttributes.push("schemas");
  return { resource: ctx.resource, ...(members ? { members } : {}), changedAttributes, ignored: [...ctx.ignored] };
}

function applyOp(ctx: Ctx, { op, path, value }: PatchOp): void {
  checkShape({ op, path }, value);
  if (path !== undefined) return applyAt(ctx, op, path, value);
  const entries = Object.entries(value as Json).filter(([key]) => key.toLowerCase() !== "schemas");
  if (entries.length === 0) throw invalidValue(`${op} without a "path" names no attribute to ${op}.`);
  for (const [key, v] of entries) applyAt(ctx, op, key, v);
}

function applyAt(ctx: Ctx, op: Op, pathText: string, value: unknown): void {
  const target = parsePath(ctx.type, pathText);
  if (target.kind === "ignored") {
    ctx.ignored.add(target.path);
    return;
  }
  if (target.kind === "schema") return applySchema(ctx, op, target, value);
  if (ctx.type === "Group" && target.attr.attribute.name === "members") return applyMembers(ctx, op, target, value);
  const { attribute, subAttribute } = target.attr;
  const sub = target.kind === "valuePath" ? target.sub : subAttribute;
  for (const def of [attribute, sub]) {
    if (def?.mutability === "readOnly") {
      throw badRequest(
        "mutability",
        `Attribute '${labelOf(target.attr)}' is readOnly and cannot be modified (RFC 7643 §7).`,
      );
    }
  }
  if (target.kind === "attribute" && (subAttribute ?? attribute).required && (op === "remove" || cleared(value))) {
    const label = labelOf(target.attr);
    throw invalidValue(
      value === ""
        ? `${ctx.type} attribute '${label}' must not be empty: it is required and cannot be cleared.`
        : `${ctx.type} attribute '${label}' is required and cannot be removed.`,
    );
  }
  if (isManager(target.attr)) return applyManager(ctx, op, target, value);
  if (target.kind === "valuePath") return applyValuePath(ctx, op, target, value);
  if (subAttribute) return applySubAttribute(ctx, op, target.attr, value);
  return applyAttribute(ctx, op, target.attr, value);
}

/** Resolves a PATH: attrPath, valuePath with an optional sub-attribute, or a schema URN alone. */
function parsePath(type: ResourceTypeName, text: string): Target {
  const open = text.indexOf("[");
  if (open < 0) {
    const split = splitUrnPrefix(type, text);
    if (split && split.rest === "")
      return { kind: "schema", urn: split.urn, core: split.urn === RESOURCE_TYPES[type].schema };
    const attr = resolvePath(type, text);
    return attr ? { kind: "attribute", attr } : { kind: "ignored", path: text };
  }
  const close = closingBracket(text, open);
  if (close < 0) throw invalidPath(`Path '${text}' is malformed: the "[" at position ${open} is not closed.`);
  const rest = text.slice(close + 1);
  if (rest !== "" && !(rest.startsWith(".") && ATTR_NAME.test(rest.slice(1)))) {
    throw invalidPath(`Path '${text}' is malformed: after "]" only ".subAttribute" may follow.`);
  }
  const attr = resolvePath(type, text.slice(0, open));
  if (!attr) return { kind: "ignored", path: text };
  if (attr.subAttribute || attr.attribute.type !== "complex" || (!attr.attribute.multiValued && !isManager(attr))) {
    throw invalidPath(
      `Path '${text}' is invalid: a value filter "[...]" applies only to a multi-valued complex attribute, and '${labelOf(attr)}' is not one.`,
    );
  }
  const filter = parseFilter(text.slice(open + 1, close));
  resolveValueFilter(filter, attr.attribute);
  if (rest === "") return { kind: "valuePath", attr, filter };
  const sub = resolveSubAttribute(attr.attribute, rest.slice(1));
  if (!sub) return { kind: "ignored", path: `${labelOf(attr)}.${rest.slice(1)}` };
  return { kind: "valuePath", attr, filter, sub };
}

/**
 * Resolves an attribute path; undefined for one the resource type does not define (an unknown
 * schema URN prefix included), which the caller ignores and reports.
 */
function resolvePath(type: ResourceTypeName, text: string): ResolvedAttribute | undefined {
  const split = splitUrnPrefix(type, text);
  const name = split ? split.rest : text;
  if (!split && /^urn:/i.test(text)) return undefined;
  if (!ATTR_PATH.test(name))
    throw invalidPath(
      `Path '${text}' is malformed: expected attribute, attribute.subAttribute or a URN-qualified attribute.`,
    );
  const resolved = resolveAttribute(type, text);
  if (resolved) return resolved;
  const [top = ""] = name.split(".");
  const defining = split ? [] : extensionsDefining(type, top);
  if (defining.length > 1) {
    throw invalidPath(
      `Attribute '${text}' is defined by several extension schemas of ${type} (${defining.join(", ")}); qualify it with its schema URN.`,
    );
  }
  return undefined;
}

/** Index of the "]" matching the "[" at `open`, skipping quoted strings; -1 if none (value paths here and in projections). */
export function closingBracket(text: string, open: number): number {
  let quoted = false;
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === "\\") i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === "]") return i;
  }
  return -1;
}

/** The canonical wire spelling of a path: "name.givenName", "urn:...:User:manager.value". */
const pathLabel = (schema: string, names: string[]) => (schema ? `${schema}:${names.join(".")}` : names.join("."));
const labelOf = (attr: ResolvedAttribute) => pathLabel(attr.schema, attr.schema ? attr.path.slice(1) : attr.path);

/** A path that is a schema URN alone: the value is an object of that schema's attributes. */
function applySchema(ctx: Ctx, op: Op, target: Target & { kind: "schema" }, value: unknown): void {
  if (op === "remove" || cleared(value)) {
    if (target.core) throw invalidPath(`The core schema '${target.urn}' cannot be removed.`);
    ctx.extensions.add(target.urn);
    adoptKey(ctx.resource, target.urn);
    touch(ctx, { label: target.urn, schema: target.urn, path: [] });
    delete ctx.resource[target.urn];
    return;
  }
  if (!isObject(value)) throw invalidValue(`'${target.urn}' takes an object of its attributes.`);
  for (const [key, v] of Object.entries(value)) applyAt(ctx, op, `${target.urn}:${key}`, v);
}

/**
 * The object that holds an attribute (the resource or its extension object), with the attribute's
 * key in schema spelling; undefined when removing from an extension that is not there.
 */
function locate(ctx: Ctx, op: Op, attr: ResolvedAttribute, value: unknown) {
  const def = attr.attribute;
  const removing = op === "remove" || cleared(value);
  const c = container(ctx, attr.schema, !removing);
  if (!c) return undefined;
  adoptKey(c, def.name);
  return { def, label: labelOf(attr), removing, c };
}

/** add/replace/remove of a whole attribute (RFC 7644 §3.5.2.1-3, no filter, no sub-attribute). */
function applyAttribute(ctx: Ctx, op: Op, attr: ResolvedAttribute, value: unknown): void {
  const at = locate(ctx, op, attr, value);
  if (!at) return;
  const { def, label, removing, c } = at;
  if (removing) {
    touch(ctx, { label, schema: attr.schema, path: [def.name] });
    if (op === "remove" && !cleared(value) && def.multiValued && def.type === "complex")
      removeListed(ctx, c, def, value, label);
    else delete c[def.name];
    return prune(c, def.name);
  }
  if (def.multiValued) {
    touch(ctx, { label, schema: attr.schema, path: [def.name] });
    const items = normaliseMulti(ctx, def, value, label);
    if (op === "replace") {
      checkValueCount(ctx, label, items.length);
      c[def.name] = items;
      settlePrimary(def, items, items);
      return prune(c, def.name);
    }
    const current = Array.isArray(c[def.name]) ? (c[def.name] as unknown[]) : (c[def.name] = []);
    const seen = seenKeys(ctx, current);
    const added: unknown[] = [];
    for (const item of items) {
      const key = canonicalKey(item);
      if (seen.has(key)) continue;
      seen.add(key);
      current.push(item);
      added.push(item);
    }
    checkValueCount(ctx, label, current.length);
    settlePrimary(def, current, added);
    if (current.length === 0) delete c[def.name];
    return;
  }
  if (def.type === "complex") {
    const current = isObject(c[def.name]) ? (c[def.name] as Json) : {};
    for (const [k, v] of Object.entries(normaliseComplex(ctx, def, value, label, true))) {
      touch(ctx, { label: `${label}.${k}`, schema: attr.schema, path: [def.name, k] });
      adoptKey(current, k);
      if (v === null) delete current[k];
      else current[k] = v;
    }
    c[def.name] = current;
    return prune(c, def.name);
  }
  touch(ctx, { label, schema: attr.schema, path: [def.name] });
  c[def.name] = normaliseSimple(def, value, label);
}

/** `name.givenName`, `urn:...:manager.value`; on a multi-valued attribute (`emails.type`) every element. */
function applySubAttribute(ctx: Ctx, op: Op, attr: ResolvedAttribute, value: unknown): void {
  const def = attr.attribute;
  const sub = attr.subAttribute!;
  const label = labelOf(attr);
  const removing = op === "remove" || cleared(value);
  const c = container(ctx, attr.schema, !removing);
  if (!c) return;
  adoptKey(c, def.name);
  const v = removing ? undefined : normaliseSimple(sub, value, label);
  if (def.multiValued) {
    touch(ctx, { label: pathLabel(attr.schema, [def.name]), schema: attr.schema, path: [def.name] });
    const items = (Array.isArray(c[def.name]) ? (c[def.name] as unknown[]) : []).filter(isObject);
    if (items.length === 0 && !removing) items.push({});
    const emptied = new Set<unknown>();
    for (const item of items) if (setOrDelete(item, sub.name, v)) emptied.add(item);
    c[def.name] = dropHollow(items, emptied);
    settlePrimary(def, items, sub.name === "primary" && v === true ? items : []);
    return prune(c, def.name);
  }
  touch(ctx, { label, schema: attr.schema, path: [def.name, sub.name] });
  const current = isObject(c[def.name]) ? (c[def.name] as Json) : {};
  setOrDelete(current, sub.name, v);
  c[def.name] = current;
  prune(c, def.name);
}

/** `emails[type eq "work"]` and `emails[type eq "work"].value` (RFC 7644 §3.5.2, valuePath). */
function applyValuePath(ctx: Ctx, op: Op, target: Target & { kind: "valuePath" }, value: unknown): void {
  const { attr, filter, sub } = target;
  const at = locate(ctx, op, attr, value);
  if (!at) return;
  const { def, label, removing, c } = at;
  touch(ctx, { label, schema: attr.schema, path: [def.name] });
  const items = Array.isArray(c[def.name]) ? [...(c[def.name] as unknown[])] : [];
  const matched = items.filter((item): item is Json => isObject(item) && matchesElement(filter, item, def));
  if (removing) {
    if (!sub) c[def.name] = items.filter((item) => !matched.includes(item as Json));
    else c[def.name] = dropHollow(items, new Set(matched.filter((item) => setOrDelete(item, sub.name, undefined))));
    return prune(c, def.name);
  }
  let written: Json[];
  const emptied = new Set<unknown>();
  if (matched.length === 0) {
    const element = sub
      ? { [sub.name]: normaliseSimple(sub, value, `${label}.${sub.name}`) }
      : normaliseComplex(ctx, def, value, label, false);
    const created = withoutNulls({ ...seedOf(filter, def, label), ...element });
    written = Object.values(element).some(cleared) && hollow(created) ? [] : [created];
    items.push(...written);
  } else if (sub) {
    const v = normaliseSimple(sub, value, `${label}.${sub.name}`);
    for (const item of matched) setOrDelete(item, sub.name, v);
    written = sub.name === "primary" ? matched : [];
  } else {
    const element = normaliseComplex(ctx, def, value, label, false);
    const clears = Object.values(element).some(cleared);
    if (op === "replace") {
      written = matched.map(() => withoutNulls(element));
      matched.forEach((item, i) => (items[items.indexOf(item)] = written[i]));
      if (clears) written.forEach((item) => emptied.add(item));
    } else {
      for (const item of matched)
        for (const [k, v] of Object.entries(element)) if (setOrDelete(item, k, v)) emptied.add(item);
      written = "primary" in element ? matched : [];
    }
  }
  c[def.name] = dropHollow(items, emptied);
  settlePrimary(def, items, written);
  prune(c, def.name);
}

/** The Enterprise User's `manager` (RFC 7643 §4.3), patched as a whole through canonicalManager. */
const isManager = (attr: ResolvedAttribute) => attr.schema === URN.enterpriseUser && attr.attribute.name === "manager";

/**
 * `manager` in every form Entra sends: path `manager` (or its URN-qualified spelling) with a bare
 * id, `{"value": id}` or `[{"value": id}]`; path `manager.value` with the id; `""`, `null` or remove
 * to clear it; remove with a value or `manager[value eq "id"]` removes it only while it is that id.
 * What is stored is `{"value": id}`: `$ref` is derived from the id when served, so a path
 * `manager.$ref` changes nothing and is reported as ignored.
 */
function applyManager(ctx: Ctx, op: Op, target: Target & { kind: "attribute" | "valuePath" }, value: unknown): void {
  const { attr } = target;
  const label = labelOf(attr);
  if (target.kind === "valuePath" && (target.sub || op !== "remove")) {
    throw invalidPath(
      `A value filter on '${label}' is supported only by remove, as 'manager[value eq "<id>"]'; to set the manager use path "manager" with the id.`,
    );
  }
  if (attr.subAttribute?.name === "$ref") {
    ctx.ignored.add(label);
    return;
  }
  if (attr.subAttribute && !cleared(value) && op !== "remove" && typeof value !== "string") {
    throw invalidValue(`'${label}' takes the id of a User (a string), not ${JSON.stringify(value)}.`);
  }
  const base = pathLabel(attr.schema, [attr.attribute.name]);
  const wanted = op === "remove" ? null : canonicalManager(value, label);
  const c = container(ctx, attr.schema, wanted !== null);
  if (!c) return;
  adoptKey(c, "manager");
  const current = isObject(c.manager) ? c.manager : undefined;
  if (wanted) {
    touch(ctx, { label: `${base}.value`, schema: attr.schema, path: ["manager", "value"] });
    c.manager = wanted;
    return;
  }
  touch(ctx, { label: base, schema: attr.schema, path: ["manager"] });
  if (target.kind === "valuePath") {
    if (current && matchesElement(target.filter, current, attr.attribute)) delete c.manager;
    return;
  }
  const only =
    op === "remove" && !attr.subAttribute && value !== undefined && !cleared(value)
      ? canonicalManager(value, label)
      : null;
  const id = current ? lookup(current, "value") : undefined;
  if (!only || (typeof id === "string" && id.toLowerCase() === only.value.toLowerCase())) delete c.manager;
}

/**
 * The element a value-filter path creates when it matches nothing: the filter's `eq` terms, which
 * must be joined by `and`. Anything else cannot say what to create: 400 noTarget (RFC 7644 §3.5.2.3).
 */
function seedOf(filter: Filter, def: AttributeDef, label: string): Json {
  const seed = seedTerms(filter, def);
  if (!seed) {
    throw badRequest(
      "noTarget",
      `No value of '${label}' matches the filter, and only a filter of "eq" comparisons joined by "and" says which value to create.`,
    );
  }
  return withoutNulls(seed);
}

function seedTerms(filter: Filter, def: AttributeDef): Json | undefined {
  if (filter.kind === "and") {
    const left = seedTerms(filter.left, def);
    const right = seedTerms(filter.right, def);
    return left && right ? { ...left, ...right } : undefined;
  }
  if (filter.kind !== "compare" || filter.op !== "eq") return undefined;
  const sub = resolveSubAttribute(def, filter.attrPath);
  return sub ? { [sub.name]: filter.value } : undefined;
}

/** remove of a multi-valued attribute with a value: removes only the listed values. */
function removeListed(ctx: Ctx, c: Json, def: AttributeDef, value: unknown, label: string): void {
  const listed = normaliseMulti(ctx, def, value, label) as Json[];
  const current = Array.isArray(c[def.name]) ? (c[def.name] as unknown[]) : [];
  c[def.name] = current.filter((item) => !(isObject(item) && listed.some((l) => sameValues(l, item, def))));
}

/** Whether `item` has every sub-attribute value of `listed`, honouring caseExact (RFC 7643 §2.2). */
function sameValues(listed: Json, item: Json, def: AttributeDef): boolean {
  return Object.entries(listed).every(([k, v]) => {
    const actual = lookup(item, k);
    const sub = resolveSubAttribute(def, k);
    if (typeof v === "string" && typeof actual === "string" && sub && !sub.caseExact) {
      return v.toLowerCase() === actual.toLowerCase();
    }
    return deepEqual(v, actual);
  });
}

/** RFC 7644 §3.5.2: setting `primary` true on one value sets it false on the others; the last one set wins. */
function settlePrimary(def: AttributeDef, items: unknown[], fresh: unknown[]): void {
  const winner = [...fresh].reverse().find((item) => isObject(item) && item.primary === true);
  if (!winner || !resolveSubAttribute(def, "primary")) return;
  for (const item of items) if (item !== winner && isObject(item) && item.primary === true) item.primary = false;
}

/** Group members: folded into a delta or a replacement list, never written to the resource. */
function applyMembers(ctx: Ctx, op: Op, target: Target & { kind: "attribute" | "valuePath" }, value: unknown): void {
  if (target.kind === "valuePath") {
    if (target.sub)
      throw invalidPath(
        `'${labelOf(target.attr)}[...].${target.sub.name}' cannot be patched; remove members with path 'members[value eq "<id>"]'.`,
      );
    if (op !== "remove")
      throw invalidPath(
        `A value filter on 'members' is supported only by remove; use path "members" to ${op} members.`,
      );
    return foldMembers(ctx, "remove", memberFilterIds(target.filter));
  }
  if (target.attr.subAttribute) {
    throw invalidPath(
      `'${labelOf(target.attr)}' cannot be patched; add, replace or remove whole members with path "members".`,
    );
  }
  if (op === "remove")
    return value == null ? foldMembers(ctx, "replace", []) : foldMembers(ctx, "remove", memberIds(value));
  if (value === null) return foldMembers(ctx, "replace", []);
  foldMembers(ctx, op, memberIds(value));
}

function memberIds(value: unknown): string[] {
  const list = Array.isArray(value) ? value : isObject(value) ? [value] : undefined;
  if (!list) throw invalidValue(`'members' takes an array of {"value": "<user id>"} objects.`);
  return list.map((member, i) => {
    const id = isObject(member) ? lookup(member, "value") : undefined;
    if (typeof id !== "string" || id === "")
      throw invalidValue(`'members[${i}].value' must be a non-empty string: the id of a User.`);
    return id;
  });
}

/** `members[value eq "a" or value eq "b"]` → ["a", "b"]; any other filter is not supported. */
function memberFilterIds(filter: Filter): string[] {
  if (filter.kind === "or") return [...memberFilterIds(filter.left), ...memberFilterIds(filter.right)];
  if (
    filter.kind === "compare" &&
    filter.op === "eq" &&
    filter.attrPath.toLowerCase() === "value" &&
    typeof filter.value === "string" &&
    filter.value !== ""
  ) {
    return [filter.value];
  }
  throw badRequest("invalidFilter", `A filter on 'members' must be 'value eq "<id>"' terms joined by "or".`);
}

function foldMembers(ctx: Ctx, op: Op, ids: string[]): void {
  ctx.memberCount += ids.length;
  if (ctx.memberCount > PATCH_LIMITS.maxMembers) {
    throw badRequest(
      "tooMany",
      `The PATCH request names ${ctx.memberCount} or more members; the limit is ${PATCH_LIMITS.maxMembers} members per request. Send the members in several requests.`,
    );
  }
  if (op === "replace") {
    ctx.members = { kind: "replace", ids: new Set(ids) };
    return;
  }
  const state = (ctx.members ??= { kind: "delta", add: new Set(), remove: new Set() });
  for (const id of ids) {
    if (state.kind === "replace") {
      if (op === "add") state.ids.add(id);
      else state.ids.delete(id);
    } else {
      (op === "add" ? state.remove : state.add).delete(id);
      (op === "add" ? state.add : state.remove).add(id);
    }
  }
}

function memberDelta(state: MemberState | undefined): MemberDelta | undefined {
  if (!state) return undefined;
  if (state.kind === "replace") return { kind: "replace", ids: [...state.ids] };
  if (state.add.size === 0 && state.remove.size === 0) return undefined;
  return { kind: "delta", add: [...state.add], remove: [...state.remove] };
}

/** A simple value: booleans accept Entra's "True"/"False"; everything else is stored as sent. */
function normaliseSimple(def: AttributeDef, value: unknown, label: string): unknown {
  if (typeof value === "object" && value !== null) {
    throw invalidValue(
      `'${label}' takes a single ${def.type} value, not ${Array.isArray(value) ? "an array" : "an object"}.`,
    );
  }
  return def.type === "boolean" ? coerceBoolean(value) : value;
}

/**
 * A complex value with canonical sub-attribute names; readOnly sub-attributes are dropped, `null`
 * and `""` kept as `null` (they mean "remove"). A bare value for a singular attribute with a `value` sub-attribute is
 * `{value}`: Entra sends `manager` as the manager's id.
 */
function normaliseComplex(ctx: Ctx, def: AttributeDef, value: unknown, label: string, singular: boolean): Json {
  const valueSub = resolveSubAttribute(def, "value");
  if (singular && valueSub && (typeof value === "string" || typeof value === "number")) {
    return { [valueSub.name]: value };
  }
  if (!isObject(value)) {
    throw invalidValue(
      `'${label}' takes ${singular ? "an object of sub-attributes" : "objects"}, not ${Array.isArray(value) ? "an array" : JSON.stringify(value)}.`,
    );
  }
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    const sub = resolveSubAttribute(def, key);
    if (!sub) {
      ctx.ignored.add(`${label}.${key}`);
      continue;
    }
    if (sub.mutability === "readOnly") continue;
    out[sub.name] = cleared(v) ? null : normaliseSimple(sub, v, `${label}.${sub.name}`);
  }
  return out;
}

/**
 * The values of a multi-valued attribute; a single object is taken as a one-element array. Cleared
 * values are left out, and so is an element whose cleared sub-attributes leave only its type/primary.
 */
function normaliseMulti(ctx: Ctx, def: AttributeDef, value: unknown, label: string): unknown[] {
  const list = Array.isArray(value) ? value : isObject(value) ? [value] : undefined;
  if (!list) throw invalidValue(`'${label}' is multi-valued and takes an array, not ${JSON.stringify(value)}.`);
  return list
    .filter((item) => !cleared(item))
    .map((item) => {
      if (def.type !== "complex") return normaliseSimple(def, item, label);
      const element = normaliseComplex(ctx, def, item, label, false);
      const kept = withoutNulls(element);
      return Object.values(element).some(cleared) && hollow(kept) ? {} : kept;
    })
    .filter((item) => !(isObject(item) && Object.keys(item).length === 0));
}

/**
 * RESOURCE_LIMITS.maxValues, checked as soon as an operation grows an array past it (validation
 * checks the result again): every array stays small while the operations run, so each costs O(1).
 */
function checkValueCount(ctx: Ctx, label: string, count: number): void {
  if (count > RESOURCE_LIMITS.maxValues) {
    throw invalidValue(
      `${ctx.type} attribute '${label}' would have ${count} values; the limit is ${RESOURCE_LIMITS.maxValues} values per multi-valued attribute.`,
    );
  }
}

function seenKeys(ctx: Ctx, items: unknown[]): Set<string> {
  let seen = ctx.seen.get(items);
  if (!seen) ctx.seen.set(items, (seen = new Set(items.map(canonicalKey))));
  return seen;
}

/** A JSON text equal for deep-equal values whatever their key order (see deepEqual). */
function canonicalKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalKey(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}

/** The object holding a schema's attributes: the resource itself, or resource[urn] for an extension. */
function container(ctx: Ctx, schema: string, create: boolean): Json | undefined {
  if (!schema) return ctx.resource;
  ctx.extensions.add(schema);
  adoptKey(ctx.resource, schema);
  if (!isObject(ctx.resource[schema])) {
    if (!create) return undefined;
    ctx.resource[schema] = {};
  }
  return ctx.resource[schema] as Json;
}

/** Renames keys spelled differently from `name` (case-insensitively equal) to `name`, merging objects. */
function adoptKey(obj: Json, name: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) {
    if (key === name || key.toLowerCase() !== lower) continue;
    const value = obj[key];
    delete obj[key];
    if (!(name in obj)) obj[name] = value;
    else if (isObject(obj[name]) && isObject(value)) obj[name] = { ...value, ...(obj[name] as Json) };
  }
}

/** Sets or (for undefined/null) deletes a property; true when a value was deleted. */
function setOrDelete(obj: Json, name: string, value: unknown): boolean {
  adoptKey(obj, name);
  if (value !== undefined && value !== null) {
    obj[name] = value;
    return false;
  }
  const had = name in obj;
  delete obj[name];
  return had;
}

/** `items` without the elements of `emptied` (those an operation cleared something in) that are left with only type/primary. */
function dropHollow(items: unknown[], emptied: Set<unknown>): unknown[] {
  return emptied.size === 0 ? items : items.filter((item) => !(emptied.has(item) && hollow(item)));
}

/** Drops empty values, elements and arrays left behind by an operation. */
function prune(c: Json, name: string): void {
  const value = c[name];
  if (Array.isArray(value)) {
    const kept = value.filter((item) => !(isObject(item) && Object.keys(item).length === 0));
    if (kept.length === 0) delete c[name];
    else if (kept.length !== value.length) c[name] = kept;
  } else if (isObject(value) && Object.keys(value).length === 0) delete c[name];
}

const withoutNulls = (obj: Json): Json =>
  Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined));

function touch(ctx: Ctx, t: Touch): void {
  if (!ctx.touched.has(t.label)) ctx.touched.set(t.label, t);
}

/**
 * Drops extension objects left empty and keeps `schemas` in step (RFC 7643 §3): an extension that
 * now has attributes is listed, one that lost all of them is not. Returns whether `schemas` changed.
 */
function settleExtensions(ctx: Ctx, original: Json): boolean {
  const { resource } = ctx;
  const before = JSON.stringify(resource.schemas);
  for (const urn of ctx.extensions) {
    const has = (obj: Json) => {
      const c = lookup(obj, urn);
      return isObject(c) && Object.keys(c).length > 0;
    };
    if (!has(resource)) delete resource[urn];
    const listed = Array.isArray(resource.schemas) ? (resource.schemas as unknown[]) : undefined;
    const isListed = (s: unknown) => typeof s === "string" && s.toLowerCase() === urn.toLowerCase();
    if (has(resource) && !listed?.some(isListed))
      resource.schemas = [...(listed ?? [RESOURCE_TYPES[ctx.type].schema]), urn];
    else if (!has(resource) && has(original) && listed) resource.schemas = listed.filter((s) => !isListed(s));
  }
  return JSON.stringify(resource.schemas) !== before;
}

function read(resource: Json, { schema, path }: Touch): unknown {
  let current: unknown = schema ? lookup(resource, schema) : resource;
  for (const name of path) current = isObject(current) ? lookup(current, name) : undefined;
  return current;
}

/** A property by exact name, else case-insensitively (RFC 7643 §2.1). */
function lookup(obj: Json, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : obj[key];
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
}
