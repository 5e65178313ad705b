import type { Filter } from "./filter.js";
import { parseFilter } from "./filter.js";
import type { ResourceTypeName } from "./schemas.js";
import type { Projection } from "./resource.js";
import { parseProjection } from "./resource.js";
import { badRequest } from "./errors.js";
import { URN } from "./urns.js";

/** The query parameters of a list request (RFC 7644 §3.4.2), validated. */
export interface ListParams {
  filter?: Filter;
  sortBy?: string;
  descending: boolean;
  startIndex: number;
  count: number;
  projection: Projection;
}

function integer(text: string | null, name: string): number | undefined {
  if (text === null || text.trim() === "") return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw badRequest("invalidValue", `'${name}' must be a whole number (got "${text}").`);
  return Number(text.trim());
}

/**
 * Parses filter, startIndex, count, sortBy, sortOrder, attributes and excludedAttributes.
 * startIndex below 1 means 1 and a negative count means 0 (RFC 7644 §3.4.2.4); count is capped at
 * `maxResults`, and defaults to it. Unknown parameters (e.g. aadOptscim062020) are ignored.
 */
export function parseListParams(query: URLSearchParams, type: ResourceTypeName, maxResults: number): ListParams {
  const filterText = query.get("filter");
  const sortOrder = query.get("sortOrder")?.trim().toLowerCase();
  if (sortOrder && sortOrder !== "ascending" && sortOrder !== "descending") {
    throw badRequest("invalidValue", `'sortOrder' must be "ascending" or "descending" (got "${query.get("sortOrder")}").`);
  }
  const startIndex = Math.max(1, integer(query.get("startIndex"), "startIndex") ?? 1);
  const count = Math.min(maxResults, Math.max(0, integer(query.get("count"), "count") ?? maxResults));
  return {
    filter: filterText !== null && filterText.trim() !== "" ? parseFilter(filterText) : undefined,
    sortBy: query.get("sortBy")?.trim() || undefined,
    descending: sortOrder === "descending",
    startIndex,
    count,
    projection: parseProjection(query.get("attributes"), query.get("excludedAttributes"), type),
  };
}

/** A ListResponse (RFC 7644 §3.4.2). */
export function listResponse(resources: unknown[], totalResults: number, startIndex: number) {
  return {
    schemas: [URN.listResponse],
    totalResults,
    Resources: resources,
    startIndex,
    itemsPerPage: resources.length,
  };
}
