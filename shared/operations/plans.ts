import type { ResourceTypeName } from "../scim/schemas.js";
import type { WireResource } from "../scim/resource.js";
import { applyPatch, type PatchOp, type PatchResult } from "../scim/patch.js";
import { validateResource } from "../scim/validate.js";
import { describeWrite } from "../scim/changes.js";
import { productAfterWrite, type ProductUser } from "../product/identity.js";
import type { TenantSettings } from "../product/settings.js";
import { auditDoc, outboxDoc, type AuditDraft, type OutboxDoc } from "../store/audit-log.js";
import { strip, type ResourceDoc, type ResourceWrite, type StoredProduct } from "../store/resources.js";
import { eventDoc, type EventDoc } from "../store/event-feed.js";
import type { RoleSource } from "../product/identity.js";

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

/** A resource's SCIM representation as events carry it: never a password, never the member list (membership events say it). */
function eventData(resource: WireResource): Record<string, unknown> {
  const { password: _p, members: _m, ...rest } = resource as Record<string, unknown>;
  return rest;
}

/**
 * The provisioning events of a resource write (store/event-feed.ts), which land in its batch: a
 * create or delete is one event; a User whose `active` flips is activated or deactivated, plus
 * `user.changed` when other attributes changed too; a Group's member list is not its own
 * attribute here (membership events come from the membership write).
 */
export function changeEvents(
  actor: string,
  time: string,
  before: ResourceDoc | undefined,
  next: ResourceDoc,
  deleted = false,
): EventDoc[] {
  const resourceType = (before?.kind ?? next.kind) === "Group" ? "Group" : "User";
  const prefix = resourceType === "Group" ? "group" : "user";
  const base = { tenantId: next.tenantId, time, resourceType, resourceId: next.id, actor } as const;
  if (!before) return [eventDoc({ ...base, type: `${prefix}.created`, data: { data: eventData(next.resource) } })];
  if (deleted) return [eventDoc({ ...base, type: `${prefix}.deleted`, data: { data: eventData(before.resource) } })];
  const changed = describeWrite(resourceType, before.resource, next.resource).changedAttributes.filter(
    (a) => a !== "members",
  );
  const events: EventDoc[] = [];
  const data = eventData(next.resource);
  if (resourceType === "User" && changed.includes("active")) {
    const type = next.resource.active === false ? "user.deactivated" : "user.activated";
    events.push(eventDoc({ ...base, type, data: { data, changedAttributes: ["active"] } }));
  }
  const others = changed.filter((a) => a !== "active");
  if (others.length)
    events.push(eventDoc({ ...base, type: `${prefix}.changed`, data: { data, changedAttributes: others } }));
  return events;
}

/** Why a user has its role, in words (role.changed events). */
function roleBecause(source: RoleSource | undefined): string {
  switch (source?.kind) {
    case "group":
      return `member of group ${source.groupName ?? source.groupId} (${source.groupId}), mapped to ${source.mapping.role}`;
    case "admin":
      return `granted by ${source.grantedBy}`;
    case "kept":
      return `kept as the last active Admin (its groups give ${source.computed})`;
    default:
      return "the tenant's default role";
  }
}

/** The `role.changed` event of writing `fields` to a user's product state, when its role changes. */
export function roleEvent(
  tenantId: string,
  actor: string,
  now: Date,
  user: ResourceDoc,
  fields: StoredProduct,
): EventDoc | undefined {
  const from = (user.product?.role as string | undefined) ?? null;
  if (fields.role === undefined || fields.role === from) return undefined;
  return eventDoc({
    tenantId,
    type: "role.changed",
    time: now.toISOString(),
    resourceType: "User",
    resourceId: user.id,
    actor,
    data: {
      role: { from, to: fields.role as string, because: roleBecause(fields.roleSource as RoleSource | undefined) },
    },
  });
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
  /** Who writes (the events' actor). */
  actor: string;
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
  return {
    next,
    events: changeEvents(input.actor, at, undefined, next),
    ...(input.draft ? { event: writeEvent(input.draft, undefined, next) } : {}),
  };
}

/** PUT (and a PATCH that changes attributes): the next version of `current`, guarded by its ETag. */
export function planReplace(
  current: ResourceDoc,
  resource: WireResource,
  now: Date,
  settings: TenantSettings,
  actor: string,
  draft?: AuditDraft,
): ResourceWrite {
  const next: ResourceDoc = {
    ...strip(current),
    resource,
    meta: { ...current.meta, lastModified: now.toISOString() },
    ...productOf(current.kind, settings, current, resource),
  };
  return {
    next,
    before: current,
    events: changeEvents(actor, now.toISOString(), current, next),
    ...(draft ? { event: writeEvent(draft, current, next) } : {}),
  };
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
  actor: string,
  draft?: AuditDraft,
): { patch: PatchResult; write?: ResourceWrite } {
  const type = current.kind as ResourceTypeName;
  const patch = applyPatch(current.resource, ops, type);
  if (!patch.changedAttributes.some((a) => a !== "members")) return { patch };
  validateResource(patch.resource, type);
  return { patch, write: planReplace(current, patch.resource, now, settings, actor, draft) };
}

/**
 * DELETE: a User is kept as a "DeletedUser" record for `retentionSeconds` (invisible to SCIM, its
 * userName free again, purged by Cosmos DB TTL) with the groups it was in; anything else is removed.
 */
export function planDelete(
  current: ResourceDoc,
  now: Date,
  actor: string,
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
    const events = changeEvents(actor, now.toISOString(), current, next, true);
    return { next, before: current, events, event: writeEvent(draft, current, next, true) };
  }
  const next = strip(current);
  const events = changeEvents(actor, now.toISOString(), current, next, true);
  return { next, before: current, remove: true, events, event: writeEvent(draft, current, next, true) };
}
