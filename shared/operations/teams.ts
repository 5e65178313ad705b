import { randomUUID } from "node:crypto";
import { groupMatches } from "../product/groups.js";
import type { TenantSettings } from "../product/settings.js";
import type { OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { tenantSettings, updateSettings } from "./settings.js";
import { groupFacts } from "./views.js";

/** Teams: every provisioned group is one; an admin can instead map a group onto a team of the product's own. */

const findTeam = (settings: TenantSettings, team: string) => settings.teams.find((t) => t.id === team || t.name.toLowerCase() === team.toLowerCase());

export async function createTeam(ctx: OperationContext, name: string) {
  const trimmed = name.trim();
  if (trimmed === "") throw new OperationError(400, "--name is required", "name");
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

/** Puts the members of a group (id, displayName or externalId; it may not be provisioned yet) into an existing team. */
export async function mapTeam(ctx: OperationContext, group: string, teamName: string) {
  if (group.trim() === "") throw new OperationError(400, "name the group: its id, displayName or externalId", "group");
  const team = findTeam(await tenantSettings(ctx), teamName);
  if (!team) throw new OperationError(404, `no team "${teamName}" (see: team list; create one with: team create)`, "team");
  return logged(ctx, { operation: "team-map", resourceType: "TeamMapping", resourceId: group }, async (trail) => {
    trail.changedAttributes = [`teamMappings[${group}] = ${team.name}`];
    await updateSettings(ctx, (cur) => ({ ...cur, teamMappings: [...cur.teamMappings.filter((m) => m.group !== group), { group, team: team.id }] }));
    return { group, team };
  });
}

export async function unmapTeam(ctx: OperationContext, group: string) {
  if (!(await tenantSettings(ctx)).teamMappings.some((m) => m.group === group))
    throw new OperationError(404, `group ${group} is not mapped to a team`, "group");
  return logged(ctx, { operation: "team-unmap", resourceType: "TeamMapping", resourceId: group }, async (trail) => {
    trail.changedAttributes = [`teamMappings[${group}]`];
    await updateSettings(ctx, (cur) => ({ ...cur, teamMappings: cur.teamMappings.filter((m) => m.group !== group) }));
    return { group };
  });
}

/** The product's own teams (with the groups mapped onto them) and the provisioned groups that are teams of their own. */
export async function listTeams(ctx: OperationContext) {
  const s = await tenantSettings(ctx);
  const { docs } = await ctx.services.resources.query(ctx.tenantId, "Group", { startIndex: 1, count: 10_000 });
  const provisioned = docs.filter((g) => !s.teamMappings.some((m) => groupMatches(m.group, groupFacts(g))));
  return {
    teams: s.teams.map((t) => ({ ...t, groups: s.teamMappings.filter((m) => m.team === t.id).map((m) => m.group) })),
    provisionedTeams: provisioned.map((g) => ({ id: g.id, name: g.resource.displayName })),
  };
}
