import type { LoginType, TenantSettings } from "./settings.js";
import { adminRole, roleRank } from "./settings.js";

/**
 * What provisioning means for the product, as pure functions: identity linking and login types,
 * disconnect, teams and roles. The store keeps the results on the user document (`product`).
 */

/** The facts of a group that mappings match on. */
export interface GroupFacts {
  id: string;
  displayName?: string;
  externalId?: string;
}

/** Why a user has its role. */
export type RoleSource =
  | { kind: "default" }
  | { kind: "group"; groupId: string; groupName?: string; mapping: { group: string; role: string } }
  | { kind: "kept"; reason: "last-admin"; computed: string; since: string };

/** The product's own state of a user, kept beside its SCIM attributes. */
export interface ProductUser {
  /** True when the user has a password login (users created in the product; SCIM users do not). */
  password: boolean;
  /** The Entra object ID that links the user for SSO sign-in. */
  objectId?: string;
  objectIdSource?: "scim" | "admin";
  role: string;
  roleSource: RoleSource;
}

export function newProductUser(settings: TenantSettings, options: { password?: boolean; objectId?: string; source?: "scim" | "admin" } = {}): ProductUser {
  return {
    password: options.password ?? false,
    ...(options.objectId ? { objectId: options.objectId, objectIdSource: options.source ?? "scim" } : {}),
    role: settings.defaultRole,
    roleSource: { kind: "default" },
  };
}

/**
 * Identity linking: the SCIM externalId carries the Entra object ID, so setting it links the user
 * for Entra sign-in; clearing it (from SCIM) unlinks a SCIM-linked user. An object ID an admin set by
 * hand is replaced only when Entra sends one.
 */
export function linkExternalId(user: ProductUser, externalId: unknown): ProductUser {
  if (typeof externalId === "string" && externalId !== "") {
    return user.objectId === externalId && user.objectIdSource === "scim" ? user : { ...user, objectId: externalId, objectIdSource: "scim" };
  }
  if (user.objectIdSource === "scim") {
    const { objectId: _o, objectIdSource: _s, ...rest } = user;
    return rest;
  }
  return user;
}

/** The login types a user can sign in with: its own credentials, as far as the tenant allows them. */
export function loginTypesOf(user: ProductUser, settings: TenantSettings): LoginType[] {
  const own: LoginType[] = [...(user.password ? (["password"] as const) : []), ...(user.objectId ? (["entra"] as const) : [])];
  return own.filter((t) => settings.loginTypes.includes(t));
}

/** A disconnected (active=false) user keeps everything but cannot sign in. */
export const userStatus = (resource: Record<string, unknown>): "active" | "disconnected" => (resource.active === false ? "disconnected" : "active");

export function canSignIn(user: ProductUser, resource: Record<string, unknown>, settings: TenantSettings, type: LoginType): boolean {
  return userStatus(resource) === "active" && loginTypesOf(user, settings).includes(type);
}

/** Whether a mapping's group selector names this group: by id, displayName (any case) or externalId. */
export function groupMatches(selector: string, group: GroupFacts): boolean {
  return (
    selector === group.id ||
    selector === group.externalId ||
    (group.displayName !== undefined && selector.toLowerCase() === group.displayName.toLowerCase())
  );
}

/** The highest role among the mapped groups a user belongs to, or the default (RoleSource says which). */
export function computeRole(groups: GroupFacts[], settings: TenantSettings): { role: string; source: RoleSource } {
  let best: { role: string; source: RoleSource } = { role: settings.defaultRole, source: { kind: "default" } };
  for (const group of groups) {
    for (const mapping of settings.roleMappings) {
      if (!groupMatches(mapping.group, group)) continue;
      if (roleRank(settings, mapping.role) > roleRank(settings, best.role)) {
        best = { role: mapping.role, source: { kind: "group", groupId: group.id, groupName: group.displayName, mapping } };
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
  const demotesLastAdmin = current.role === admin && computed.role !== admin && otherAdmins === 0;
  if (demotesLastAdmin) {
    const since = current.roleSource.kind === "kept" ? current.roleSource.since : now.toISOString();
    return { role: admin, source: { kind: "kept", reason: "last-admin", computed: computed.role, since }, conflict: true };
  }
  return { ...computed, conflict: false };
}

/** Teams of a user: each of its groups is a team, unless a mapping puts that group's members into an existing team. */
export function teamsOf(groups: GroupFacts[], settings: TenantSettings): { id: string; name: string; viaGroup: string }[] {
  const out = new Map<string, { id: string; name: string; viaGroup: string }>();
  for (const group of groups) {
    const mapping = settings.teamMappings.find((m) => groupMatches(m.group, group));
    const team = mapping ? settings.teams.find((t) => t.id === mapping.team) : undefined;
    const entry = team ? { id: team.id, name: team.name, viaGroup: group.id } : { id: group.id, name: group.displayName ?? group.id, viaGroup: group.id };
    if (!out.has(entry.id)) out.set(entry.id, entry);
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
