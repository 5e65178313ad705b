import type { WireResource } from "./resource.js";
import { isObject } from "./json.js";

/**
 * The attributes that differ between two versions of a resource, as the provisioning log names
 * them: top-level names, one level down into singular complex and extension objects
 * (`name.givenName`, `urn:...:enterprise:2.0:User:employeeNumber`).
 */
export function changedAttributes(before: WireResource | undefined, after: WireResource | undefined): string[] {
  return changedPaths(before, after).map((p) => p.attribute);
}

interface ChangedPath {
  attribute: string;
  old: unknown;
  new: unknown;
}

function changedPaths(before: WireResource | undefined, after: WireResource | undefined): ChangedPath[] {
  const out: ChangedPath[] = [];
  const a = before ?? {};
  const b = after ?? {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (key === "schemas" || JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
    const x = a[key];
    const y = b[key];
    if (isObject(x) || isObject(y)) {
      const xs = isObject(x) ? x : {};
      const ys = isObject(y) ? y : {};
      const sep = key.startsWith("urn:") ? ":" : ".";
      for (const sub of new Set([...Object.keys(xs), ...Object.keys(ys)])) {
        if (JSON.stringify(xs[sub]) !== JSON.stringify(ys[sub]))
          out.push({ attribute: `${key}${sep}${sub}`, old: xs[sub], new: ys[sub] });
      }
    } else out.push({ attribute: key, old: x, new: y });
  }
  return out.sort((p, q) => (p.attribute < q.attribute ? -1 : p.attribute > q.attribute ? 1 : 0));
}

/** The size cap of the values one provisioning-log event keeps. */
export const CHANGE_LIMITS = {
  /** Characters of one value; a longer one is cut there and marked `truncated`. */
  valueLength: 200,
  /** Attributes whose values one event keeps; the rest are counted in `omitted` (their names stay in changedAttributes). */
  attributes: 25,
} as const;

/** One changed attribute with its values before and after, as the log shows them ("Title: Engineer → Manager"). */
export interface AttributeChange {
  attribute: string;
  /** The value before, as text; absent when the attribute had none. */
  old?: string;
  /** The value after, as text; absent when the attribute was removed. */
  new?: string;
  /** A value was longer than CHANGE_LIMITS.valueLength and was cut. */
  truncated?: true;
  /** A secret (a password): changed, but its values are never kept. */
  redacted?: true;
}

/** Attribute names whose values are secrets: never stored in the log, whatever the schema says. */
const SECRET = /password|secret|token|credential/i;

/** A value as one line of text: strings as they are, multi-valued attributes as "value (type, primary)", the rest as JSON. */
export function valueText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map((v) => valueText(v) ?? "").join("; ");
  if (isObject(value)) {
    const { value: inner, type, primary, ...rest } = value;
    if (inner !== undefined && Object.keys(rest).every((k) => k === "display" || k === "$ref")) {
      const tags = [typeof type === "string" ? type : undefined, primary === true ? "primary" : undefined].filter(
        Boolean,
      );
      return `${valueText(inner) ?? ""}${tags.length ? ` (${tags.join(", ")})` : ""}`;
    }
  }
  return JSON.stringify(value);
}

function capped(text: string | undefined): { text?: string; cut: boolean } {
  if (text === undefined) return { cut: false };
  const chars = [...text];
  return chars.length > CHANGE_LIMITS.valueLength
    ? { text: `${chars.slice(0, CHANGE_LIMITS.valueLength).join("")}…`, cut: true }
    : { text, cut: false };
}

/**
 * The changed attributes with their old and new values, for the provisioning log: at most
 * CHANGE_LIMITS.attributes of them (`omitted` counts the rest), each value at most
 * CHANGE_LIMITS.valueLength characters (marked `truncated`); a secret's values are never kept.
 */
export function attributeChanges(
  before: WireResource | undefined,
  after: WireResource | undefined,
): { changes: AttributeChange[]; omitted: number } {
  const paths = changedPaths(before, after);
  const changes = paths.slice(0, CHANGE_LIMITS.attributes).map((p): AttributeChange => {
    if (SECRET.test(p.attribute)) return { attribute: p.attribute, redacted: true };
    const old = capped(valueText(p.old));
    const next = capped(valueText(p.new));
    return {
      attribute: p.attribute,
      ...(old.text !== undefined ? { old: old.text } : {}),
      ...(next.text !== undefined ? { new: next.text } : {}),
      ...(old.cut || next.cut ? { truncated: true as const } : {}),
    };
  });
  return { changes, omitted: paths.length - changes.length };
}

/**
 * The name a resource is known by in the log: a User's userName (and displayName, when it has
 * one), a Group's displayName; undefined when the resource has none (a create that failed
 * before it named one).
 */
export function resourceNames(
  type: string,
  resource: unknown,
): { resourceName?: string; resourceDisplayName?: string } {
  if (!isObject(resource)) return {};
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? capped(v).text : undefined);
  const name = type === "Group" ? text(resource.displayName) : text(resource.userName);
  const display = type === "User" ? text(resource.displayName) : undefined;
  return { ...(name ? { resourceName: name } : {}), ...(display ? { resourceDisplayName: display } : {}) };
}

/**
 * What the log records of one write of a resource: the changed attributes, their values (capped),
 * and the resource's name at that time (after the write; for a delete, before it).
 */
export function describeWrite(
  type: string,
  before: WireResource | undefined,
  after: WireResource | undefined,
  deleted = false,
): {
  changedAttributes: string[];
  changes?: AttributeChange[];
  changesOmitted?: number;
  resourceName?: string;
  resourceDisplayName?: string;
} {
  const names = resourceNames(type, deleted ? before : (after ?? before));
  if (deleted) return { changedAttributes: [], ...names };
  const { changes, omitted } = attributeChanges(before, after);
  return {
    changedAttributes: changedAttributes(before, after),
    ...names,
    ...(changes.length ? { changes } : {}),
    ...(omitted ? { changesOmitted: omitted } : {}),
  };
}
