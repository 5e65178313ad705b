import type { LoginType, RoleMapping, TenantSettings } from "./settings.js";

/**
 * Identity in the product, as pure functions: the Entra object ID that links a user for sign-in
 * (from SCIM externalId, or set by an admin), login types, and disconnect.
 */

/** Why a user has its role. */
export type RoleSource =
  | { kind: "default" }
  | { kind: "group"; groupId: string; groupName?: string; mapping: RoleMapping }
  | { kind: "kept"; reason: "last-admin"; computed: string; since: string }
  /** Granted by an admin or by an invite; group changes never lower it (an admin takes it back). */
  | { kind: "admin"; grantedBy: string; since: string };

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

export function newProductUser(
  settings: TenantSettings,
  options: { password?: boolean; objectId?: string; source?: "scim" | "admin" } = {},
): ProductUser {
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
    return user.objectId === externalId && user.objectIdSource === "scim"
      ? user
      : { ...user, objectId: externalId, objectIdSource: "scim" };
  }
  if (user.objectIdSource === "scim") {
    const { objectId: _o, objectIdSource: _s, ...rest } = user;
    return rest;
  }
  return user;
}

/**
 * The product state a SCIM write of a User stores: a new or changed externalId (the Entra object
 * ID) links the user; a write that leaves externalId alone leaves the link alone, so an object ID
 * an admin set by hand stays until Entra sends one. `current`: the stored state (none: a new user).
 */
export function productAfterWrite(
  settings: TenantSettings,
  current: ProductUser | undefined,
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown>,
): ProductUser {
  if (current && before?.externalId === after.externalId) return current;
  return linkExternalId(current ?? newProductUser(settings), after.externalId);
}

/** The login types a user can sign in with: its own credentials, as far as the tenant allows them. */
export function loginTypesOf(user: ProductUser, settings: TenantSettings): LoginType[] {
  const own: LoginType[] = [
    ...(user.password ? (["password"] as const) : []),
    ...(user.objectId ? (["entra"] as const) : []),
  ];
  return own.filter((t) => settings.loginTypes.includes(t));
}

/** A disconnected (active=false) user keeps everything but cannot sign in. */
export const userStatus = (resource: Record<string, unknown>): "active" | "disconnected" =>
  resource.active === false ? "disconnected" : "active";

export function canSignIn(
  user: ProductUser,
  resource: Record<string, unknown>,
  settings: TenantSettings,
  type: LoginType,
): boolean {
  return userStatus(resource) === "active" && loginTypesOf(user, settings).includes(type);
}

/** A user's product state as stored, for users stored before it existed too (linked by their externalId). */
export function productOf(
  stored: Record<string, unknown> | undefined,
  externalId: unknown,
  settings: TenantSettings,
): ProductUser {
  return (stored as ProductUser | undefined) ?? linkExternalId(newProductUser(settings), externalId);
}
