import { randomUUID } from "node:crypto";
import { LIMITS, refKey, refMatches, type Team, type TeamMapping, type TenantSettings } from "../product/settings.js";
import type { OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { bindIfArrived, groupSelector, mappingTarget } from "./roles.js";
import { groupLabel, mappedGroups, refsNamed, tenantSettings, updateSettings } from "./settings.js";
import { groupFacts } from "./views.js";
import type { TeamDeletePreview, TeamList } from "../contracts/admin-api.js";

/**
 * Teams: every provisioned group is one; an admin can instead map a group onto a team of the
 * product's own. A team mapping keeps the group's id (and object ID), as a role mapping does.
 */

const findTeam = (settings: TenantSettings, team: string) =>
  settings.teams.find((t) => t.id === team || t.name.toLowerCase() === team.toLowerCase());

/** A team's name as given, trimmed; 400 naming the field when it is empty or too long. */
function teamName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === "")
    throw new OperationError(400, "name is required: the team's name, for example Consultants", "name");
  if (trimmed.length > LIMITS.teamName)
    throw new OperationError(
      400,
      `A team name is at most ${LIMITS.teamName} characters; this one has ${trimmed.length}.`,
      "name",
    );
  return trimmed;
}

/** A product team by id or name (any case); 404 naming where to look. */
function requireTeam(settings: TenantSettings, selector: string): Team {
  const team = selector.trim() === "" ? undefined : findTeam(settings, selector.trim());
  if (!team)
    throw new OperationError(
      404,
      `No team of the product has the id or name "${selector}" (see: team list). A provisioned group's own team is renamed or removed in Microsoft Entra ID.`,
      "team",
    );
  return team;
}

export async function createTeam(ctx: OperationContext, name: string) {
  const trimmed = teamName(name);
  if (findTeam(await tenantSettings(ctx), trimmed))
    throw new OperationError(409, `a team named "${trimmed}" exists already`, "name");
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

/**
 * `team rename`, `POST /api/admin/teams/{id}/rename`: a new name for a product team. Mappings and
 * users refer to the team by its id, so every mapping and every member stays as it was.
 */
export async function renameTeam(ctx: OperationContext, selector: string, name: string) {
  const trimmed = teamName(name);
  const team = requireTeam(await tenantSettings(ctx, { fresh: true }), selector);
  const clash = (s: TenantSettings) =>
    s.teams.find((t) => t.id !== team.id && t.name.toLowerCase() === trimmed.toLowerCase());
  const refuse = () =>
    new OperationError(
      409,
      `a team named "${trimmed}" exists already; choose another name, or delete that team first`,
      "name",
    );
  return logged(ctx, { operation: "team-rename", resourceType: "Team", resourceId: team.id }, async (trail) => {
    let before = team.name;
    await updateSettings(ctx, (cur) => {
      const current = cur.teams.find((t) => t.id === team.id);
      if (!current) throw new OperationError(404, `Team ${team.name} was deleted meanwhile (see: team list).`, "team");
      if (clash(cur)) throw refuse();
      before = current.name;
      return { ...cur, teams: cur.teams.map((t) => (t.id === team.id ? { ...t, name: trimmed } : t)) };
    });
    trail.describe({ name: before }, { name: trimmed });
    trail.resourceName = trimmed;
    return { team: { ...team, name: trimmed }, previousName: before };
  });
}

/** What deleting a team changes: its mappings (by the groups' current names) and how many users lose the team. */
async function teamUsage(ctx: OperationContext, mappings: TeamMapping[]) {
  const views = await mappedGroups(
    ctx,
    mappings.map((m) => m.group),
  );
  const groups = [...views.values()].sort((a, b) => (a.groupName ?? a.group).localeCompare(b.groupName ?? b.group));
  const members = await ctx.services.memberships.membersOf(
    ctx.tenantId,
    groups.flatMap((g) => (g.groupId ? [g.groupId] : [])),
  );
  return { groups, users: new Set([...members.values()].flat()).size };
}

/** `GET /api/admin/teams/{id}/delete-preview`: what `deleteTeam` would do, nothing written. */
export async function previewTeamDelete(ctx: OperationContext, selector: string): Promise<TeamDeletePreview> {
  const settings = await tenantSettings(ctx, { fresh: true });
  const team = requireTeam(settings, selector);
  const mappings = settings.teamMappings.filter((m) => m.team === team.id);
  return { team, mappings: mappings.length, ...(await teamUsage(ctx, mappings)) };
}

/**
 * `team delete`, `POST /api/admin/teams/{id}/delete`: removes a product team and its team mappings
 * in one settings write. The members of its mapped groups leave it and are in a team of each
 * group's own again; nobody's role changes.
 */
export async function deleteTeam(ctx: OperationContext, selector: string) {
  const settings = await tenantSettings(ctx, { fresh: true });
  const team = requireTeam(settings, selector);
  return logged(ctx, { operation: "team-delete", resourceType: "Team", resourceId: team.id }, async (trail) => {
    let removed: TeamMapping[] = [];
    await updateSettings(ctx, (cur) => {
      if (!cur.teams.some((t) => t.id === team.id))
        throw new OperationError(404, `Team ${team.name} was deleted already (see: team list).`, "team");
      removed = cur.teamMappings.filter((m) => m.team === team.id);
      return {
        ...cur,
        teams: cur.teams.filter((t) => t.id !== team.id),
        teamMappings: cur.teamMappings.filter((m) => m.team !== team.id),
      };
    });
    const { groups, users } = await teamUsage(ctx, removed);
    const names = groups.map((g) => g.groupName ?? g.group);
    trail.describe({ name: team.name, teamMappings: names.join(", ") || undefined }, {});
    trail.resourceName = team.name;
    return { team, mappingsRemoved: removed.length, groups, users };
  });
}

/** Puts the members of a group (by id, displayName or object ID; with `pending`, one not provisioned yet) into an existing team. */
export async function mapTeam(
  ctx: OperationContext,
  selector: string,
  teamName: string,
  options: { pending?: boolean } = {},
) {
  const group = groupSelector(selector);
  const team = findTeam(await tenantSettings(ctx), teamName);
  if (!team)
    throw new OperationError(404, `no team "${teamName}" (see: team list; create one with: team create)`, "team");
  const target = await mappingTarget(ctx, group, options.pending);
  const name = target.group ? String(target.group.resource.displayName) : group;
  return logged(
    ctx,
    { operation: "team-map", resourceType: "TeamMapping", resourceId: target.group?.id ?? group },
    async (trail) => {
      trail.changedAttributes = [`teamMappings[${name}] = ${team.name}${target.group ? "" : " (pending)"}`];
      const mapping: TeamMapping = { group: target.ref, team: team.id };
      await updateSettings(ctx, (cur) => ({
        ...cur,
        teamMappings: [...cur.teamMappings.filter((m) => refKey(m.group) !== refKey(target.ref)), mapping],
      }));
      const bound = target.group ?? (await bindIfArrived(ctx, group))[0];
      return {
        group: bound ? bound.id : group,
        groupName: bound ? String(bound.resource.displayName) : null,
        pending: !bound,
        team,
      };
    },
  );
}

/** The group becomes a team of its own again. */
export async function unmapTeam(ctx: OperationContext, selector: string) {
  const group = groupSelector(selector);
  const removed = await refsNamed(ctx, (await tenantSettings(ctx, { fresh: true })).teamMappings, group);
  if (removed.length === 0)
    throw new OperationError(
      404,
      `group ${group} is not mapped to a team (see: team list, or Teams and roles)`,
      "group",
    );
  const keys = new Set(removed.map((m) => refKey(m.group)));
  const views = await mappedGroups(
    ctx,
    removed.map((m) => m.group),
  );
  const first = [...views.values()][0]!;
  return logged(
    ctx,
    { operation: "team-unmap", resourceType: "TeamMapping", resourceId: first.groupId ?? group },
    async (trail) => {
      trail.changedAttributes = removed.map((m) => `teamMappings[${groupLabel(views.get(refKey(m.group)), m.group)}]`);
      await updateSettings(ctx, (cur) => ({
        ...cur,
        teamMappings: cur.teamMappings.filter((m) => !keys.has(refKey(m.group))),
      }));
      return { group: first.group, groupName: first.groupName, members: first.members };
    },
  );
}

/**
 * Every team, by name: the product's own (with the groups mapped onto it, by current name, and
 * the users of those groups) and each provisioned group that is a team of its own.
 */
export async function listTeams(ctx: OperationContext): Promise<TeamList> {
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
    const groups = mapped
      .map((m) => views.get(refKey(m.group))!)
      .sort((a, b) => (a.groupName ?? a.group).localeCompare(b.groupName ?? b.group));
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
