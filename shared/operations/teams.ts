import { randomUUID } from "node:crypto";
import { LIMITS, refKey, refMatches, type TeamMapping, type TenantSettings } from "../product/settings.js";
import type { OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { bindIfArrived, groupSelector, mappingTarget } from "./roles.js";
import { groupLabel, mappedGroups, refsNamed, tenantSettings, updateSettings } from "./settings.js";
import { groupFacts } from "./views.js";

/**
 * Teams: every provisioned group is one; an admin can instead map a group onto a team of the
 * product's own. A team mapping keeps the group's id (and object ID), as a role mapping does.
 */

const findTeam = (settings: TenantSettings, team: string) => settings.teams.find((t) => t.id === team || t.name.toLowerCase() === team.toLowerCase());

export async function createTeam(ctx: OperationContext, name: string) {
  const trimmed = name.trim();
  if (trimmed === "") throw new OperationError(400, "name is required: the team's name, for example Consultants", "name");
  if (trimmed.length > LIMITS.teamName)
    throw new OperationError(400, `A team name is at most ${LIMITS.teamName} characters; this one has ${trimmed.length}.`, "name");
  if (findTeam(await tenantSettings(ctx), trimmed)) throw new OperationError(409, `a team named "${trimmed}" exists already`, "name");
  const team = { id: randomUUID(), name: trimmed, createdAt: ctx.now.toISOString() };
  return logged(
    ctx,
    { operation: "team-create", resourceType: "Team", resourceId: team.id },
    async (trail) => {
      trail.changedAttributes = ["name"];
      await updateSettings(ctx, (cur) => {
        if (findTeam(cur, trimmed)) throw new OperationError(409, `a team named "${trimmed}" exists already`, "name");
        return { ...cur, teams: [...cur.teams, team] };
      });
      return team;
    },
    () => 201,
  );
}

/** Puts the members of a group (by id, displayName or object ID; with `pending`, one not provisioned yet) into an existing team. */
export async function mapTeam(ctx: OperationContext, selector: string, teamName: string, options: { pending?: boolean } = {}) {
  const group = groupSelector(selector);
  const team = findTeam(await tenantSettings(ctx), teamName);
  if (!team) throw new OperationError(404, `no team "${teamName}" (see: team list; create one with: team create)`, "team");
  const target = await mappingTarget(ctx, group, options.pending);
  const name = target.group ? String(target.group.resource.displayName) : group;
  return logged(ctx, { operation: "team-map", resourceType: "TeamMapping", resourceId: target.group?.id ?? group }, async (trail) => {
    trail.changedAttributes = [`teamMappings[${name}] = ${team.name}${target.group ? "" : " (pending)"}`];
    const mapping: TeamMapping = { group: target.ref, team: team.id };
    await updateSettings(ctx, (cur) => ({ ...cur, teamMappings: [...cur.teamMappings.filter((m) => refKey(m.group) !== refKey(target.ref)), mapping] }));
    const bound = target.group ?? (await bindIfArrived(ctx, group))[0];
    return { group: bound ? bound.id : group, groupName: bound ? String(bound.resource.displayName) : null, pending: !bound, team };
  });
}

/** The group becomes a team of its own again. */
export async function unmapTeam(ctx: OperationContext, selector: string) {
  const group = groupSelector(selector);
  const removed = await refsNamed(ctx, (await tenantSettings(ctx, { fresh: true })).teamMappings, group);
  if (removed.length === 0) throw new OperationError(404, `group ${group} is not mapped to a team (see: team list, or Teams and roles)`, "group");
  const keys = new Set(removed.map((m) => refKey(m.group)));
  const views = await mappedGroups(
    ctx,
    removed.map((m) => m.group),
  );
  const first = [...views.values()][0]!;
  return logged(ctx, { operation: "team-unmap", resourceType: "TeamMapping", resourceId: first.groupId ?? group }, async (trail) => {
    trail.changedAttributes = removed.map((m) => `teamMappings[${groupLabel(views.get(refKey(m.group)), m.group)}]`);
    await updateSettings(ctx, (cur) => ({ ...cur, teamMappings: cur.teamMappings.filter((m) => !keys.has(refKey(m.group))) }));
    return { group: first.group, groupName: first.groupName, members: first.members };
  });
}

/**
 * Every team, by name: the product's own (with the groups mapped onto it, by current name, and
 * the users of those groups) and each provisioned group that is a team of its own.
 */
export async function listTeams(ctx: OperationContext) {
  const s = await tenantSettings(ctx);
  const { docs } = await ctx.services.resources.query(ctx.tenantId, "Group", { startIndex: 1, count: 10_000 });
  const members = await ctx.services.memberships.membersOf(
    ctx.tenantId,
    docs.map((g) => g.id),
  );
  const views = await mappedGroups(
    ctx,
    s.teamMappings.map((m) => m.group),
  );
  const product = s.teams.map((t) => {
    const mapped = s.teamMappings.filter((m) => m.team === t.id);
    const groups = mapped.map((m) => views.get(refKey(m.group))!).sort((a, b) => (a.groupName ?? a.group).localeCompare(b.groupName ?? b.group));
    const users = new Set(groups.flatMap((g) => (g.groupId ? (members.get(g.groupId) ?? []) : [])));
    return { id: t.id, name: t.name, createdAt: t.createdAt, source: "product" as const, members: users.size, groups };
  });
  const entra = docs
    .filter((g) => !s.teamMappings.some((m) => refMatches(m.group, groupFacts(g))))
    .map((g) => {
      const name = String(g.resource.displayName ?? g.id);
      const count = members.get(g.id)?.length ?? 0;
      return {
        id: g.id,
        name,
        source: "entra" as const,
        members: count,
        groups: [{ group: g.id, groupId: g.id, groupName: name, members: count, pending: false }],
      };
    });
  return { teams: [...product, ...entra].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)) };
}
