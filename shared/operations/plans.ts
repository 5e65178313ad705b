import type { ResourceTypeName } from "../scim/schemas.js";
import type { WireResource } from "../scim/resource.js";
import { applyPatch, type PatchOp, type PatchResult } from "../scim/patch.js";
import { validateResource } from "../scim/validate.js";
import { describeWrite } from "../scim/changes.js";
import { productAfterWrite, type ProductUser } from "../product/identity.js";
import type { TenantSettings } from "../product/settings.js";
import { auditDoc, outboxDoc, type AuditDraft, type OutboxDoc } from "../store/audit-log.js";
import { strip, type DocWrite, type ResourceDoc, type ResourceWrite, type StoredProduct } from "../store/resources.js";
import { eventDoc, type EventDoc } from "../store/event-feed.js";
import { memberDoc, memberId } from "../store/memberships.js";
import type { RoleSource } from "../product/identity.js";
import type { GroupFacts } from "../product/groups.js";
import { adminRole } from "../product/settings.js";
import { computeRole, nextRole } from "../product/roles.js";
import { groupFacts, userProduct } from "./views.js";

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

/**
 * The product state a user's groups give it when no Admin rule is involved, undefined when it is
 * already right, or "careful" when the change demotes an Admin (the last-Admin rule counts the
 * Admins first, so recompute.ts decides those one user at a time).
 */
export function planRole(
  settings: TenantSettings,
  user: ResourceDoc,
  groups: GroupFacts[],
  now: Date,
): StoredProduct | undefined | "careful" {
  const current = userProduct(user, settings);
  const computed = computeRole(groups, settings);
  if (current.role === adminRole(settings) && computed.role !== current.role) return "careful";
  const next = nextRole(current, computed, settings, 1, now);
  if (next.role === current.role && JSON.stringify(next.source) === JSON.stringify(current.roleSource))
    return undefined;
  return { ...(user.product ?? current), role: next.role, roleSource: next.source };
}

/** What a membership change loaded for one chunk of the users it names (operations/memberships.ts). */
export interface MemberChunk {
  tenantId: string;
  group: ResourceDoc;
  side: "add" | "remove";
  userIds: string[];
  /** Which of `userIds` are members of the group now. */
  present: Set<string>;
  /** When the group maps roles: the chunk's users as read (before their groups), each with its other groups. */
  users?: { user: ResourceDoc; otherGroups: GroupFacts[] }[];
}

/** The writes of one chunk of a membership change, for one transactional batch. */
export interface MemberChunkPlan {
  writes: DocWrite[];
  /** The users whose membership the chunk changes. */
  changed: string[];
  /** Users the change would take the admin role from: the last-Admin rule decides those after the write. */
  careful: string[];
}

/** Users per chunk: every write of a chunk goes in one batch of at most 100 (a membership, its user and the user's role event each, plus one membership event). */
export const memberChunkSize = (mapsRoles: boolean) => (mapsRoles ? 33 : 99);

/**
 * One chunk of a membership change as one batch: the memberships that really change (created or
 * deleted, so a member already there or already gone is a no-op) and one `membership.added` /
 * `.removed` event naming exactly them; when the group maps roles, each named user's role from its
 * groups after the change, with its `role.changed` event, guarded by the user's ETag. A user whose
 * membership changes but whose role does not is written unchanged all the same: the write fails
 * if the user changed since it was read (another membership change rewrites the role), so a role
 * never rests on groups read before a concurrent change landed.
 */
export function planMemberChunk(
  chunk: MemberChunk,
  settings: TenantSettings,
  now: Date,
  actor: string,
): MemberChunkPlan {
  const { tenantId, group, side } = chunk;
  const time = now.toISOString();
  const changed = chunk.userIds.filter((id) => chunk.present.has(id) === (side === "remove"));
  const writes: DocWrite[] = changed.map((userId) =>
    side === "add" ? { create: memberDoc(tenantId, group.id, userId, time) } : { delete: memberId(group.id, userId) },
  );
  if (changed.length > 0) {
    const event = eventDoc({
      tenantId,
      type: side === "add" ? "membership.added" : "membership.removed",
      time,
      resourceType: "Group",
      resourceId: group.id,
      actor,
      data: { members: changed },
    });
    writes.push({ create: event });
  }
  const careful: string[] = [];
  const facts = groupFacts(group);
  for (const { user, otherGroups } of chunk.users ?? []) {
    const product = planRole(settings, user, side === "add" ? [...otherGroups, facts] : otherGroups, now);
    if (product === "careful") careful.push(user.id);
    else if (product) {
      writes.push({ replace: { ...user, product }, before: user });
      const event = roleEvent(tenantId, actor, now, user, product);
      if (event) writes.push({ create: event });
    } else if (changed.includes(user.id)) writes.push({ replace: user, before: user });
  }
  return { writes, changed, careful };
}
