import {
  LIMITS,
  adminRole,
  canonicalRole,
  refKey,
  type GroupRef,
  type RoleMapping,
  type TenantSettings,
} from "../product/settings.js";
import { computeRole, nextRole, type RoleSource } from "../product/roles.js";
import type { ResourceDoc } from "../store/resources.js";
import type { JobDoc } from "../store/jobs.js";
import { newJob, startJob } from "./jobs.js";
import type { OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { AuditTrail, logged } from "./audit-trail.js";
import { logConflict, recomputeRoles } from "./recompute.js";
import {
  bindPending,
  bindPendingLate,
  groupLabel,
  groupsNamed,
  mappedGroups,
  refsNamed,
  tenantSettings,
  updateSettings,
} from "./settings.js";
import { groupFacts, isActive, userProduct } from "./views.js";
import type { RoleList, RoleMapped, RoleUnmapped } from "../contracts/admin-api.js";

export { recomputeRoles };

/**
 * Entra may disconnect or delete the tenant's last active Admin (the person left); provisioning
 * carries that out, since Entra is the source of truth, and flags it in the log so an admin of
 * the product can appoint another.
 */
export async function flagLastAdmin(
  ctx: OperationContext,
  before: ResourceDoc,
  change: "disconnected" | "deleted",
): Promise<void> {
  const settings = await tenantSettings(ctx);
  const admin = adminRole(settings);
  if (userProduct(before, settings).role !== admin || !isActive(before)) return;
  if ((await ctx.services.resources.countRole(ctx.tenantId, admin, true)) > 0) return;
  const detail = `Provisioning ${change} user ${String(before.resource.userName)}, the last active ${admin} of the tenant; appoint another ${admin}.`;
  await logConflict(ctx, before.id, detail);
}

/**
 * Recomputes the roles of a group's members, inside the request when it has at most
 * `jobs.inlineMembers` members (one bounded query tells), otherwise in a background job
 * (operations/jobs.ts). Returns the members recomputed inline, or the job.
 */
export async function recomputeGroup(
  ctx: OperationContext,
  group: ResourceDoc,
  reason: string,
): Promise<{ recomputed: number; job?: JobDoc }> {
  const limit = ctx.services.config.jobs.inlineMembers;
  const probe = await ctx.services.jobs.memberPage(ctx.tenantId, group.id, undefined, limit + 1);
  if (probe.length <= limit) {
    await recomputeRoles(
      ctx,
      probe.map((m) => m.userId),
    );
    return { recomputed: probe.length };
  }
  return { recomputed: 0, job: await startJob(ctx, newJob(ctx, "recompute-roles", group, reason, true)) };
}

type Recomputed = { recomputedUsers: number; jobs: { id: string; groupId: string }[] };

/** Recomputes the members of groups after a mapping changed: small groups at once, large ones by a job. */
async function recomputeGroups(ctx: OperationContext, groups: ResourceDoc[], reason: string): Promise<Recomputed> {
  const out: Recomputed = { recomputedUsers: 0, jobs: [] };
  for (const group of groups) {
    const { recomputed, job } = await recomputeGroup(ctx, group, reason);
    out.recomputedUsers += recomputed;
    if (job) out.jobs.push({ id: job.id, groupId: group.id });
  }
  return out;
}

/** A group selector from a person: trimmed, not empty, not longer than a group name can be. */
export function groupSelector(group: unknown): string {
  if (typeof group !== "string" || group.trim() === "")
    throw new OperationError(
      400,
      "group is required: a group's id, displayName or Entra object ID (externalId)",
      "group",
    );
  const trimmed = group.trim();
  if (trimmed.length > LIMITS.groupName)
    throw new OperationError(
      400,
      `group is at most ${LIMITS.groupName} characters (Entra's limit for a group name); got ${trimmed.length}`,
      "group",
    );
  return trimmed;
}

/** The `pending` flag of a request: absent (false) or a boolean; 400 otherwise. */
export function pendingFlag(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean")
    throw new OperationError(400, `pending must be true or false (got ${JSON.stringify(value)})`, "pending");
  return value;
}

/**
 * The group a new mapping names: exactly one provisioned group (by id, displayName or object ID),
 * bound by its id and object ID; or, with `pending`, a name or object ID no group has yet, bound
 * when a group is created with it. 404 for a name no group has without `pending` (a misspelling
 * must not pass silently); 409 for a selector that names several groups.
 */
export async function mappingTarget(
  ctx: OperationContext,
  selector: string,
  pending = false,
): Promise<{ ref: GroupRef; group?: ResourceDoc }> {
  const groups = await groupsNamed(ctx, selector);
  if (groups.length > 1) {
    const names = groups.map((g) => `${String(g.resource.displayName)} (${g.id})`).join(", ");
    throw new OperationError(
      409,
      `"${selector}" names ${groups.length} groups: ${names}. Map one of them by its id.`,
      "group",
    );
  }
  const group = groups[0];
  if (group) {
    const facts = groupFacts(group);
    return { ref: facts.externalId ? { id: group.id, externalId: facts.externalId } : { id: group.id }, group };
  }
  if (!pending)
    throw new OperationError(
      404,
      `No provisioned group has the id, displayName or Entra object ID "${selector}". Check the spelling against the provisioned groups (Teams and roles, or GET /api/admin/groups); to map a group Entra has not provisioned yet, say so with pending: true (CLI: --pending), and the mapping binds to the group created with that name or object ID.`,
      "group",
    );
  return { ref: { pending: selector } };
}

/**
 * Binds the pending mappings a group is the one for (`late`: at a write after its create, see
 * bindPendingLate), with an event in the provisioning log. Returns whether any was bound.
 */
export async function bindArrivedGroup(ctx: OperationContext, group: ResourceDoc, late = false): Promise<boolean> {
  const bound = await (late ? bindPendingLate(ctx, group) : bindPending(ctx, group));
  if (bound.roles.length + bound.teams.length === 0) return false;
  const trail = new AuditTrail(ctx, bound.roles.length ? "role-map" : "team-map", "Group", group.id);
  trail.name(group.resource);
  const name = String(group.resource.displayName);
  trail.changedAttributes = [
    ...bound.roles.map((r) => `roleMappings[${name}] = ${r}`),
    ...bound.teams.map((t) => `teamMappings[${name}] = ${t}`),
  ];
  await trail
    .finish(200, `Bound the mapping(s) made before group ${name} was provisioned to the group's id.`)
    .catch((e) => ctx.services.report("Could not write the provisioning log", e));
  return true;
}

/** A pending mapping was just saved: a group created with its name meanwhile (its create saw no mapping yet) is bound now. */
export async function bindIfArrived(ctx: OperationContext, selector: string): Promise<ResourceDoc[]> {
  const arrived: ResourceDoc[] = [];
  for (const group of await groupsNamed(ctx, selector)) if (await bindArrivedGroup(ctx, group)) arrived.push(group);
  return arrived;
}

/** The tenant's roles, lowest first, its default and its group → role mappings with each group's current name and member count. */
export async function listRoles(ctx: OperationContext): Promise<RoleList> {
  const s = await tenantSettings(ctx);
  const views = await mappedGroups(
    ctx,
    s.roleMappings.map((m) => m.group),
  );
  const mappings = s.roleMappings
    .map((m) => ({ ...views.get(refKey(m.group))!, role: m.role }))
    .sort((a, b) => (a.groupName ?? a.group).localeCompare(b.groupName ?? b.group));
  return { roles: s.roles, defaultRole: s.defaultRole, mappings };
}

function roleOf(settings: TenantSettings, role: unknown): string {
  if (typeof role !== "string" || role.trim() === "")
    throw new OperationError(400, `role is required: one of ${settings.roles.join(", ")}`, "role");
  try {
    return canonicalRole(settings, role.trim());
  } catch (error) {
    throw new OperationError(400, (error as Error).message, "role");
  }
}

/**
 * Maps a group to a role and recomputes its members. The group is named by id, displayName or
 * object ID and the mapping keeps its id (renames never change a role); `pending` allows a name
 * no group has yet.
 */
export async function mapRole(
  ctx: OperationContext,
  selector: string,
  role: string,
  options: { pending?: boolean } = {},
) {
  const group = groupSelector(selector);
  const canonical = roleOf(await tenantSettings(ctx), role);
  const target = await mappingTarget(ctx, group, options.pending);
  const resourceId = target.group?.id ?? group;
  return logged(ctx, { operation: "role-map", resourceType: "RoleMapping", resourceId }, async (trail) => {
    const name = target.group ? String(target.group.resource.displayName) : group;
    trail.changedAttributes = [`roleMappings[${name}] = ${canonical}${target.group ? "" : " (pending)"}`];
    const mapping: RoleMapping = { group: target.ref, role: canonical };
    const s = await updateSettings(ctx, (cur) => ({
      ...cur,
      roleMappings: [...cur.roleMappings.filter((m) => refKey(m.group) !== refKey(target.ref)), mapping],
    }));
    const groups = target.group ? [target.group] : await bindIfArrived(ctx, group);
    const { recomputedUsers, jobs } = await recomputeGroups(ctx, groups, "role-map");
    if (jobs.length) trail.changedAttributes.push(...jobs.map((j) => `job ${j.id}`));
    return {
      mappings: s.roleMappings,
      recomputedUsers,
      jobs,
      role: canonical,
      group: groups[0] ? { id: groups[0].id, name: String(groups[0].resource.displayName) } : null,
      pending: groups.length === 0,
    };
  });
}

/** The mappings a selector names, or 404 naming what exists. */
async function mappingsNamed(ctx: OperationContext, settings: TenantSettings, group: string): Promise<RoleMapping[]> {
  const found = await refsNamed(ctx, settings.roleMappings, group);
  if (found.length === 0)
    throw new OperationError(404, `Group ${group} has no role mapping (see: role list, or Teams and roles).`, "group");
  return found;
}

/** Removes a group's role mapping and recomputes its members. */
export async function unmapRole(ctx: OperationContext, selector: string) {
  const group = groupSelector(selector);
  const removed = await mappingsNamed(ctx, await tenantSettings(ctx, { fresh: true }), group);
  const keys = new Set(removed.map((m) => refKey(m.group)));
  const views = await mappedGroups(
    ctx,
    removed.map((m) => m.group),
  );
  const ids = [...views.values()].map((v) => v.groupId).filter((id): id is string => id !== null);
  return logged(
    ctx,
    { operation: "role-unmap", resourceType: "RoleMapping", resourceId: ids[0] ?? group },
    async (trail) => {
      trail.changedAttributes = removed.map((m) => `roleMappings[${groupLabel(views.get(refKey(m.group)), m.group)}]`);
      const s = await updateSettings(ctx, (cur) => ({
        ...cur,
        roleMappings: cur.roleMappings.filter((m) => !keys.has(refKey(m.group))),
      }));
      const groups = await ctx.services.resources.getMany(ctx.tenantId, "Group", ids);
      const { recomputedUsers, jobs } = await recomputeGroups(ctx, groups, "role-unmap");
      if (jobs.length) trail.changedAttributes.push(...jobs.map((j) => `job ${j.id}`));
      return { mappings: s.roleMappings, recomputedUsers, jobs, groups: [...views.values()] };
    },
  );
}

/** The next settings and the groups a map or unmap touches, without writing. */
async function plannedChange(
  ctx: OperationContext,
  input: { group?: unknown; role?: unknown; unmap?: unknown; pending?: unknown },
) {
  const group = groupSelector(input.group);
  const settings = await tenantSettings(ctx, { fresh: true });
  if (input.unmap === true) {
    const removed = new Set((await mappingsNamed(ctx, settings, group)).map((m) => refKey(m.group)));
    const ids = [
      ...(
        await mappedGroups(
          ctx,
          settings.roleMappings.filter((m) => removed.has(refKey(m.group))).map((m) => m.group),
        )
      ).values(),
    ]
      .map((v) => v.groupId)
      .filter((id): id is string => id !== null);
    return {
      group,
      role: null,
      next: { ...settings, roleMappings: settings.roleMappings.filter((m) => !removed.has(refKey(m.group))) },
      ids,
    };
  }
  const role = roleOf(settings, input.role);
  const target = await mappingTarget(ctx, group, pendingFlag(input.pending));
  const next = {
    ...settings,
    roleMappings: [
      ...settings.roleMappings.filter((m) => refKey(m.group) !== refKey(target.ref)),
      { group: target.ref, role },
    ],
  };
  return { group, role, next, ids: target.group ? [target.group.id] : [] };
}

/**
 * `POST /api/admin/roles/preview {group, role}` or `{group, unmap: true}`: the role changes the
 * mapping (or its removal) would make, by the same rules (highest mapped role, the last active
 * Admin kept), sorted by userName; `members`: how many users the group has. Nothing is written.
 */
export async function previewRole(
  ctx: OperationContext,
  input: { group?: unknown; role?: unknown; unmap?: unknown; pending?: unknown },
) {
  const { group, role, next, ids } = await plannedChange(ctx, input);
  const { resources, memberships } = ctx.services;
  const members = await memberships.membersOf(ctx.tenantId, ids);
  const userIds = [...new Set([...members.values()].flat())];
  const admin = adminRole(next);
  let activeAdmins = await resources.countRole(ctx.tenantId, admin, true);
  const changes: { userId: string; userName: string; from: string; to: string }[] = [];
  const users = await resources.getMany(ctx.tenantId, "User", userIds);
  const groupsOf = new Map<string, string[]>();
  for (const user of users) groupsOf.set(user.id, await memberships.groupsOf(ctx.tenantId, user.id));
  const known = new Map(
    (await resources.getMany(ctx.tenantId, "Group", [...new Set([...groupsOf.values()].flat())])).map((g) => [g.id, g]),
  );
  for (const user of users.sort((a, b) => String(a.resource.userName).localeCompare(String(b.resource.userName)))) {
    const current = userProduct(user, next);
    const groups = (groupsOf.get(user.id) ?? [])
      .map((id) => known.get(id))
      .filter((g): g is ResourceDoc => g !== undefined);
    const computed = computeRole(groups.map(groupFacts), next);
    const demotingAdmin = current.role === admin && computed.role !== admin;
    const otherAdmins = demotingAdmin && isActive(user) ? activeAdmins - 1 : 1;
    const result = nextRole(current, computed, next, otherAdmins, ctx.now);
    if (result.role === current.role) continue;
    if (demotingAdmin && isActive(user)) activeAdmins--;
    changes.push({ userId: user.id, userName: String(user.resource.userName), from: current.role, to: result.role });
  }
  return { count: changes.length, changes, group, role, members: userIds.length };
}

async function memberRoles(ctx: OperationContext, groupIds: string[]): Promise<Map<string, string>> {
  const settings = await tenantSettings(ctx, { fresh: true });
  const members = await ctx.services.memberships.membersOf(ctx.tenantId, groupIds);
  const users = await ctx.services.resources.getMany(ctx.tenantId, "User", [...new Set([...members.values()].flat())]);
  return new Map(users.map((u) => [u.id, userProduct(u, settings).role]));
}

const changedBetween = (before: Map<string, string>, after: Map<string, string>) =>
  [...after].filter(([id, r]) => before.get(id) !== r).length;

/**
 * `POST /api/admin/roles/map {group, role, pending?}`: maps and recomputes (the CLI's operation).
 * `changed` counts the roles that changed inside the request; a large group is recomputed by a
 * background job (`jobs`), whose roles change after the answer.
 */
export async function mapRoleCounted(
  ctx: OperationContext,
  input: { group?: unknown; role?: unknown; pending?: unknown },
): Promise<RoleMapped> {
  const group = groupSelector(input.group);
  roleOf(await tenantSettings(ctx), input.role);
  const pending = pendingFlag(input.pending);
  const target = await mappingTarget(ctx, group, pending);
  const ids = target.group ? [target.group.id] : [];
  const before = await memberRoles(ctx, ids);
  const result = await mapRole(ctx, group, String(input.role), { pending });
  const after = await memberRoles(ctx, result.group ? [result.group.id] : []);
  return {
    mapping: {
      group: result.group?.id ?? group,
      groupName: result.group?.name ?? null,
      role: result.role,
      pending: result.pending,
    },
    changed: changedBetween(before, after),
    jobs: result.jobs,
  };
}

/** `POST /api/admin/roles/unmap {group}`: removes the mapping and recomputes (the CLI's operation); `jobs` as for map. */
export async function unmapRoleCounted(ctx: OperationContext, input: { group?: unknown }): Promise<RoleUnmapped> {
  const group = groupSelector(input.group);
  const settings = await tenantSettings(ctx, { fresh: true });
  const views = await mappedGroups(
    ctx,
    (await mappingsNamed(ctx, settings, group)).map((m) => m.group),
  );
  const ids = [...views.values()].map((v) => v.groupId).filter((id): id is string => id !== null);
  const before = await memberRoles(ctx, ids);
  const result = await unmapRole(ctx, group);
  const after = await memberRoles(ctx, ids);
  return { group, groups: result.groups, changed: changedBetween(before, after), jobs: result.jobs };
}

/** A role source with its group's current name: a stored source keeps the name the group had when the role was computed, and renames recompute nothing. */
export async function currentRoleSource(ctx: OperationContext, source: RoleSource): Promise<RoleSource> {
  if (source.kind !== "group") return source;
  const group = await ctx.services.resources.get(ctx.tenantId, "Group", source.groupId);
  return group && typeof group.resource.displayName === "string"
    ? { ...source, groupName: group.resource.displayName }
    : source;
}
