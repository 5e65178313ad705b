import { adminRole, canonicalRole, type TenantSettings } from "../product/settings.js";
import { groupMatches } from "../product/groups.js";
import type { ResourceDoc } from "../store/resources.js";
import type { JobDoc } from "../store/jobs.js";
import { newJob, startJob } from "./jobs.js";
import type { OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { logConflict, recomputeRoles } from "./recompute.js";

export { recomputeRoles };
import { tenantSettings, updateSettings } from "./settings.js";
import { groupFacts, isActive, userProduct } from "./views.js";

/**
 * Entra may disconnect or delete the tenant's last active Admin (the person left); provisioning
 * carries that out, since Entra is the source of truth, and flags it in the log so an admin of
 * the product can appoint another.
 */
export async function flagLastAdmin(ctx: OperationContext, before: ResourceDoc, change: "disconnected" | "deleted"): Promise<void> {
  const settings = await tenantSettings(ctx);
  const admin = adminRole(settings);
  if (userProduct(before, settings).role !== admin || !isActive(before)) return;
  if ((await ctx.services.resources.countRole(ctx.tenantId, admin, true)) > 0) return;
  const detail = `Provisioning ${change} user ${String(before.resource.userName)}, the last active ${admin} of the tenant; appoint another ${admin}.`;
  await logConflict(ctx, before.id, detail);
}

export const mapsRoles = (settings: TenantSettings, group: ResourceDoc) => settings.roleMappings.some((m) => groupMatches(m.group, groupFacts(group)));

/** Whether a change of a group's name or externalId changes which role mappings match it. */
export function roleMatchChanged(settings: TenantSettings, before: ResourceDoc, after: ResourceDoc): boolean {
  return settings.roleMappings.some((m) => groupMatches(m.group, groupFacts(before)) !== groupMatches(m.group, groupFacts(after)));
}

/** Existing groups a selector (id, displayName or externalId) names. */
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
 * Recomputes the roles of a group's members, inside the request when it has at most
 * `jobs.inlineMembers` members (one bounded query tells), otherwise in a background job
 * (operations/jobs.ts). Returns the members recomputed inline, or the job.
 */
export async function recomputeGroup(ctx: OperationContext, group: ResourceDoc, reason: string): Promise<{ recomputed: number; job?: JobDoc }> {
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

/** Recomputes the roles of every member of the groups a selector names (after a mapping changed): small groups at once, large ones by a job. */
async function recomputeGroupMembers(
  ctx: OperationContext,
  selector: string,
  reason: string,
): Promise<{ recomputedUsers: number; jobs: { id: string; groupId: string }[] }> {
  const out = { recomputedUsers: 0, jobs: [] as { id: string; groupId: string }[] };
  for (const group of await groupsNamed(ctx, selector)) {
    const { recomputed, job } = await recomputeGroup(ctx, group, reason);
    out.recomputedUsers += recomputed;
    if (job) out.jobs.push({ id: job.id, groupId: group.id });
  }
  return out;
}

/** The tenant's roles, lowest first, its default and its group → role mappings. */
export async function listRoles(ctx: OperationContext) {
  const s = await tenantSettings(ctx);
  return { roles: s.roles, defaultRole: s.defaultRole, mappings: s.roleMappings };
}

function roleOf(settings: TenantSettings, role: string): string {
  try {
    return canonicalRole(settings, role);
  } catch (error) {
    throw new OperationError(400, (error as Error).message, "role");
  }
}

/** Maps a group (id, displayName or externalId; it may not be provisioned yet) to a role and recomputes its members. */
export async function mapRole(ctx: OperationContext, group: string, role: string) {
  if (group.trim() === "") throw new OperationError(400, "name the group: its id, displayName or externalId", "group");
  const canonical = roleOf(await tenantSettings(ctx), role);
  return logged(ctx, { operation: "role-map", resourceType: "RoleMapping", resourceId: group }, async (trail) => {
    trail.changedAttributes = [`roleMappings[${group}] = ${canonical}`];
    const s = await updateSettings(ctx, (cur) => ({
      ...cur,
      roleMappings: [...cur.roleMappings.filter((m) => m.group !== group), { group, role: canonical }],
    }));
    const { recomputedUsers, jobs } = await recomputeGroupMembers(ctx, group, "role-map");
    if (jobs.length) trail.changedAttributes.push(...jobs.map((j) => `job ${j.id}`));
    return { mappings: s.roleMappings, recomputedUsers, jobs, role: canonical };
  });
}

/** Removes a group's role mapping and recomputes its members. */
export async function unmapRole(ctx: OperationContext, group: string) {
  if (!(await tenantSettings(ctx)).roleMappings.some((m) => m.group === group))
    throw new OperationError(404, `group ${group} has no role mapping (see: role list)`, "group");
  return logged(ctx, { operation: "role-unmap", resourceType: "RoleMapping", resourceId: group }, async (trail) => {
    trail.changedAttributes = [`roleMappings[${group}]`];
    const s = await updateSettings(ctx, (cur) => ({ ...cur, roleMappings: cur.roleMappings.filter((m) => m.group !== group) }));
    const { recomputedUsers, jobs } = await recomputeGroupMembers(ctx, group, "role-unmap");
    if (jobs.length) trail.changedAttributes.push(...jobs.map((j) => `job ${j.id}`));
    return { mappings: s.roleMappings, recomputedUsers, jobs };
  });
}
