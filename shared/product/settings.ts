/**
 * A tenant's provisioning settings: what provisioning means for this customer. Pure data and
 * validation; shared/store/settings.ts keeps them on the tenant document.
 */

import { DELETE_SAFETY_DEFAULTS, deleteSafetyWithDefaults, type DeleteSafety } from "./safety-net.js";

export type LoginType = "password" | "entra";
export const LOGIN_TYPES: readonly LoginType[] = ["password", "entra"];

/**
 * The group a role or team mapping means. Bound: a provisioned group, by its SCIM id and its
 * Entra object ID (`externalId`) when it has one, so a rename never changes what a mapping
 * means and a group Entra deletes and provisions again (a new id, the same object ID) is still
 * the same group. Pending: a displayName or object ID given before any group had it; the first
 * group *created* with it binds the mapping (operations/mappings.ts). A pending mapping gives
 * nobody anything, and a group renamed to its name does not bind it: renames never change a role.
 */
export type GroupRef = { id: string; externalId?: string } | { pending: string };
export interface RoleMapping {
  group: GroupRef;
  role: string;
}
export interface TeamMapping {
  group: GroupRef;
  team: string;
}

/** Bounds that keep the settings (one document; Cosmos DB caps a document at 2 MB) well inside its limit. */
export const LIMITS = { teamName: 100, groupName: 256, teams: 500, roleMappings: 500, teamMappings: 500 } as const;

/** Whether a mapping's group is this group (bound mappings only: by id, or by Entra object ID). */
export function refMatches(ref: GroupRef, group: { id: string; externalId?: string }): boolean {
  if ("pending" in ref) return false;
  return ref.id === group.id || (ref.externalId !== undefined && ref.externalId === group.externalId);
}

/** What makes two mappings' groups the same: the group's id, or the pending name in any case. */
export const refKey = (ref: GroupRef) => ("pending" in ref ? `pending:${ref.pending.toLowerCase()}` : `id:${ref.id}`);

/** Whether a group created with this name and object ID is the one a pending mapping waits for (names in any case). */
export function pendingMatches(ref: GroupRef, group: { displayName?: string; externalId?: string }): boolean {
  if (!("pending" in ref)) return false;
  return (
    ref.pending === group.externalId ||
    (group.displayName !== undefined && ref.pending.toLowerCase() === group.displayName.toLowerCase())
  );
}

/** One mapping per group: a group two role mappings name keeps the higher role, two team mappings the first. */
function onePerGroup(settings: TenantSettings): TenantSettings {
  const roles = new Map<string, RoleMapping>();
  for (const m of settings.roleMappings) {
    const had = roles.get(refKey(m.group));
    if (!had || roleRank(settings, m.role) > roleRank(settings, had.role)) roles.set(refKey(m.group), m);
  }
  const teams = new Map<string, TeamMapping>();
  for (const m of settings.teamMappings) if (!teams.has(refKey(m.group))) teams.set(refKey(m.group), m);
  return { ...settings, roleMappings: [...roles.values()], teamMappings: [...teams.values()] };
}

/** The settings with the pending mappings a newly created group is the one for bound to it. */
export function bindPendingTo(
  settings: TenantSettings,
  group: { id: string; displayName?: string; externalId?: string },
): TenantSettings {
  const bound: GroupRef = group.externalId ? { id: group.id, externalId: group.externalId } : { id: group.id };
  const bind = <M extends { group: GroupRef }>(m: M): M =>
    pendingMatches(m.group, group) ? { ...m, group: bound } : m;
  return onePerGroup({
    ...settings,
    roleMappings: settings.roleMappings.map(bind),
    teamMappings: settings.teamMappings.map(bind),
  });
}

/** Why the settings are too large to store (a message a person can act on), or undefined. */
export function boundsProblem(settings: TenantSettings): { detail: string; field: string } | undefined {
  const over = (what: string, n: number, max: number) => `${n} ${what}: at most ${max} are allowed; remove some first`;
  if (settings.teams.length > LIMITS.teams)
    return { detail: over("teams", settings.teams.length, LIMITS.teams), field: "team" };
  if (settings.roleMappings.length > LIMITS.roleMappings)
    return { detail: over("role mappings", settings.roleMappings.length, LIMITS.roleMappings), field: "group" };
  if (settings.teamMappings.length > LIMITS.teamMappings)
    return { detail: over("team mappings", settings.teamMappings.length, LIMITS.teamMappings), field: "group" };
  return undefined;
}

/** A team the product knows besides the ones provisioned groups become. */
export interface Team {
  id: string;
  name: string;
  createdAt: string;
}

export interface TenantSettings {
  /** Login types the tenant allows; a user signs in only with types both it and the tenant have. */
  loginTypes: LoginType[];
  /** Roles (permission levels) ordered from lowest to highest; the highest is the admin role. */
  roles: string[];
  defaultRole: string;
  /** Group → role (one mapping per group). */
  roleMappings: RoleMapping[];
  teams: Team[];
  /** Group → team id: that group's members are in this team instead of a team of the group's own. */
  teamMappings: TeamMapping[];
  /** How long a deleted user's record is kept before it is purged (Cosmos DB TTL). */
  deletedUserRetentionDays: number;
  /** How long provisioning log events are kept. */
  auditRetentionDays: number;
  /** The deprovisioning safety net (product/safety-net.ts): when deletes are held. */
  deleteSafety: DeleteSafety;
}

export const DEFAULT_SETTINGS: TenantSettings = {
  loginTypes: ["password", "entra"],
  roles: ["User", "Manager", "Admin"],
  defaultRole: "User",
  roleMappings: [],
  teams: [],
  teamMappings: [],
  deletedUserRetentionDays: 30,
  auditRetentionDays: 90,
  deleteSafety: DELETE_SAFETY_DEFAULTS,
};

const DAY_SECONDS = 86_400;

/** How long (Cosmos DB TTL, seconds) a provisioning-log event is kept. */
export const auditTtlSeconds = (settings: TenantSettings) => settings.auditRetentionDays * DAY_SECONDS;

/** How long (Cosmos DB TTL, seconds) a deleted user's record is kept. */
export const deletedUserTtlSeconds = (settings: TenantSettings) => settings.deletedUserRetentionDays * DAY_SECONDS;

/**
 * Settings as stored may predate a field: fill in defaults. A mapping stored by an older version
 * names its group by a string (id, displayName or object ID); operations/settings.ts binds those
 * to their groups (`legacySelectors`, `bindLegacy`) before anything reads them, so the fallback
 * here (pending under that string) is only what a reader that skips that step sees.
 */
export function withDefaults(stored: Partial<TenantSettings> | undefined): TenantSettings {
  const s = { ...DEFAULT_SETTINGS, ...(stored ?? {}) };
  const ref = (group: unknown): GroupRef => (typeof group === "string" ? { pending: group } : (group as GroupRef));
  return {
    ...s,
    deleteSafety: deleteSafetyWithDefaults(stored?.deleteSafety),
    roleMappings: s.roleMappings.map((m) => ({ ...m, group: ref(m.group) })),
    teamMappings: s.teamMappings.map((m) => ({ ...m, group: ref(m.group) })),
  };
}

type StoredMappings = { roleMappings?: { group: unknown }[]; teamMappings?: { group: unknown }[] };

/** The group names of mappings stored by an older version (a string where a GroupRef now is), each once. */
export function legacySelectors(stored: StoredMappings | undefined): string[] {
  const all = [...(stored?.roleMappings ?? []), ...(stored?.teamMappings ?? [])].map((m) => m.group);
  return [...new Set(all.filter((g): g is string => typeof g === "string"))];
}

/**
 * Stored settings with every old string-keyed mapping bound to the groups its string names now
 * (`resolved`: selector → groups, by id, displayName or object ID, as the old matching did): one
 * mapping per group, so each member keeps the role or team it had. A string no group has yet
 * becomes pending; a selector missing from `resolved` is left as it is (bound on a later read).
 * A group two role mappings name keeps the higher role, two team mappings the first.
 */
export function bindLegacy<T extends StoredMappings>(
  stored: T,
  resolved: Map<string, { id: string; externalId?: string }[]>,
  roles: string[],
): T {
  const refs = (group: unknown): unknown[] => {
    if (typeof group !== "string" || !resolved.has(group)) return [group];
    const groups = resolved.get(group)!;
    return groups.length
      ? groups.map((g) => (g.externalId ? { id: g.id, externalId: g.externalId } : { id: g.id }))
      : [{ pending: group }];
  };
  const key = (ref: unknown) => (typeof ref === "string" ? `legacy:${ref}` : refKey(ref as GroupRef));
  const rank = (role: unknown) => roles.findIndex((r) => r.toLowerCase() === String(role).toLowerCase());
  const roleMappings = new Map<string, { group: unknown; role?: unknown }>();
  for (const m of (stored.roleMappings ?? []) as { group: unknown; role?: unknown }[]) {
    for (const group of refs(m.group)) {
      const had = roleMappings.get(key(group));
      if (!had || rank(m.role) > rank(had.role)) roleMappings.set(key(group), { ...m, group });
    }
  }
  const teamMappings = new Map<string, { group: unknown }>();
  for (const m of stored.teamMappings ?? []) {
    for (const group of refs(m.group)) if (!teamMappings.has(key(group))) teamMappings.set(key(group), { ...m, group });
  }
  return {
    ...stored,
    ...(stored.roleMappings ? { roleMappings: [...roleMappings.values()] } : {}),
    ...(stored.teamMappings ? { teamMappings: [...teamMappings.values()] } : {}),
  };
}

/** Parses "password,entra" into login types; throws with a message a person can act on. */
export function parseLoginTypes(text: string): LoginType[] {
  const types = [
    ...new Set(
      text
        .split(",")
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  if (types.length === 0) throw new Error(`name at least one login type: ${LOGIN_TYPES.join(", ")}`);
  for (const t of types) {
    if (!LOGIN_TYPES.includes(t as LoginType))
      throw new Error(`unknown login type "${t}"; the types are ${LOGIN_TYPES.join(", ")}`);
  }
  return types as LoginType[];
}

/** The highest role: the one whose last holder provisioning never removes. */
/** The highest role (the last): the one that administers the tenant. A tenant always has one (withDefaults gives User < Manager < Admin). */
export function adminRole(settings: TenantSettings): string {
  const role = settings.roles.at(-1);
  if (role === undefined) throw new Error("the tenant's settings have no roles");
  return role;
}

export function roleRank(settings: TenantSettings, role: string): number {
  return settings.roles.findIndex((r) => r.toLowerCase() === role.toLowerCase());
}

/** The role's canonical spelling, or an error naming the tenant's roles. */
export function canonicalRole(settings: TenantSettings, role: string): string {
  const i = roleRank(settings, role);
  const found = settings.roles[i];
  if (found === undefined)
    throw new Error(`unknown role "${role}"; this tenant's roles are ${settings.roles.join(" < ")}`);
  return found;
}
