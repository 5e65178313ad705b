import type { ResourceDoc } from "../store/resources.js";
import type { TenantSettings } from "../product/settings.js";
import { memberId } from "../store/memberships.js";
import { NotFoundError } from "../store/errors.js";
import { actorFields, type OperationContext } from "./context.js";
import { recomputeRoles } from "./roles.js";
import { mapsRoles } from "../product/roles.js";
import { groupFacts } from "./views.js";
import { tenantSettings } from "./settings.js";

export type MemberChange = { add: string[]; remove: string[] } | { replace: string[] };

/** Which members a change adds and removes (a replace reads the current members once). */
async function planMembers(
  ctx: OperationContext,
  groupId: string,
  change: MemberChange,
): Promise<{ add: string[]; remove: string[] }> {
  if ("replace" in change) {
    const current = new Set((await ctx.services.memberships.membersOf(ctx.tenantId, [groupId])).get(groupId));
    const wanted = new Set(change.replace);
    return { add: [...wanted].filter((id) => !current.has(id)), remove: [...current].filter((id) => !wanted.has(id)) };
  }
  const add = [...new Set(change.add)];
  return { add, remove: [...new Set(change.remove)].filter((id) => !add.includes(id)) };
}

/**
 * A membership change and the roles that follow from it: removed members are recomputed without
 * the group before their memberships go, added members after theirs exist, always for every user
 * the request names (not only those whose membership changed), so a retried request completes
 * them. Afterwards it checks that the group and the added users still exist, and takes back
 * memberships a concurrent delete missed.
 *
 * The settings are read fresh twice, both on purpose: once before the write (the decisions it
 * makes, passed down to the recomputation rather than read again; `loaded`: the caller read them
 * fresh when it loaded the group) and once after it (the guard below). Returns the settings read
 * last, for the operation's log event.
 */
export async function changeMembership(
  ctx: OperationContext,
  group: ResourceDoc,
  change: MemberChange,
  loaded?: TenantSettings,
): Promise<{ added: number; removed: number; settings: TenantSettings }> {
  const { resources, memberships } = ctx.services;
  const plan = await planMembers(ctx, group.id, change);
  const settings = loaded ?? (await tenantSettings(ctx, { fresh: true }));
  const mapped = mapsRoles(settings, groupFacts(group));
  if (mapped) await recomputeRoles(ctx, plan.remove, { withoutGroup: group.id, settings });
  const result = await memberships.apply(ctx.tenantId, group.id, plan, ctx.now, actorFields(ctx.actor).tokenName);
  if (plan.add.length > 0) {
    const found = await resources.readMany(ctx.tenantId, [group.id, ...plan.add]);
    const stillThere = found.get(group.id)?.kind === "Group";
    const gone = stillThere ? plan.add.filter((id) => found.get(id)?.kind !== "User") : plan.add;
    await memberships.removeDocs(
      ctx.tenantId,
      gone.map((userId) => memberId(group.id, userId)),
    );
    if (!stillThere) throw new NotFoundError(`Group ${group.id} (deleted while its members were being changed)`);
  }
  // A role mapping saved while this change ran (after `mapped` was read, its own recompute reading
  // the members before these were written) is seen here: the settings are read again after the
  // write, and every user the request names is recomputed under them. Idempotent either way.
  const latest = await tenantSettings(ctx, { fresh: true });
  const mappedNow = mapsRoles(latest, groupFacts(group));
  if (mapped || mappedNow)
    await recomputeRoles(ctx, mappedNow && !mapped ? [...plan.add, ...plan.remove] : plan.add, { settings: latest });
  return { ...result, settings: latest };
}
