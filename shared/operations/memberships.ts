import type { ResourceDoc } from "../store/resources.js";
import type { TenantSettings } from "../product/settings.js";
import { memberId } from "../store/memberships.js";
import { NotFoundError } from "../store/errors.js";
import { actorFields, type OperationContext } from "./context.js";
import { recomputeRoles } from "./roles.js";
import { mapsRoles } from "../product/roles.js";
import { groupFacts } from "./views.js";
import { tenantSettings } from "./settings.js";
import { memberChunkSize, planMemberChunk, type MemberChunk } from "./plans.js";
import { withRetry } from "./retry.js";

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
 * Loads one chunk of a membership change: which of its users are members now and, when the group
 * maps roles, the users (read before their groups, so a membership change landing in between
 * makes the ETag-guarded write fail rather than rest on groups read too early) and their other
 * groups. `optimistic`: the first attempt assumes every membership needs the change (the usual
 * case, one round trip less); a member already there or already gone fails the batch, and the
 * next attempt reads which ones really are.
 */
async function loadChunk(
  ctx: OperationContext,
  group: ResourceDoc,
  side: "add" | "remove",
  userIds: string[],
  mapped: boolean,
  optimistic: boolean,
): Promise<MemberChunk> {
  const { resources, memberships } = ctx.services;
  const present = optimistic
    ? new Set(side === "remove" ? userIds : [])
    : await memberships.present(ctx.tenantId, group.id, userIds);
  const chunk: MemberChunk = { tenantId: ctx.tenantId, group, side, userIds, present };
  if (!mapped) return chunk;
  const users = await resources.getMany(ctx.tenantId, "User", userIds);
  const groupsOf = await memberships.groupsOfUsers(
    ctx.tenantId,
    users.map((u) => u.id),
  );
  const others = (id: string) => (groupsOf.get(id) ?? []).filter((g) => g !== group.id);
  const groups = new Map(
    (await resources.getMany(ctx.tenantId, "Group", [...new Set(users.flatMap((u) => others(u.id)))])).map((g) => [
      g.id,
      groupFacts(g),
    ]),
  );
  chunk.users = users.map((user) => ({
    user,
    otherGroups: others(user.id).flatMap((id) => groups.get(id) ?? []),
  }));
  return chunk;
}

/**
 * A membership change and the roles that follow from it, load → plan → write per chunk of users:
 * each chunk's memberships, their event, and (when the group maps roles) the named users' new
 * roles with their events land in one transactional batch (plans.ts planMemberChunk), so a
 * membership never lands without its role or its event; a concurrent change of one of them
 * reruns the chunk (retry.ts). Every user the request names gets its role checked, not only those
 * whose membership changed, so a retried request completes what a lost one began. A user the
 * change would take the admin role from is decided afterwards, one at a time (the last-Admin
 * rule). Afterwards it checks that the group and the added users still exist, takes back
 * memberships a concurrent delete missed, and recomputes the added users when the group went or
 * got another object ID meanwhile (their roles rested on the group as loaded).
 *
 * The settings are read fresh twice, both on purpose: before the write (`loaded`: the caller read
 * them fresh when it loaded the group) and after it, the guard against a role mapping saved while
 * the change ran (its own recompute may have read the members before these were written): if they
 * changed, every user the request names is recomputed under the new ones. Returns the settings
 * read last, for the operation's log event.
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
  const actor = actorFields(ctx.actor).tokenName;
  const counts = { add: 0, remove: 0 };
  const careful: string[] = [];
  const size = memberChunkSize(mapped);
  for (const side of ["add", "remove"] as const) {
    for (let i = 0; i < plan[side].length; i += size) {
      const userIds = plan[side].slice(i, i + size);
      let attempt = 0;
      const written = await withRetry(
        `changing the members of Group ${group.id}`,
        () => loadChunk(ctx, group, side, userIds, mapped, ++attempt === 1),
        (chunk) => planMemberChunk(chunk, settings, ctx.now, actor),
        async (chunkPlan) => {
          await resources.writeBatch(ctx.tenantId, chunkPlan.writes);
          return chunkPlan;
        },
      );
      counts[side] += written.changed.length;
      careful.push(...written.careful);
    }
  }
  if (careful.length > 0) await recomputeRoles(ctx, careful, { settings });
  const latest = await tenantSettings(ctx, { fresh: true });
  const mappedNow = mapsRoles(latest, groupFacts(group));
  const again = new Set<string>();
  if ((mapped || mappedNow) && JSON.stringify(latest) !== JSON.stringify(settings))
    for (const id of [...plan.add, ...plan.remove]) again.add(id);
  let deleted = false;
  if (plan.add.length > 0) {
    const found = await resources.readMany(ctx.tenantId, [group.id, ...plan.add]);
    const there = found.get(group.id);
    const current = there?.kind === "Group" ? there : undefined;
    deleted = current === undefined;
    const gone = deleted ? plan.add : plan.add.filter((id) => found.get(id)?.kind !== "User");
    await memberships.removeDocs(
      ctx.tenantId,
      gone.map((userId) => memberId(group.id, userId)),
    );
    // The group went (its delete read the members before these landed) or got another object ID
    // while this ran: the roles written for the added users rested on the group as loaded.
    const moved = !current || groupFacts(current).externalId !== groupFacts(group).externalId;
    if (moved && (mapped || mappedNow || (current !== undefined && mapsRoles(latest, groupFacts(current)))))
      for (const id of plan.add) again.add(id);
  }
  if (again.size > 0) await recomputeRoles(ctx, [...again], { settings: latest });
  if (deleted) throw new NotFoundError(`Group ${group.id} (deleted while its members were being changed)`);
  return { added: counts.add, removed: counts.remove, settings: latest };
}
