import type { Services } from "../http/services.js";
import type { TenantSettings } from "../product/settings.js";
import { adminRole } from "../product/settings.js";
import type { GroupFacts, ProductUser } from "../product/provisioning.js";
import { computeRole, groupMatches, linkExternalId, newProductUser, nextRole } from "../product/provisioning.js";
import type { WireResource } from "../scim/resource.js";
import type { ResourceDoc } from "../store/resources.js";

/**
 * What follows from SCIM writes in the product: identity linking, and roles that follow group
 * membership (recomputed for the users a membership change names, never removing the last Admin).
 */

/** Who made a change, as the provisioning log names it: a SCIM token, or the admin CLI. */
export interface Actor {
  tokenName: string;
  tokenId: string;
}

export const groupFacts = (doc: ResourceDoc): GroupFacts => ({
  id: doc.id,
  displayName: typeof doc.resource.displayName === "string" ? doc.resource.displayName : undefined,
  externalId: typeof doc.resource.externalId === "string" ? doc.resource.externalId : undefined,
});

/** A user's product state, for users stored before it existed too. */
export const productOf = (doc: ResourceDoc, settings: TenantSettings): ProductUser =>
  doc.product ?? linkExternalId(newProductUser(settings), doc.resource.externalId);

/**
 * The product state a SCIM write of a User stores: a new or changed externalId (the Entra object
 * ID) links the user; a write that leaves externalId alone leaves the link alone, so an object ID
 * an admin set by hand stays until Entra sends one.
 */
export function linkedProduct(settings: TenantSettings) {
  return (resource: WireResource, current: ProductUser | undefined, before: WireResource | undefined) =>
    current && before?.externalId === resource.externalId ? current : linkExternalId(current ?? newProductUser(settings), resource.externalId);
}

export const mapsRoles = (settings: TenantSettings, group: GroupFacts) => settings.roleMappings.some((m) => groupMatches(m.group, group));

/** Whether a change of a group's name or externalId changes which role mappings match it. */
export function roleMatchChanged(settings: TenantSettings, before: GroupFacts, after: GroupFacts): boolean {
  return settings.roleMappings.some((m) => groupMatches(m.group, before) !== groupMatches(m.group, after));
}

async function logConflict(svc: Services, tenantId: string, settings: TenantSettings, now: Date, actor: Actor, userId: string, detail: string) {
  await svc.resources.recordAudit(
    tenantId,
    { ...actor, time: now.toISOString(), operation: "role-conflict", status: 409, ttlSeconds: settings.auditRetentionDays * 86400 },
    { resourceType: "User", resourceId: userId, changedAttributes: [], detail },
  );
}

const isActive = (doc: ResourceDoc) => doc.resource.active !== false;

/**
 * Recomputes users' roles from all their groups (leaving out `withoutGroup`, for a membership about
 * to be removed or a group about to be deleted: recomputing first means a retried request redoes it).
 * The last active Admin keeps the role; the conflict goes to the log.
 */
export async function recomputeRoles(
  svc: Services,
  tenantId: string,
  userIds: string[],
  now: Date,
  actor: Actor,
  options: { withoutGroup?: string } = {},
): Promise<void> {
  if (userIds.length === 0) return;
  const settings = await svc.settings.get(tenantId, now);
  const admin = adminRole(settings);
  for (const user of await svc.resources.getMany(tenantId, "User", userIds)) {
    const groupIds = (await svc.resources.groupsOf(tenantId, user.id)).filter((id) => id !== options.withoutGroup);
    const groups = (await svc.resources.getMany(tenantId, "Group", groupIds)).map(groupFacts);
    const current = productOf(user, settings);
    const computed = computeRole(groups, settings);
    const demotingAdmin = current.role === admin && computed.role !== admin;
    const otherAdmins = demotingAdmin && isActive(user) ? (await svc.resources.countRole(tenantId, admin, true)) - 1 : 1;
    let next = nextRole(current, computed, settings, otherAdmins, now);
    const write = async () => svc.resources.setProductFields(tenantId, user, { ...current, role: next.role, roleSource: next.source }, ["role", "roleSource"]);
    if (next.role === current.role && JSON.stringify(next.source) === JSON.stringify(current.roleSource)) continue;
    await write();
    if (demotingAdmin && !next.conflict && isActive(user) && (await svc.resources.countRole(tenantId, admin, true)) === 0) {
      // Another Admin was demoted at the same moment: restore this one rather than leave none.
      next = nextRole(current, computed, settings, 0, now);
      await write();
    }
    if (next.conflict) {
      const detail = `Kept role ${admin} for user ${String(user.resource.userName)}: its groups would make it ${computed.role}, but it is the last active ${admin} of the tenant.`;
      await logConflict(svc, tenantId, settings, now, actor, user.id, detail);
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
  if (productOf(before, settings).role !== admin || !isActive(before)) return;
  if ((await svc.resources.countRole(tenantId, admin, true)) > 0) return;
  const detail = `Provisioning ${change} user ${String(before.resource.userName)}, the last active ${admin} of the tenant; appoint another ${admin}.`;
  await logConflict(svc, tenantId, settings, now, actor, before.id, detail);
}

/**
 * A membership change and the roles that follow from it: removed members are recomputed without
 * the group before their memberships go, added members after theirs exist, always for every user
 * the request names (not only those whose membership changed), so a retried request completes them.
 */
export async function changeMembership(
  svc: Services,
  tenantId: string,
  group: ResourceDoc,
  change: { add: string[]; remove: string[] } | { replace: string[] },
  now: Date,
  actor: Actor,
): Promise<{ added: number; removed: number }> {
  const settings = await svc.settings.get(tenantId, now);
  const mapped = mapsRoles(settings, groupFacts(group));
  const plan = await svc.resources.planMembers(tenantId, group.id, change);
  if (mapped) await recomputeRoles(svc, tenantId, plan.remove, now, actor, { withoutGroup: group.id });
  const result = await svc.resources.applyMembers(tenantId, group.id, plan, now);
  if (mapped) await recomputeRoles(svc, tenantId, plan.add, now, actor);
  return result;
}
