import { createHash } from "node:crypto";
import type { WireResource } from "../scim/resource.js";
import { foldUserName } from "../scim/names.js";

/**
 * Lookup records: each unique value (a user's userName, a group's displayName) has a small document keyed by a hash of its normalised value, naming the resource
 * that holds it, so that Entra's matching lookups are two point reads at any tenant size and a
 * taken value fails the transactional batch that claims it. A record whose target no longer holds
 * the value is stale and is taken over.
 */
export interface LookupDoc {
  id: string;
  tenantId: string;
  kind: "Lookup";
  /** Empty: see the note on `resource` in memberships.ts. */
  resource: Record<string, never>;
  norm: Record<string, never>;
  target: string;
  attribute: string;
  value: string;
}

/**
 * Which attributes are unique per tenant, and how they compare. Not externalId: RFC 7643 §3.1
 * leaves its uniqueness to the client, so two resources may carry one, and an `externalId eq`
 * lookup is an indexed equality query that returns all of them.
 */
export const LOOKUPS: Record<string, { attribute: string; caseExact: boolean }[]> = {
  User: [{ attribute: "userName", caseExact: false }],
  Group: [{ attribute: "displayName", caseExact: false }],
};

export const lookupDef = (kind: string, attribute: string) => LOOKUPS[kind]?.find((l) => l.attribute === attribute);

/** A value as its lookup record stores it: case-insensitive ones case-folded (foldUserName: NFKC + full case folding). */
export const normalise = (value: string, caseExact: boolean) => (caseExact ? value : foldUserName(value));

export function lookupValue(
  resource: WireResource | undefined,
  attribute: string,
  caseExact: boolean,
): string | undefined {
  const value = resource?.[attribute];
  if (typeof value !== "string" || value === "") return undefined;
  return normalise(value, caseExact);
}

export function lookupId(kind: string, attribute: string, value: string): string {
  return `lk.${kind}.${attribute}.${createHash("sha256").update(value, "utf8").digest("base64url")}`;
}

/** The lookup records a resource's values need, by document id. */
export function lookupsOf(
  kind: string,
  resource: WireResource | undefined,
): Map<string, { attribute: string; value: string }> {
  const out = new Map<string, { attribute: string; value: string }>();
  for (const { attribute, caseExact } of LOOKUPS[kind] ?? []) {
    const value = lookupValue(resource, attribute, caseExact);
    if (value !== undefined) out.set(lookupId(kind, attribute, value), { attribute, value });
  }
  return out;
}
