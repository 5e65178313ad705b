import { adminRole, type TenantSettings } from "../product/settings.js";
import { StaleWriteError, type ResourceDoc, type StoredProduct } from "../store/resources.js";
import { PreconditionFailedError } from "../store/errors.js";
import type { GroupFacts } from "../product/groups.js";
import { computeRole, nextRole } from "../product/roles.js";
import { actorFields, type OperationContext } from "./context.js";
import { planRole, roleEvent } from "./plans.js";
import { withRetry } from "./retry.js";
import type { EventDoc } from "../store/event-feed.js";
import { AuditTrail } from "./audit-trail.js";
import { tenantSettings } from "./settings.js";
import { groupFacts, isActive, userProduct } from "./views.js";

/**
 * The role recomputation of users from their groups, shared by membership changes, mapping
 * changes (roles.ts) and background job steps (jobs.ts).
 */

/** A role rule provisioning could not carry out, in the provisioning log (status 409). */
export const logConflict = (ctx: OperationContext, userId: string, detail: string) =>
  new AuditTrail(ctx, "role-conflict", "User", userId).finish(409, detail);

/** Writes the role a user's groups give it (the last active Admin keeps the role; the conflict is logged). */
async function applyRole(
  ctx: OperationContext,
  settings: TenantSettings,
  user: ResourceDoc,
  groups: GroupFacts[],
): Promise<void> {
  const { resources } = ctx.services;
  const admin = adminRole(settings);
  const current = userProduct(user, settings);
  const computed = computeRole(groups, settings);
  const demotingAdmin = current.role === admin && computed.role !== admin;
  const otherAdmins = demotingAdmin && isActive(user) ? (await resources.countRole(ctx.tenantId, admin, true)) - 1 : 1;
  let next = nextRole(current, computed, settings, otherAdmins, ctx.now);
  if (next.role === current.role && JSON.stringify(next.source) === JSON.stringify(current.roleSource)) return;
  const fields = () =>
    user.product
      ? { role: next.role, roleSource: next.source }
      : { ...current, role: next.role, roleSource: next.source };
  await resources.setProductFields(ctx.tenantId, user, fields(), {
    ifMatch: true,
    event: roleEvent(ctx.tenantId, actorFields(ctx.actor).tokenName, ctx.now, user, fields()),
  });
  if (
    demotingAdmin &&
    !next.conflict &&
    isActive(user) &&
    (await resources.countRole(ctx.tenantId, admin, true)) === 0
  ) {
    // Another Admin was demoted at the same moment: restore this one rather than leave none.
    next = nextRole(current, computed, settings, 0, ctx.now);
    await resources.setProductFields(ctx.tenantId, user, fields(), {
      event: roleEvent(ctx.tenantId, actorFields(ctx.actor).tokenName, ctx.now, user, fields()),
    });
  }
  if (next.conflict) {
    const detail = `Kept role ${admin} for user ${String(user.resource.userName)}: its groups would make it ${computed.role}, but it is the last active ${admin} of the tenant.`;
    await logConflict(ctx, user.id, detail);
  }
}

/**
 * Recomputes users' roles from all their groups (leaving out `withoutGroup`, for a membership about
 * to be removed or a group about to be deleted: recomputing first means a retried request redoes it).
 * The last active Admin keeps the role; the conflict goes to the log. Reads the settings fresh:
 * a mapping changed a moment ago must not leave a user with the old mapping's role. A caller that
 * has just read them fresh (with no store write in between) passes them as `settings` instead of
 * having them read a second time.
 *
 * A job step passes a reader of all its users' groups (`groupsOf`, one query, run after the users
 * are read): their group documents are read once, and the roles that change without an Admin
 * rule are written in bulk, each guarded by the user's ETag (a few store calls for a step of
 * hundreds of users).
 */
export async function recomputeRoles(
  ctx: OperationContext,
  userIds: string[],
  options: { withoutGroup?: string; groupsOf?: () => Promise<Map<string, string[]>>; settings?: TenantSettings } = {},
): Promise<TenantSettings | undefined> {
  if (userIds.length === 0) return undefined;
  const { resources } = ctx.services;
  const settings = options.settings ?? (await tenantSettings(ctx, { fresh: true }));
  // The users are read before their groups: a membership change after this read also rewrites the
  // user (its role), so the ETag-guarded write below fails rather than apply groups read too early.
  const users = await resources.getMany(ctx.tenantId, "User", userIds);
  if (!options.groupsOf) {
    for (const user of users) await recomputeOne(ctx, settings, user, options.withoutGroup);
    return settings;
  }
  const groupsOf = await options.groupsOf();
  const known = new Map(
    (await resources.getMany(ctx.tenantId, "Group", [...new Set([...groupsOf.values()].flat())])).map((g) => [g.id, g]),
  );
  const groupsOfUser = (user: ResourceDoc) =>
    (groupsOf.get(user.id) ?? [])
      .filter((id) => id !== options.withoutGroup)
      .map((id) => known.get(id))
      .filter((g): g is ResourceDoc => g !== undefined)
      .map(groupFacts);
  const careful: ResourceDoc[] = [];
  const writes: { user: ResourceDoc; product: StoredProduct; event?: EventDoc }[] = [];
  const actor = actorFields(ctx.actor).tokenName;
  for (const user of users) {
    const plan = planRole(settings, user, groupsOfUser(user), ctx.now);
    if (plan === "careful") careful.push(user);
    else if (plan) writes.push({ user, product: plan, event: roleEvent(ctx.tenantId, actor, ctx.now, user, plan) });
  }
  const changed = writes.length ? await resources.setProductMany(ctx.tenantId, writes) : [];
  for (const user of careful) await recomputeOne(ctx, settings, user, options.withoutGroup, groupsOfUser(user));
  // Changed since they were read (another request, or this write landing before a lost reply): read again.
  for (const id of changed) {
    const user = await resources.get(ctx.tenantId, "User", id);
    if (user) await recomputeOne(ctx, settings, user, options.withoutGroup);
  }
  return settings;
}

/**
 * One user's role, load → plan → write: the role is written only if the user is unchanged since
 * it was read, so a concurrent recompute that saw other groups makes this one read the user and
 * its groups again (retry.ts, up to 5 times). `groups`: the user's groups when the caller has read
 * them already (the first attempt uses them).
 */
async function recomputeOne(
  ctx: OperationContext,
  settings: TenantSettings,
  first: ResourceDoc,
  withoutGroup?: string,
  groups?: GroupFacts[],
): Promise<void> {
  const { resources, memberships } = ctx.services;
  const groupsOf = async (userId: string) =>
    (
      await resources.getMany(
        ctx.tenantId,
        "Group",
        (await memberships.groupsOf(ctx.tenantId, userId)).filter((id) => id !== withoutGroup),
      )
    ).map(groupFacts);
  await withRetry(
    `recomputing the role of User ${first.id}`,
    async () => {
      const user = await resources.get(ctx.tenantId, "User", first.id);
      return user && { user, groups: await groupsOf(user.id) };
    },
    (loaded) => loaded,
    async (loaded) => {
      if (!loaded) return;
      try {
        await applyRole(ctx, settings, loaded.user, loaded.groups);
      } catch (error) {
        throw error instanceof PreconditionFailedError ? new StaleWriteError(`User ${loaded.user.id}`) : error;
      }
    },
    { user: first, groups: groups ?? (await groupsOf(first.id)) },
    5,
  );
}
