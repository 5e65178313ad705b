/**
 * The Enterprise User's `manager` (RFC 7643 §4.3): one complex value whose `value` is the id of
 * another User. Entra sends it as a bare id, as `{"value": id}`, or as an array holding one such
 * object; every form becomes the one stored form `{"value": id}`. `$ref` is derived from the id
 * when the resource is served and `displayName` is readOnly, so neither is stored.
 */
import { badRequest } from "./errors.js";
import { isObject } from "./json.js";
import type { ResourceTypeName } from "./schemas.js";
import { URN } from "./urns.js";

/** The canonical path of the attribute, as error details and logs name it. */
export const MANAGER_PATH = `${URN.enterpriseUser}:manager`;

/** The stored form of a manager. */
export type Manager = { value: string };

const invalidValue = (detail: string) => badRequest("invalidValue", detail);

/** A property by exact name, else case-insensitively (RFC 7643 §2.1). */
function keyOf(obj: Record<string, unknown>, name: string): string | undefined {
  if (name in obj) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/**
 * A manager as a client sent it, in its stored form, or `null` for "no manager": `""`, `null`,
 * `[]` and `{"value": ""}` clear it (RFC 7643 §2.5 unassigned, plus Entra's empty string).
 * Accepted: `"id"`, `{"value": "id"}` (with `$ref` and `displayName` dropped), `[{"value": "id"}]`.
 * Throws ScimError 400 invalidValue naming `label` for anything else: an object without `value`,
 * an array of more than one value, a `value` that is not a string.
 */
export function canonicalManager(value: unknown, label = MANAGER_PATH): Manager | null {
  if (value === null || value === "") return null;
  if (typeof value === "string") return { value };
  if (Array.isArray(value)) {
    if (value.length > 1) {
      throw invalidValue(
        `'${label}' is single-valued: send one manager ({"value": "<user id>"}), not an array of ${value.length}.`,
      );
    }
    return value.length === 0 ? null : canonicalManager(value[0], `${label}[0]`);
  }
  if (!isObject(value)) {
    throw invalidValue(
      `'${label}' takes the id of a User, {"value": "<user id>"} or [{"value": "<user id>"}], not ${JSON.stringify(value)}.`,
    );
  }
  const key = keyOf(value, "value");
  if (key === undefined) {
    const sent = Object.keys(value);
    throw invalidValue(
      `'${label}' is an object without "value"${sent.length ? ` (it has ${sent.map((k) => JSON.stringify(k)).join(", ")})` : ""}: send {"value": "<user id>"}.`,
    );
  }
  const id = value[key];
  if (id === null || id === "") return null;
  if (typeof id !== "string")
    throw invalidValue(`'${label}.value' must be a string: the id of a User, not ${JSON.stringify(id)}.`);
  return { value: id };
}

/** The manager id a stored User names, if any. */
export function managerIdOf(resource: Record<string, unknown>): string | undefined {
  const ext = resource[URN.enterpriseUser];
  const manager = isObject(ext) ? ext.manager : undefined;
  const id = isObject(manager) ? manager.value : undefined;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/**
 * A POST/PUT body with its manager in the stored form, wherever the body puts it: inside the
 * Enterprise User object (`{"urn:...:enterprise:2.0:User": {"manager": ...}}`) or under the
 * URN-qualified key (`"urn:...:enterprise:2.0:User:manager"`), keys matched case-insensitively.
 * A cleared manager is left out. The body is not mutated; anything else is returned as it is, for
 * the resource parser to judge. Throws ScimError 400 invalidValue for a malformed manager.
 */
export function withCanonicalManager(body: unknown, type: ResourceTypeName): unknown {
  if (type !== "User" || !isObject(body)) return body;
  let out: Record<string, unknown> = body;
  const qualified = keyOf(body, MANAGER_PATH);
  if (qualified !== undefined) {
    const manager = canonicalManager(body[qualified]);
    const { [qualified]: _sent, ...rest } = body;
    out = manager ? { ...rest, [qualified]: manager } : rest;
  }
  const extKey = keyOf(out, URN.enterpriseUser);
  const ext = extKey === undefined ? undefined : out[extKey];
  if (extKey === undefined || !isObject(ext)) return out;
  const key = keyOf(ext, "manager");
  if (key === undefined) return out;
  const manager = canonicalManager(ext[key]);
  const { [key]: _sent, ...rest } = ext;
  return { ...out, [extKey]: manager ? { ...rest, [key]: manager } : rest };
}

/**
 * A User as served: its manager with `$ref`, the URI of the manager's resource (RFC 7643 §4.3),
 * derived from the id and the base URL of this request. Other resources are returned as they are.
 */
export function withManagerRef(resource: Record<string, unknown>, baseUrl: string): Record<string, unknown> {
  const id = managerIdOf(resource);
  if (id === undefined) return resource;
  const ext = resource[URN.enterpriseUser] as Record<string, unknown>;
  const { $ref: _stored, ...manager } = ext.manager as Record<string, unknown>;
  return { ...resource, [URN.enterpriseUser]: { ...ext, manager: { ...manager, $ref: `${baseUrl}/Users/${id}` } } };
}
