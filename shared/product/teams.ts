import type { TenantSettings } from "./settings.js";
import { refMatches } from "./settings.js";
import type { GroupFacts } from "./groups.js";

/** Teams of a user: each of its groups is a team, unless a mapping puts that group's members into an existing team. */
export function teamsOf(
  groups: GroupFacts[],
  settings: TenantSettings,
): { id: string; name: string; viaGroup: string }[] {
  const out = new Map<string, { id: string; name: string; viaGroup: string }>();
  for (const group of groups) {
    const mapping = settings.teamMappings.find((m) => refMatches(m.group, group));
    const team = mapping ? settings.teams.find((t) => t.id === mapping.team) : undefined;
    const entry = team
      ? { id: team.id, name: team.name, viaGroup: group.id }
      : { id: group.id, name: group.displayName ?? group.id, viaGroup: group.id };
    if (!out.has(entry.id)) out.set(entry.id, entry);
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
