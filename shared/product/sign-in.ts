import type { LoginType } from "./settings.js";

/**
 * Who an Entra sign-in is: the matching rule from validated ID-token claims to a product user,
 * or a refusal that says why and what to do. Pure: the caller loads the inputs and applies the
 * outcome's writes (in this order: claim the invite, link the tenant, link or create the user,
 * make them Admin), then creates the session.
 */

export interface SignInClaims {
  tid: string;
  oid: string;
  preferredUsername: string | null;
  name: string | null;
}

export interface SignInTenant {
  id: string;
  name: string;
  /** The Entra tenant id (tid) linked to this product tenant, if any. */
  entraTenantId: string | null;
  loginTypes: LoginType[];
}

export interface SignInUser {
  id: string;
  userName: string;
  status: "active" | "disconnected";
  /** The user's own login types (before the tenant's are applied). */
  loginTypes: LoginType[];
  objectId: string | null;
}

export interface SignInInvite {
  id: string;
  tenantId: string;
  userName: string | null;
  expiresAt: string;
  usedAt: string | null;
}

export type SignInInput =
  | {
      via: "direct";
      claims: SignInClaims;
      /** The product tenant linked to `claims.tid`, or null. */
      tenant: SignInTenant | null;
      /** That tenant's users whose Object ID is `claims.oid`. */
      usersWithObjectId: SignInUser[];
    }
  | {
      via: "invite";
      claims: SignInClaims;
      invite: SignInInvite;
      /** The invite's tenant. */
      tenant: SignInTenant;
      /** Another product tenant already linked to `claims.tid`, if any (a directory links to one tenant). */
      otherTenantForTid: { id: string; name: string } | null;
      /** The invite tenant's users whose Object ID is `claims.oid`. */
      usersWithObjectId: SignInUser[];
      /** The invite tenant's user whose userName equals `claims.preferredUsername` (case-insensitively), if any. */
      userWithUserName: SignInUser | null;
      now: Date;
    };

/** The writes an invite sign-in asks for (a direct sign-in asks for none). */
interface BootstrapActions {
  claimInviteId: string;
  /** Link the product tenant to this Entra tenant id (it had none). */
  linkTenantToTid: string | null;
  /** Give this existing user the Object ID (and so the Entra login type). */
  linkUser: { userId: string; objectId: string } | null;
  /** Create this user (Entra login type, that Object ID). */
  createUser: { userName: string; displayName: string | null; objectId: string; loginTypes: ["entra"] } | null;
  /** Make the signed-in user an Admin (`roleSource.kind = "admin"`). */
  grantAdmin: true;
}

type SignInRefusalCode =
  | "tenant_not_linked"
  | "tenant_entra_disabled"
  | "user_not_provisioned"
  | "user_deleted"
  | "object_id_conflict"
  | "user_disconnected"
  | "user_entra_disabled"
  | "invite_used"
  | "invite_expired"
  | "invite_other_directory"
  | "directory_linked_elsewhere"
  | "invite_user_mismatch"
  | "user_name_missing"
  | "user_name_linked_elsewhere";

export interface SignInRefusal {
  kind: "refused";
  code: SignInRefusalCode;
  title: string;
  why: string;
  whatToDo: string;
}

export type SignInOutcome =
  | { kind: "signed-in"; tenantId: string; userId: string; bootstrap: null }
  | { kind: "signed-in"; tenantId: string; userId: string | null; bootstrap: BootstrapActions }
  | SignInRefusal;

const refuse = (code: SignInRefusalCode, title: string, why: string, whatToDo: string): SignInRefusal => ({
  kind: "refused",
  code,
  title,
  why,
  whatToDo,
});

const who = (c: SignInClaims) => c.preferredUsername ?? `object ID ${c.oid}`;
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Refusals that concern the user found (shared by both paths). */
function checkUser(user: SignInUser, claims: SignInClaims): SignInRefusal | undefined {
  if (user.status === "disconnected") {
    return refuse(
      "user_disconnected",
      "Your account is disconnected",
      `The account ${user.userName} is disconnected in this product, so it cannot sign in. Its data is kept.`,
      "Ask your administrator to reconnect it (in Entra, assign the app to you again, or set the account active).",
    );
  }
  if (!user.loginTypes.includes("entra")) {
    return refuse(
      "user_entra_disabled",
      "Microsoft sign-in is not set up for your account",
      `The account ${user.userName} does not have the Microsoft Entra login type (signed in as ${who(claims)}).`,
      "Ask your administrator to enable Microsoft sign-in for your account, or sign in another way.",
    );
  }
  return undefined;
}

const conflict = (claims: SignInClaims, users: SignInUser[]) =>
  refuse(
    "object_id_conflict",
    "Your account is linked twice",
    `${users.length} accounts (${users.map((u) => u.userName).join(", ")}) carry your Microsoft Entra object ID ${claims.oid}, so it is not clear which one is you.`,
    "Ask an administrator to resolve it: the portal's Connection health page names the accounts; keep the Object ID on one of them.",
  );

/**
 * The matching rule.
 *
 * Direct sign-in, in this order: the tid must be linked to a tenant; the tenant must allow Entra
 * sign-in; exactly one user must carry the oid; that user must be active and have the Entra
 * login type.
 *
 * Through an invite (bootstrap): the invite must be unused and unexpired; the tenant must allow
 * Entra sign-in; if the tenant is linked to a tid it must be this one, else this tid must not be
 * linked to another tenant (then the tenant is linked to it); a named invite must match
 * `preferred_username` case-insensitively. The user is the one carrying the oid, else the one
 * whose userName is `preferred_username` (linked: it gets the oid, if it has no other), else a new
 * user with the Entra login type and the oid. That user becomes an Admin.
 */
export function matchSignIn(input: SignInInput): SignInOutcome {
  const { claims } = input;
  if (input.via === "direct") {
    const { tenant, usersWithObjectId: users } = input;
    if (!tenant) {
      return refuse(
        "tenant_not_linked",
        "Your organization is not connected",
        `Your Microsoft Entra directory (tenant ID ${claims.tid}) is not linked to any account of this product.`,
        "Ask your administrator for an invite link; the first sign-in through it connects your organization.",
      );
    }
    if (!tenant.loginTypes.includes("entra")) {
      return refuse(
        "tenant_entra_disabled",
        "Microsoft sign-in is turned off",
        `${tenant.name} does not allow sign-in with Microsoft Entra ID.`,
        "Ask your administrator to enable the Entra login type for your organization, or sign in another way.",
      );
    }
    if (users.length === 0) {
      return refuse(
        "user_not_provisioned",
        "Your account is not provisioned yet",
        `No account in ${tenant.name} carries your Microsoft Entra object ID (signed in as ${who(claims)}).`,
        "Ask your administrator to assign you the app in Entra ID, then wait for the next provisioning cycle (up to 40 minutes) and try again.",
      );
    }
    if (users.length > 1) return conflict(claims, users);
    const refusal = checkUser(users[0]!, claims);
    if (refusal) return refusal;
    return { kind: "signed-in", tenantId: tenant.id, userId: users[0]!.id, bootstrap: null };
  }

  const { invite, tenant, usersWithObjectId: users, userWithUserName, now } = input;
  if (invite.usedAt)
    return refuse(
      "invite_used",
      "This invite link has been used",
      "Each invite link works once, and this one has been used already.",
      "Ask for a new invite link.",
    );
  if (now.getTime() >= Date.parse(invite.expiresAt))
    return refuse(
      "invite_expired",
      "This invite link has expired",
      "Invite links last 24 hours.",
      "Ask for a new invite link.",
    );
  if (!tenant.loginTypes.includes("entra")) {
    return refuse(
      "tenant_entra_disabled",
      "Microsoft sign-in is turned off",
      `${tenant.name} does not allow sign-in with Microsoft Entra ID, so the invite cannot be used.`,
      "Enable the Entra login type first (npm run admin -- login-types set --tenant <id> --types password,entra), then use the invite link again.",
    );
  }
  if (tenant.entraTenantId !== null && tenant.entraTenantId.toLowerCase() !== claims.tid.toLowerCase()) {
    return refuse(
      "invite_other_directory",
      "This invite is for another organization",
      `${tenant.name} is linked to another Microsoft Entra directory than yours (tenant ID ${claims.tid}).`,
      "Sign in with your work account of that organization, or ask for an invite of your own organization's account.",
    );
  }
  if (tenant.entraTenantId === null && input.otherTenantForTid && input.otherTenantForTid.id !== tenant.id) {
    return refuse(
      "directory_linked_elsewhere",
      "Your organization is already connected",
      `Your Microsoft Entra directory (tenant ID ${claims.tid}) is already linked to another account of this product (${input.otherTenantForTid.name}).`,
      "Sign in without the invite link, or ask the product's operator which account your organization should use.",
    );
  }
  if (
    invite.userName !== null &&
    (claims.preferredUsername === null || !same(invite.userName, claims.preferredUsername))
  ) {
    return refuse(
      "invite_user_mismatch",
      "This invite is for someone else",
      `The invite is for ${invite.userName}, but you signed in as ${who(claims)}.`,
      `Sign in as ${invite.userName} (choose "Use another account"), or ask for an invite in your own name.`,
    );
  }
  const bootstrap = {
    claimInviteId: invite.id,
    linkTenantToTid: tenant.entraTenantId === null ? claims.tid : null,
    grantAdmin: true as const,
  };
  if (users.length > 1) return conflict(claims, users);
  if (users.length === 1) {
    const user = users[0]!;
    if (user.status === "disconnected") return checkUser(user, claims)!;
    return {
      kind: "signed-in",
      tenantId: tenant.id,
      userId: user.id,
      bootstrap: { ...bootstrap, linkUser: null, createUser: null },
    };
  }
  if (claims.preferredUsername === null) {
    return refuse(
      "user_name_missing",
      "Your account has no user name",
      "Microsoft Entra did not send a user name (preferred_username) for you, so no account can be created.",
      "Ask your administrator to create your account in the product (or provision it from Entra) and set its Object ID, then use the invite again.",
    );
  }
  if (userWithUserName) {
    if (userWithUserName.objectId !== null && !same(userWithUserName.objectId, claims.oid)) {
      return refuse(
        "user_name_linked_elsewhere",
        "Your user name is linked to another identity",
        `The account ${userWithUserName.userName} is linked to another Microsoft Entra object ID than yours.`,
        "Ask an administrator to correct the account's Object ID, then use the invite again.",
      );
    }
    if (userWithUserName.status === "disconnected") return checkUser(userWithUserName, claims)!;
    return {
      kind: "signed-in",
      tenantId: tenant.id,
      userId: userWithUserName.id,
      bootstrap: { ...bootstrap, linkUser: { userId: userWithUserName.id, objectId: claims.oid }, createUser: null },
    };
  }
  return {
    kind: "signed-in",
    tenantId: tenant.id,
    userId: null,
    bootstrap: {
      ...bootstrap,
      linkUser: null,
      createUser: {
        userName: claims.preferredUsername,
        displayName: claims.name,
        objectId: claims.oid,
        loginTypes: ["entra"],
      },
    },
  };
}
