import {
  bindLegacy,
  bindPendingTo,
  boundsProblem,
  legacySelectors,
  pendingMatches,
  refKey,
  refMatches,
  withDefaults,
  type GroupRef,
  type TenantSettings,
} from "../product/settings.js";
import type { ResourceDoc } from "../store/resources.js";
import type { StoredSettings } from "../store/settings.js";
import { withRetry } from "./retry.js";
import type { OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { groupFacts } from "./views.js";
import type { MappedGroup } from "../contracts/admin-api.js";

/**
 * The tenant's settings with defaults filled in (cached for at most 5 s unless `fresh`). Mappings
 * stored by an older version (keyed by a group's name) are bound to their groups first, once.
 */
export async function tenantSettings(
  ctx: OperationContext,
  options: { fresh?: boolean } = {},
): Promise<TenantSettings> {
  const stored = await ctx.services.settings.get(ctx.tenantId, ctx.now, options);
  if (legacySelectors(stored).length > 0) return migrateMappings(ctx);
  return withDefaults(stored as Partial<TenantSettings>);
}

/**
 * Binds each old name-keyed mapping to the groups its string names now (by id, displayName or
 * object ID, as the old matching did), so every member keeps its role and team; a name no group
 * has becomes pending. Concurrent readers may both do it: the result is the same.
 */
async function migrateMappings(ctx: OperationContext): Promise<TenantSettings> {
  const stored = await ctx.services.settings.get(ctx.tenantId, ctx.now, { fresh: true });
  const resolved = new Map<string, { id: string; externalId?: string }[]>();
  for (const selector of legacySelectors(stored))
    resolved.set(selector, (await groupsNamed(ctx, selector)).map(groupFacts));
  const roles = withDefaults(stored as Partial<TenantSettings>).roles;
  return withDefaults(await writeSettings(ctx, (current) => bindLegacy(current, resolved, roles)));
}

/**
 * Load → plan → write of the settings document: `plan` makes the next settings from the stored
 * ones (pure), the write lands only if nobody changed them meanwhile, and a lost race plans again
 * on the fresh document (retry.ts).
 */
async function writeSettings(
  ctx: OperationContext,
  plan: (stored: StoredSettings) => StoredSettings,
): Promise<Partial<TenantSettings>> {
  const { settings } = ctx.services;
  return withRetry(
    `updating the settings of tenant ${ctx.tenantId}`,
    () => settings.load(ctx.tenantId),
    (loaded) => plan(loaded.settings),
    async (next, loaded) => {
      await settings.write(ctx.tenantId, next, loaded.version);
      return next as Partial<TenantSettings>;
    },
  );
}

/** Read-modify-write of the tenant's settings; returns the new settings. 400 when the change would exceed the bounds (product/settings.ts LIMITS). */
export async function updateSettings(
  ctx: OperationContext,
  change: (current: TenantSettings) => TenantSettings,
): Promise<TenantSettings> {
  await tenantSettings(ctx);
  return withDefaults(
    await writeSettings(ctx, (stored) => {
      const next = change(withDefaults(stored as Partial<TenantSettings>));
      const problem = boundsProblem(next);
      if (problem) throw new OperationError(400, problem.detail, problem.field);
      return { ...next };
    }),
  );
}

/** Existing groups a selector names: by id, displayName (the store compares as it indexes) or externalId (object ID). */
export async function groupsNamed(ctx: OperationContext, selector: string): Promise<ResourceDoc[]> {
  const { resources } = ctx.services;
  const byExternalId = await resources.query(ctx.tenantId, "Group", {
    filter: { kind: "compare", attrPath: "externalId", op: "eq", value: selector },
    startIndex: 1,
    count: 50,
  });
  const found = [
    await resources.get(ctx.tenantId, "Group", selector),
    await resources.findBy(ctx.tenantId, "Group", "displayName", selector),
    ...byExternalId.docs,
  ].filter((g): g is ResourceDoc => g !== undefined);
  return [...new Map(found.map((g) => [g.id, g])).values()];
}

/**
 * A group was created: mappings made by its name or object ID before it existed (pending) now
 * name it by id. Called after the group is written and before its members' roles are computed;
 * a mapping saved at the same moment checks for the group after its own write (roles.ts), so one
 * of the two binds it. Returns the mappings it bound (none: nothing was waiting for this group).
 */
export async function bindPending(
  ctx: OperationContext,
  group: ResourceDoc,
): Promise<{ roles: string[]; teams: string[] }> {
  const facts = groupFacts(group);
  const waiting = (s: TenantSettings) => ({
    roles: s.roleMappings.filter((m) => pendingMatches(m.group, facts)).map((m) => m.role),
    teams: s.teamMappings
      .filter((m) => pendingMatches(m.group, facts))
      .map((m) => s.teams.find((t) => t.id === m.team)?.name ?? m.team),
  });
  const seen = waiting(await tenantSettings(ctx, { fresh: true }));
  if (seen.roles.length + seen.teams.length === 0) return seen;
  let bound = seen;
  await updateSettings(ctx, (current) => {
    bound = waiting(current);
    return bound.roles.length + bound.teams.length ? bindPendingTo(current, facts) : current;
  });
  return bound;
}

/** A mapping's group as the portal and CLI show it: its current name and member count; `group` is what names it back (its id, or the pending name). */
export type MappedGroupView = MappedGroup;

/** The current groups of mappings (a deleted group's: null name; a re-provisioned group is found by its object ID). */
export async function mappedGroups(ctx: OperationContext, refs: GroupRef[]): Promise<Map<string, MappedGroupView>> {
  const { resources, memberships } = ctx.services;
  const bound = refs.filter((r): r is Extract<GroupRef, { id: string }> => "id" in r);
  const found = new Map(
    (await resources.getMany(ctx.tenantId, "Group", [...new Set(bound.map((r) => r.id))])).map((g) => [g.id, g]),
  );
  const docOf = new Map<string, ResourceDoc | undefined>();
  for (const ref of bound) {
    let doc = found.get(ref.id);
    if (!doc && ref.externalId)
      doc = (await groupsNamed(ctx, ref.externalId)).find((g) => refMatches(ref, groupFacts(g)));
    docOf.set(refKey(ref), doc);
  }
  const docs = [...docOf.values()].filter((d): d is ResourceDoc => d !== undefined);
  const members = await memberships.membersOf(
    ctx.tenantId,
    docs.map((d) => d.id),
  );
  const out = new Map<string, MappedGroupView>();
  for (const ref of refs) {
    if ("pending" in ref) {
      out.set(refKey(ref), { group: ref.pending, groupId: null, groupName: null, members: null, pending: true });
      continue;
    }
    const doc = docOf.get(refKey(ref));
    out.set(refKey(ref), {
      group: doc?.id ?? ref.id,
      groupId: doc?.id ?? null,
      groupName: doc ? String(doc.resource.displayName ?? doc.id) : null,
      members: doc ? (members.get(doc.id)?.length ?? 0) : null,
      pending: false,
    });
  }
  return out;
}

/** How a mapping's group reads in a sentence: its current name, or what it waits for. */
export const groupLabel = (view: MappedGroupView | undefined, ref: GroupRef): string =>
  view?.groupName ?? ("pending" in ref ? `"${ref.pending}" (not provisioned yet)` : `${ref.id} (deleted)`);

/**
 * Which of `refs` a selector (a group's id, current displayName or object ID, or a pending name)
 * names: how unmap and the portal name an existing mapping.
 */
export async function refsNamed<R extends { group: GroupRef }>(
  ctx: OperationContext,
  mappings: R[],
  selector: string,
): Promise<R[]> {
  const groups = (await groupsNamed(ctx, selector)).map(groupFacts);
  return mappings.filter((m) => {
    const ref = m.group;
    if ("pending" in ref) return ref.pending.toLowerCase() === selector.toLowerCase();
    return ref.id === selector || ref.externalId === selector || groups.some((g) => refMatches(ref, g));
  });
}

/**
 * A write to a group that had a pending mapping's name or object ID already before the write binds
 * it too: its create did not (the create's reply was lost or a store call failed after the group
 * landed, and Entra went on with the existing group). A group renamed *to* that name does not
 * bind it (renames never change a role). Reads the cached settings: nothing extra in the common case.
 */
export async function bindPendingLate(
  ctx: OperationContext,
  before: ResourceDoc,
): Promise<{ roles: string[]; teams: string[] }> {
  const facts = groupFacts(before);
  const s = await tenantSettings(ctx);
  if (![...s.roleMappings, ...s.teamMappings].some((m) => pendingMatches(m.group, facts)))
    return { roles: [], teams: [] };
  return bindPending(ctx, before);
}
