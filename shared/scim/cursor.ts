import { createHash } from "node:crypto";
import type { Filter } from "./filter.js";
import type { ResourceTypeName } from "./schemas.js";
import { badRequest } from "./errors.js";
import { isObject } from "./json.js";

/**
 * Cursors of RFC 9865 (cursor-based pagination). A cursor is opaque to the client: the base64url
 * form of a small JSON object with a version, a hash that binds it to the tenant and the query
 * (resource type, filter, sort), where the next page starts, and the time it was issued. It needs
 * no secret: it can only position a page within the caller's own tenant's query, which the caller
 * may read from the start anyway, and a cursor of another tenant or query fails the binding.
 */

/** Seconds a cursor stays valid after the page that issued it (advertised as `cursorTimeout`). */
export const CURSOR_TIMEOUT_SECONDS = 24 * 60 * 60;
/** A cursor issued this far in the future (clock skew between instances) is still accepted. */
const SKEW_SECONDS = 5 * 60;
const VERSION = 1;
/** Longer text is not a cursor this service issued (ours are about 150 characters). */
const MAX_LENGTH = 1024;

/** Where the next page of a cursor-paged list starts. */
export interface CursorPosition {
  /** Resources served before the next page (a sorted list pages by position). */
  position: number;
  /** The id of the last resource served: an unsorted list continues after it. */
  after?: string;
  /** Root `/.search` (Users, then Groups): the resource type the next page continues in. */
  type?: ResourceTypeName;
}

/** What a cursor is bound to: the query's parameters except the page (count, cursor) and the projection. */
export interface CursorQuery {
  filter?: Filter;
  sortBy?: string;
  descending: boolean;
}

/** A short hash of tenant, scope (a resource type, or "root" for `/.search`) and query. */
export function queryBinding(tenantId: string, scope: ResourceTypeName | "root", query: CursorQuery): string {
  const canonical = JSON.stringify([
    VERSION,
    tenantId,
    scope,
    query.filter ?? null,
    query.sortBy?.toLowerCase() ?? null,
    query.descending,
  ]);
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 22);
}

/** The `nextCursor` of a page (RFC 9865 §2): only characters of RFC 3986's unreserved set. */
export function encodeCursor(binding: string, next: CursorPosition, now: Date): string {
  const payload = {
    v: VERSION,
    q: binding,
    p: next.position,
    ...(next.after !== undefined ? { a: next.after } : {}),
    ...(next.type !== undefined ? { r: next.type } : {}),
    t: Math.floor(now.getTime() / 1000),
  };
  return Buffer.from(JSON.stringify(payload)).toString("base64url");
}

const notOurs = () =>
  badRequest(
    "invalidCursor",
    "'cursor' is not a cursor this service issued: pass the nextCursor of the previous page unchanged, or an empty cursor to start from the first page.",
  );

/**
 * Reads a cursor a client sent back (RFC 9865 §2). Throws ScimError 400 `invalidCursor` for text
 * that is not a cursor of this service or one issued for another tenant or query, and
 * `expiredCursor` for one older than {@link CURSOR_TIMEOUT_SECONDS}.
 */
export function decodeCursor(cursor: string, binding: string, now: Date): CursorPosition {
  if (cursor.length > MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw notOurs();
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw notOurs();
  }
  if (!isObject(payload) || payload.v !== VERSION || typeof payload.q !== "string" || !Number.isSafeInteger(payload.t))
    throw notOurs();
  const { p, a, r } = payload;
  if (!Number.isSafeInteger(p) || (p as number) < 0) throw notOurs();
  if (a !== undefined && (typeof a !== "string" || a.length === 0 || a.length > 255)) throw notOurs();
  if (r !== undefined && r !== "User" && r !== "Group") throw notOurs();
  if (payload.q !== binding) {
    throw badRequest(
      "invalidCursor",
      "'cursor' was issued for another query (another tenant, resource type, filter or sort order): send the same filter, sortBy and sortOrder as on the first page, or start again with an empty cursor.",
    );
  }
  const age = Math.floor(now.getTime() / 1000) - (payload.t as number);
  if (age < -SKEW_SECONDS) throw notOurs();
  if (age > CURSOR_TIMEOUT_SECONDS) {
    throw badRequest(
      "expiredCursor",
      `'cursor' has expired: it was issued ${Math.floor(age / 3600)} hours ago and a cursor is valid for ${CURSOR_TIMEOUT_SECONDS / 3600} hours (cursorTimeout ${CURSOR_TIMEOUT_SECONDS} seconds); start again with an empty cursor.`,
    );
  }
  return {
    position: p as number,
    ...(a !== undefined ? { after: a as string } : {}),
    ...(r !== undefined ? { type: r as ResourceTypeName } : {}),
  };
}
