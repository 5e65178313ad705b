import type { Filter } from "./filter.js";
import { parseFilter, qualifyFilter } from "./filter.js";
import type { ResourceTypeName } from "./schemas.js";
import type { Projection } from "./resource.js";
import { parseProjection } from "./resource.js";
import { badRequest } from "./errors.js";
import { URN } from "./urns.js";
import { isObject } from "./json.js";

/** The query parameters of a list request (RFC 7644 §3.4.2), validated. */
export interface ListParams {
  filter?: Filter;
  sortBy?: string;
  descending: boolean;
  startIndex: number;
  count: number;
  projection: Projection;
  /**
   * RFC 9865 cursor paging: "" asks for the first page, any other value is a `nextCursor` the
   * client got back (decoded by the operation, which knows the tenant). Absent: index paging.
   */
  cursor?: string;
}

function integer(text: string | null, name: string): number | undefined {
  if (text === null || text.trim() === "") return undefined;
  if (!/^-?\d+$/.test(text.trim()))
    throw badRequest("invalidValue", `'${name}' must be a whole number (got "${text}").`);
  return Number(text.trim());
}

/** The list parameters as text, whichever way they came (query string or SearchRequest). */
interface RawListParams {
  filter?: string;
  sortBy?: string;
  sortOrder?: string;
  startIndex?: number;
  count?: number;
  attributes?: string;
  excludedAttributes?: string;
  cursor?: string;
}

function listParams(raw: RawListParams, type: ResourceTypeName, maxResults: number): ListParams {
  const sortOrder = raw.sortOrder?.trim().toLowerCase();
  if (sortOrder && sortOrder !== "ascending" && sortOrder !== "descending") {
    throw badRequest("invalidValue", `'sortOrder' must be "ascending" or "descending" (got "${raw.sortOrder}").`);
  }
  const cursor = raw.cursor?.trim();
  if (cursor !== undefined) {
    if (raw.startIndex !== undefined) {
      throw badRequest(
        "invalidValue",
        "'cursor' and 'startIndex' cannot be used together: send 'cursor' (empty for the first page) for cursor paging (RFC 9865), or 'startIndex' for index paging.",
      );
    }
    if (raw.count !== undefined && raw.count < 1) {
      throw badRequest(
        "invalidCount",
        `'count' must be a positive whole number with 'cursor' (got ${raw.count}); at most ${maxResults} are served per page.`,
      );
    }
  }
  return {
    filter:
      raw.filter !== undefined && raw.filter.trim() !== "" ? qualifyFilter(parseFilter(raw.filter), type) : undefined,
    sortBy: raw.sortBy?.trim() || undefined,
    descending: sortOrder === "descending",
    startIndex: Math.max(1, raw.startIndex ?? 1),
    count: Math.min(maxResults, Math.max(0, raw.count ?? maxResults)),
    projection: parseProjection(raw.attributes, raw.excludedAttributes, type),
    ...(cursor !== undefined ? { cursor } : {}),
  };
}

/**
 * Parses filter, startIndex, count, sortBy, sortOrder, attributes and excludedAttributes.
 * startIndex below 1 means 1 and a negative count means 0 (RFC 7644 §3.4.2.4); count is capped at
 * `maxResults`, and defaults to it. Unknown parameters (e.g. aadOptscim062020) are ignored.
 * `cursor` (RFC 9865 §2; `?cursor` or `?cursor=` for the first page) selects cursor paging: then
 * `startIndex` is a 400 and `count` must be positive (400 `invalidCount`).
 */
export function parseListParams(query: URLSearchParams, type: ResourceTypeName, maxResults: number): ListParams {
  const text = (name: string) => query.get(name) ?? undefined;
  return listParams(
    {
      filter: text("filter"),
      sortBy: text("sortBy"),
      sortOrder: text("sortOrder"),
      startIndex: integer(query.get("startIndex"), "startIndex"),
      count: integer(query.get("count"), "count"),
      attributes: text("attributes"),
      excludedAttributes: text("excludedAttributes"),
      cursor: text("cursor"),
    },
    type,
    maxResults,
  );
}

const SEARCH_FIELDS = [
  "filter",
  "sortBy",
  "sortOrder",
  "startIndex",
  "count",
  "attributes",
  "excludedAttributes",
  "cursor",
] as const;

/**
 * Parses a SearchRequest body (RFC 7644 §3.4.3, `POST /Users/.search`) into the same parameters
 * {@link parseListParams} produces, with the same defaults, caps and errors. `schemas` must contain
 * `urn:ietf:params:scim:api:messages:2.0:SearchRequest`; `filter`, `sortBy`, `sortOrder` and
 * `cursor` (RFC 9865 §3) are strings; `attributes` and `excludedAttributes` are arrays of attribute names (a comma-separated
 * string is accepted too); `startIndex` and `count` are whole numbers. Member names match
 * case-insensitively (RFC 7643 §2.1); unknown members are ignored, as unknown query parameters are.
 * Throws ScimError 400 invalidSyntax for a body that is not a SearchRequest, 400 invalidValue
 * naming the member whose value has the wrong type.
 */
export function parseSearchRequest(body: unknown, type: ResourceTypeName, maxResults: number): ListParams {
  if (!isObject(body))
    throw badRequest("invalidSyntax", `The request body must be a SearchRequest object (RFC 7644 §3.4.3).`);
  const get = (name: string) => {
    const key = Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined || body[key] === null ? undefined : body[key];
  };
  const schemas = get("schemas");
  const urn = URN.searchRequest.toLowerCase();
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === "string" && s.toLowerCase() === urn)) {
    throw badRequest("invalidSyntax", `'schemas' must be an array that contains "${URN.searchRequest}".`);
  }
  const raw: RawListParams = {};
  for (const name of SEARCH_FIELDS) {
    const value = get(name);
    if (value === undefined) continue;
    if (name === "startIndex" || name === "count") {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw badRequest("invalidValue", `'${name}' must be a whole number (got ${JSON.stringify(value)}).`);
      }
      raw[name] = value;
    } else if (name === "attributes" || name === "excludedAttributes") {
      const list = typeof value === "string" ? [value] : value;
      if (!Array.isArray(list) || !list.every((v) => typeof v === "string")) {
        throw badRequest(
          "invalidValue",
          `'${name}' must be an array of attribute names (got ${JSON.stringify(value)}).`,
        );
      }
      raw[name] = list.join(",");
    } else {
      if (typeof value !== "string")
        throw badRequest("invalidValue", `'${name}' must be a string (got ${JSON.stringify(value)}).`);
      raw[name] = value;
    }
  }
  return listParams(raw, type, maxResults);
}

/** A ListResponse (RFC 7644 §3.4.2) of an index page. */
export function listResponse(resources: unknown[], totalResults: number, startIndex: number) {
  return {
    schemas: [URN.listResponse],
    totalResults,
    Resources: resources,
    startIndex,
    itemsPerPage: resources.length,
  };
}

/** A ListResponse of a cursor page (RFC 9865 §2): `nextCursor` on every page but the last, no startIndex. */
export function cursorListResponse(resources: unknown[], totalResults: number, nextCursor: string | undefined) {
  return {
    schemas: [URN.listResponse],
    totalResults,
    Resources: resources,
    itemsPerPage: resources.length,
    ...(nextCursor !== undefined ? { nextCursor } : {}),
  };
}
