/**
 * A tenant's provisioning settings: what provisioning means for this customer. Pure data and
 * validation; shared/store/settings.ts keeps them on the tenant document.
 */

export type LoginType = "password" | "entra";
export const LOGIN_TYPES: readonly LoginType[] = ["password", "entra"];

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
  /** Group → role. A mapping's `group` names a group by id, displayName or externalId (object ID). */
  roleMappings: { group: string; role: string }[];
  teams: Team[];
  /** Group → team id: that group's members are in this team instead of a team of the group's own. */
  teamMappings: { group: string; team: string }[];
  /** How long a deleted user's record is kept before it is purged (Cosmos DB TTL). */
  deletedUserRetentionDays: number;
  /** How long provisioning log events are kept. */
  auditRetentionDays: number;
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
};

const DAY_SECONDS = 86_400;

/** How long (Cosmos DB TTL, seconds) a provisioning-log event is kept. */
export const auditTtlSeconds = (settings: TenantSettings) => settings.auditRetentionDays * DAY_SECONDS;

/** How long (Cosmos DB TTL, seconds) a deleted user's record is kept. */
export const deletedUserTtlSeconds = (settings: TenantSettings) => settings.deletedUserRetentionDays * DAY_SECONDS;

/** Settings as stored may predate a field: fill in defaults. */
export function withDefaults(stored: Partial<TenantSettings> | undefined): TenantSettings {
  return { ...DEFAULT_SETTINGS, ...(stored ?? {}) };
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
    if (!LOGIN_TYPES.includes(t as LoginType)) throw new Error(`unknown login type "${t}"; the types are ${LOGIN_TYPES.join(", ")}`);
  }
  return types as LoginType[];
}

/** The highest role: the one whose last holder provisioning never removes. */
export const adminRole = (settings: TenantSettings) => settings.roles[settings.roles.length - 1];

export function roleRank(settings: TenantSettings, role: string): number {
  return settings.roles.findIndex((r) => r.toLowerCase() === role.toLowerCase());
}

/** The role's canonical spelling, or an error naming the tenant's roles. */
export function canonicalRole(settings: TenantSettings, role: string): string {
  const i = roleRank(settings, role);
  if (i < 0) throw new Error(`unknown role "${role}"; this tenant's roles are ${settings.roles.join(" < ")}`);
  return settings.roles[i];
}
