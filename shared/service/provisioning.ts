import type { Services } from "../http/services.js";
import type { TenantSettings } from "../product/settings.js";
import { adminRole, roleRank } from "../product/settings.js";
import type { GroupFacts, ProductUser } from "../product/provisioning.js";
import { computeRole, groupMatches, linkExternalId, newProductUser, nextRole } from "../product/provisioning.js";
import type { WireResource } from "../scim/resource.js";
import type { ResourceDoc } from "../store/resources.js";

/** Who made a change, as the provisioning log names it: a SCIM token, or the admin CLI. */
export interface Actor {
  tokenName: string;
  tokenId: string;
}

/**
 * Roles follow group membership: after every membership change, the affected users' roles are
 * recomputed (only when the group takes part in a role mapping), and the last Admin is never removed.
 */

export const groupFacts = (doc: ResourceDoc): GroupFacts => ({
  id: doc.id,
  displayName: typeof doc.resource.displayName === "string" ? doc.resource.displayName : undefined,
  externalId: typeof doc.resource.externalId === "string" ? doc.resource.externalId : undefined,
});

/** A user's product state, for users stored before it existed too. */
export const productOf = (doc: ResourceDoc, settings: TenantSettings): ProductUser =>
  doc.product ?? linkExternalId(newProductUser(settings), doc.resource.externalId);

/** The product state a SCIM write of a User stores: identity linking from externalId. */
export function linkedProduct(settings: TenantSettings) {
  return (resource: WireResource, current: ProductUser | undefined) =>
    linkExternalId(current ?? newProductUser(settings), resource.externalId);
}

export const mapsRoles = (settings: TenantSettings, group: GroupFacts) => settings.roleMappings.some((m) => groupMatches(m.group, group));

/** Recomputes users' roles from all their groups; keeps the last Admin and logs the conflict. */
export async function recomputeRoles(
  svc: Services,
  tenantId: string,
  userIds: string[],
  now: Date,
  actor: Actor,
): Promise<void> {
  if (userIds.length === 0) return;
  const settings = await svc.settings.get(tenantId, now);
  const users = await svc.resources.getMany(tenantId, "User", userIds);
  for (const user of users) {
    const groupIds = await svc.resources.groupsOf(tenantId, user.id);
    const groups = (await svc.resources.getMany(tenantId, "Group", groupIds)).map(groupFacts);
    const current = productOf(user, settings);
    const computed = computeRole(groups, settings);
    if (computed.role === current.role && JSON.stringify(computed.source) === JSON.stringify(current.roleSource)) continue;
    const admin = adminRole(settings);
    const demotingAdmin = current.role === admin && computed.role !== admin;
    const otherAdmins = demotingAdmin ? (await svc.resources.countRole(tenantId, admin)) - 1 : 1;
    let next = nextRole(current, computed, settings, otherAdmins, now);
    if (next.role === current.role && JSON.stringify(next.source) === JSON.stringify(current.roleSource)) continue;
    await svc.resources.setProduct(tenantId, user.id, { ...current, role: next.role, roleSource: next.source });
    if (demotingAdmin && !next.conflict && (await svc.resources.countRole(tenantId, admin)) === 0) {
      // Another admin was demoted at the same moment: restore this one rather than leave none.
      next = nextRole(current, computed, settings, 0, now);
      await svc.resources.setProduct(tenantId, user.id, { ...current, role: next.role, roleSource: next.source });
    }
    if (next.conflict) {
      await svc.resources.recordAudit(
        tenantId,
        {
          ...actor,
          time: now.toISOString(),
          operation: "role-conflict",
          status: 409,
          ttlSeconds: settings.auditRetentionDays * 86400,
        },
        {
          resourceType: "User",
          resourceId: user.id,
          changedAttributes: [],
          detail: `Kept role ${admin} for user ${String(user.resource.userName)}: its groups would make it ${computed.role}, but it is the last ${admin} of the tenant.`,
        },
      );
    }
  }
}

/**
 * Entra may disconnect or delete the tenant's last active Admin (the person left); provisioning
 * carries that out, since Entra is the source of truth, and flags it in the log so an admin of
 * the product can appoint another.
 */
export async function flagLastAdmin(
  svc: Services,
  tenantId: string,
  before: ResourceDoc,
  change: "disconnected" | "deleted",
  now: Date,
  actor: Actor,
): Promise<void> {
  const settings = await svc.settings.get(tenantId, now);
  const admin = adminRole(settings);
  if (productOf(before, settings).role !== admin || before.resource.active === false) return;
  if ((await svc.resources.countRole(tenantId, admin, true)) > 0) return;
  await svc.resources.recordAudit(
    tenantId,
    { ...actor, time: now.toISOString(), operation: "role-conflict", status: 409, ttlSeconds: settings.auditRetentionDays * 86400 },
    {
      resourceType: "User",
      resourceId: before.id,
      changedAttributes: [],
      detail: `Provisioning ${change} user ${String(before.resource.userName)}, the last active ${admin} of the tenant; appoint another ${admin}.`,
    },
  );
}

/**
 * After members of a group were added or removed: an added member can only gain the group's mapped
 * role; a removed one may lose it, so it is recomputed from all its groups.
 */
export async function afterMembershipChange(
  svc: Services,
  tenantId: string,
  group: GroupFacts,
  change: { added: string[]; removed: string[] },
  now: Date,
  actor: Actor,
): Promise<void> {
  const settings = await svc.settings.get(tenantId, now);
  if (!mapsRoles(settings, group)) return;
  const users = await svc.resources.getMany(tenantId, "User", change.added);
  for (const user of users) {
    const current = productOf(user, settings);
    const gained = computeRole([group], settings);
    if (roleRank(settings, gained.role) > roleRank(settings, current.role)) {
      await svc.resources.setProduct(tenantId, user.id, { ...current, role: gained.role, roleSource: gained.source });
    }
  }
  await recomputeRoles(svc, tenantId, change.removed, now, actor);
}

/** Whether a change of a group's name or externalId changes which role mappings match it. */
export function roleMatchChanged(settings: TenantSettings, before: GroupFacts, after: GroupFacts): boolean {
  return settings.roleMappings.some((m) => groupMatches(m.group, before) !== groupMatches(m.group, after));
}
