import type { TenantSettings } from "./settings.js";
import { adminRole, refMatches, roleRank } from "./settings.js";
import type { GroupFacts } from "./groups.js";
import type { ProductUser, RoleSource } from "./identity.js";

export type { RoleSource };

/**
 * Roles that follow group membership, as pure functions: the highest role of the mapped groups a
 * user belongs to, or the default; provisioning never removes the last holder of the admin role.
 * A mapping names its group by id (and object ID), never by name: a rename changes no role.
 */

/** Whether any role mapping names the group (its members' roles follow it). */
export const mapsRoles = (settings: TenantSettings, group: GroupFacts): boolean =>
  settings.roleMappings.some((m) => refMatches(m.group, group));

/** Whether a change of a group changes which role mappings match it: only its object ID can (mappings never follow a name). */
export function roleMatchChanged(settings: TenantSettings, before: GroupFacts, after: GroupFacts): boolean {
  return settings.roleMappings.some((m) => refMatches(m.group, before) !== refMatches(m.group, after));
}

/** The highest role among the mapped groups a user belongs to, or the default (RoleSource says which). */
export function computeRole(groups: GroupFacts[], settings: TenantSettings): { role: string; source: RoleSource } {
  let best: { role: string; source: RoleSource } = { role: settings.defaultRole, source: { kind: "default" } };
  for (const group of groups) {
    for (const mapping of settings.roleMappings) {
      if (!refMatches(mapping.group, group)) continue;
      if (roleRank(settings, mapping.role) > roleRank(settings, best.role)) {
        best = {
          role: mapping.role,
          source: { kind: "group", groupId: group.id, groupName: group.displayName, mapping },
        };
      }
    }
  }
  return best;
}

/**
 * The role to store after a membership change. Provisioning never removes the last holder of the
 * admin role: such a demotion keeps the role and says so (the caller logs the conflict).
 */
export function nextRole(
  current: ProductUser,
  computed: { role: string; source: RoleSource },
  settings: TenantSettings,
  otherAdmins: number,
  now: Date,
): { role: string; source: RoleSource; conflict: boolean } {
  const admin = adminRole(settings);
  if (current.roleSource.kind === "admin" && roleRank(settings, computed.role) <= roleRank(settings, current.role)) {
    return { role: current.role, source: current.roleSource, conflict: false };
  }
  const demotesLastAdmin = current.role === admin && computed.role !== admin && otherAdmins === 0;
  if (demotesLastAdmin) {
    const since = current.roleSource.kind === "kept" ? current.roleSource.since : now.toISOString();
    return {
      role: admin,
      source: { kind: "kept", reason: "last-admin", computed: computed.role, since },
      conflict: true,
    };
  }
  return { ...computed, conflict: false };
}
