import type { ResourceTypeName } from "../scim/schemas.js";
import type { WireResource } from "../scim/resource.js";
import { applyPatch, type PatchOp, type PatchResult } from "../scim/patch.js";
import { validateResource } from "../scim/validate.js";
import { describeWrite } from "../scim/changes.js";
import { productAfterWrite, type ProductUser } from "../product/identity.js";
import type { TenantSettings } from "../product/settings.js";
import { auditDoc, outboxDoc, type AuditDraft, type OutboxDoc } from "../store/audit-log.js";
import { strip, type ResourceDoc, type ResourceWrite, type StoredProduct } from "../store/resources.js";

/**
 * The plans of the SCIM writes: pure functions from what an operation loaded (the current
 * document, the settings) and the parsed request to the documents to write and the log event that
 * lands with them. No I/O, no clock (the time comes in), no ids drawn (the id comes in). They put
 * the rules of scim/ (patch, validate, changes) and product/ (identity linking) together into
 * store documents, which is why they live beside the operations and not in product/.
 */

/** The log event of a write, in its batch: the changed attributes and the names after it (for a delete, before it). */
function writeEvent(draft: AuditDraft, before: ResourceDoc | undefined, next: ResourceDoc, deleted = false): OutboxDoc {
  const type = before?.kind ?? next.kind;
  return outboxDoc(
    auditDoc(next.tenantId, draft, {
      resourceType: type,
      resourceId: next.id,
      ...describeWrite(type, before?.resource, next.resource, deleted),
    }),
  );
}

/** A User's product state after a SCIM write (identity linking); Groups have none. `given`: set by an admin creating the user. */
function productOf(
  type: ResourceTypeName | "DeletedUser",
  settings: TenantSettings,
  before: ResourceDoc | undefined,
  resource: WireResource,
  given?: StoredProduct,
) {
  if (type !== "User") return {};
  const product =
    given ??
    (productAfterWrite(
      settings,
      before?.product as ProductUser | undefined,
      before?.resource,
      resource,
    ) as unknown as StoredProduct);
  return { product };
}

/** POST: the new document and, unless its members are still to be written, its log event. */
export function planCreate(input: {
  tenantId: string;
  id: string;
  now: Date;
  type: ResourceTypeName;
  resource: WireResource;
  settings: TenantSettings;
  product?: StoredProduct;
  draft?: AuditDraft;
}): ResourceWrite {
  const at = input.now.toISOString();
  const next: ResourceDoc = {
    id: input.id,
    tenantId: input.tenantId,
    kind: input.type,
    resource: input.resource,
    meta: { created: at, lastModified: at },
    ...productOf(input.type, input.settings, undefined, input.resource, input.product),
  };
  return { next, ...(input.draft ? { event: writeEvent(input.draft, undefined, next) } : {}) };
}

/** PUT (and a PATCH that changes attributes): the next version of `current`, guarded by its ETag. */
export function planReplace(
  current: ResourceDoc,
  resource: WireResource,
  now: Date,
  settings: TenantSettings,
  draft?: AuditDraft,
): ResourceWrite {
  const next: ResourceDoc = {
    ...strip(current),
    resource,
    meta: { ...current.meta, lastModified: now.toISOString() },
    ...productOf(current.kind, settings, current, resource),
  };
  return { next, before: current, ...(draft ? { event: writeEvent(draft, current, next) } : {}) };
}

/**
 * PATCH: the operations applied to `current` (RFC 7644 §3.5.2), and the write of the document when
 * they change any attribute but `members` (members are stored apart from the group; a change of
 * members only rewrites no document). The patched resource is validated before it is planned.
 */
export function planPatch(
  current: ResourceDoc,
  ops: PatchOp[],
  now: Date,
  settings: TenantSettings,
  draft?: AuditDraft,
): { patch: PatchResult; write?: ResourceWrite } {
  const type = current.kind as ResourceTypeName;
  const patch = applyPatch(current.resource, ops, type);
  if (!patch.changedAttributes.some((a) => a !== "members")) return { patch };
  validateResource(patch.resource, type);
  return { patch, write: planReplace(current, patch.resource, now, settings, draft) };
}

/**
 * DELETE: a User is kept as a "DeletedUser" record for `retentionSeconds` (invisible to SCIM, its
 * userName free again, purged by Cosmos DB TTL) with the groups it was in; anything else is removed.
 */
export function planDelete(
  current: ResourceDoc,
  now: Date,
  draft: AuditDraft,
  options: { retentionSeconds?: number; formerGroups?: string[] } = {},
): ResourceWrite {
  if (current.kind === "User" && options.retentionSeconds) {
    const next: ResourceDoc = {
      ...strip(current),
      kind: "DeletedUser",
      deletedAt: now.toISOString(),
      formerGroups: options.formerGroups ?? [],
      ttl: options.retentionSeconds,
    };
    return { next, before: current, event: writeEvent(draft, current, next, true) };
  }
  const next = strip(current);
  return { next, before: current, remove: true, event: writeEvent(draft, current, next, true) };
}
