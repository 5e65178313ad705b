import type { RoleSource } from "./identity.js";
import type { RoleMapping } from "./settings.js";

/**
 * Who is Admin and why, and whether an Admin can be demoted, as pure functions. A direct grant
 * (an invite, an admin) is taken back here; an Admin that a group mapping makes is changed where
 * the mapping is (Teams and roles), and the last Admin who can sign in is never demoted.
 */

/** The actor name an invite's grant carries (`invite:<userName>`, operations/sign-in.ts). */
const INVITE_ACTOR = /^invite:/;

/** Why a user holds a role, as the Admins page and `admin list` say it. */
export type RoleReason =
  | { kind: "invite"; grantedBy: string; since: string }
  | { kind: "granted"; grantedBy: string; since: string }
  | { kind: "mapping"; groupId: string; groupName: string | null; mapping: RoleMapping }
  | { kind: "kept"; since: string; computed: string }
  | { kind: "default" };

export function roleReason(source: RoleSource): RoleReason {
  switch (source.kind) {
    case "admin":
      return {
        kind: INVITE_ACTOR.test(source.grantedBy) ? "invite" : "granted",
        grantedBy: source.grantedBy,
        since: source.since,
      };
    case "group":
      return { kind: "mapping", groupId: source.groupId, groupName: source.groupName ?? null, mapping: source.mapping };
    case "kept":
      return { kind: "kept", since: source.since, computed: source.computed };
    default:
      return { kind: "default" };
  }
}

/** One sentence: why a user has `role`. */
export function describeReason(reason: RoleReason, role: string): string {
  switch (reason.kind) {
    case "invite":
      return `${role} by an invite (${reason.grantedBy}) since ${reason.since}`;
    case "granted":
      return `${role} granted by ${reason.grantedBy} since ${reason.since}`;
    case "mapping":
      return `${role} through group ${reason.groupName ?? reason.groupId} (mapped to ${reason.mapping.role})`;
    case "kept":
      return `${role} kept since ${reason.since}: the last active ${role}, whose groups would make it ${reason.computed}`;
    default:
      return `${role}, the tenant's default role`;
  }
}

export interface DemotionInput {
  userName: string;
  /** The tenant's admin role (the highest). */
  admin: string;
  role: string;
  source: RoleSource;
  /** The role the user's groups give it (computeRole), which it has once the direct grant is gone. */
  computed: { role: string; source: RoleSource };
  /** The actor is this user. */
  self: boolean;
  /** Admins other than this user who can sign in to the portal (active, with a Microsoft Entra login). */
  othersWhoCanSignIn: number;
}

export type DemotionPlan =
  | { kind: "refused"; status: 409 | 422; detail: string; field: string }
  | { kind: "demote"; role: string; source: RoleSource; stillAdmin: boolean };

/**
 * What demoting an Admin does: it drops the direct grant (invite, admin, or the kept last-Admin
 * role) and leaves the role the user's groups give. Refused for a mapped Admin (unmap the group
 * instead), for oneself (another Admin does it), and for the last Admin who can sign in.
 */
export function planDemotion(input: DemotionInput): DemotionPlan {
  const { userName, admin } = input;
  const refuse = (status: 409 | 422, detail: string, field = "user"): DemotionPlan => ({
    kind: "refused",
    status,
    detail,
    field,
  });
  if (input.role !== admin)
    return refuse(409, `${userName} is not an ${admin} (their role is ${input.role}); there is nothing to demote.`);
  if (input.source.kind === "group") {
    const group = input.source.groupName ?? input.source.groupId;
    return refuse(
      409,
      `${userName} is ${admin} through the role mapping of group ${group}, not by a grant: unmap that group on the Teams and roles page (CLI: role unmap --group ${input.source.groupId}), or remove ${userName} from the group in Microsoft Entra ID.`,
      "group",
    );
  }
  if (input.source.kind === "default")
    return refuse(
      409,
      `${userName} is ${admin} because ${admin} is the tenant's default role; change the default role instead.`,
    );
  if (input.self)
    return refuse(
      422,
      `You cannot demote yourself: you would lose the admin pages at once. Ask another ${admin} to do it.`,
    );
  const stillAdmin = input.computed.role === admin;
  if (!stillAdmin && input.othersWhoCanSignIn === 0)
    return refuse(
      409,
      `${userName} is the last ${admin} who can sign in to the portal; demoting them would leave nobody to manage the tenant. Make another ${admin} first (create an invite), then demote ${userName}.`,
    );
  return { kind: "demote", role: input.computed.role, source: input.computed.source, stillAdmin };
}

export interface GrantInput {
  userName: string;
  /** The tenant's admin role (the highest). */
  admin: string;
  role: string;
  source: RoleSource;
  status: "active" | "disconnected";
}

export type GrantPlan = { kind: "refused"; status: 409; detail: string; field: string } | { kind: "grant" };

/**
 * Whether an Admin may make an existing user Admin directly (a `granted` reason, taken back by
 * Demote): not a user Entra has disconnected, and not one who is Admin already.
 */
export function planGrant(input: GrantInput): GrantPlan {
  const { userName, admin } = input;
  const refuse = (detail: string): GrantPlan => ({ kind: "refused", status: 409, detail, field: "user" });
  if (input.status === "disconnected")
    return refuse(
      `${userName} is disconnected (Microsoft Entra ID set them inactive), so they could not sign in as ${admin}. Assign them to the app in Entra again, let a provisioning cycle run, then make them ${admin}.`,
    );
  if (input.role === admin)
    return refuse(
      `${userName} is ${admin} already (${describeReason(roleReason(input.source), admin)}); there is nothing to grant.`,
    );
  return { kind: "grant" };
}
