import {
  matchSignIn,
  type SignInClaims,
  type SignInOutcome,
  type SignInRefusal,
  type SignInTenant,
  type SignInUser,
} from "../product/sign-in.js";
import { LOGIN_TYPES, adminRole, withDefaults, type TenantSettings } from "../product/settings.js";
import { loginTypesOf, userStatus } from "../product/identity.js";
import type { Tenant } from "../store/tenants.js";
import type { ResourceDoc } from "../store/resources.js";
import type { InviteDoc } from "../store/sessions.js";
import { actorFields, type Actor, type OperationContext, type Services } from "./context.js";
import { logged } from "./audit-trail.js";
import { createUser } from "./users.js";
import { requireTenant } from "./tenants.js";
import { OperationError } from "./errors.js";
import { newInvite, INVITE_TTL_SECONDS } from "../auth/login-flow.js";
import { userProduct } from "./views.js";

/**
 * A validated Entra sign-in, applied to the stores: loads what `matchSignIn` needs, and for an
 * invite carries out its bootstrap writes in the rule's order (claim the invite first, so two
 * browsers racing with one invite cannot both bootstrap; then link the tenant, link or create the
 * user, make them Admin). Every write is in the provisioning log, by the actor `invite:<user>`.
 */

export type SignInResult = { kind: "signed-in"; tenantId: string; userId: string } | SignInRefusal;

const settingsOf = async (services: Services, tenantId: string, now: Date, fresh = true): Promise<TenantSettings> =>
  withDefaults((await services.settings.get(tenantId, now, { fresh })) as Partial<TenantSettings>);

const ALL_TYPES = withDefaults({ loginTypes: [...LOGIN_TYPES] });

function signInUser(doc: ResourceDoc, settings: TenantSettings): SignInUser {
  const product = userProduct(doc, settings);
  return {
    id: doc.id,
    userName: String(doc.resource.userName),
    status: userStatus(doc.resource),
    loginTypes: loginTypesOf(product, ALL_TYPES),
    objectId: product.objectId ?? null,
  };
}

const signInTenant = (tenant: Tenant, settings: TenantSettings): SignInTenant => ({
  id: tenant.id,
  name: tenant.name,
  entraTenantId: tenant.entraTenantId ?? null,
  loginTypes: settings.loginTypes,
});

const unknownInvite: SignInRefusal = {
  kind: "refused",
  code: "invite_used",
  title: "This invite link cannot be used",
  why: "The invite link is not known: it may have expired and been removed, or been copied incompletely.",
  whatToDo: "Ask for a new invite link.",
};

/** Users of a tenant carrying an object ID (the store compares exactly; Entra sends lower case). */
async function holders(
  services: Services,
  tenantId: string,
  oid: string,
  settings: TenantSettings,
): Promise<SignInUser[]> {
  const docs = await services.resources.usersWithObjectId(tenantId, oid, 10);
  return docs.map((d) => signInUser(d, settings));
}

/** What the matching rule decides for these claims, without writing anything. */
async function decideSignIn(
  services: Services,
  claims: SignInClaims,
  invite: InviteDoc | null,
  now: Date,
): Promise<SignInOutcome> {
  if (!invite) {
    const tenant = await services.tenants.findByEntraTenantId(claims.tid);
    if (!tenant) return matchSignIn({ via: "direct", claims, tenant: null, usersWithObjectId: [] });
    const settings = await settingsOf(services, tenant.id, now);
    const outcome = matchSignIn({
      via: "direct",
      claims,
      tenant: signInTenant(tenant, settings),
      usersWithObjectId: await holders(services, tenant.id, claims.oid, settings),
    });
    if (
      outcome.kind === "refused" &&
      outcome.code === "user_not_provisioned" &&
      (await services.resources.usersWithObjectId(tenant.id, claims.oid, 1, "DeletedUser")).length > 0
    ) {
      return {
        ...outcome,
        code: "user_deleted",
        title: "Your account was deleted",
        why: `Your account in ${tenant.name} was deleted through Microsoft Entra ID (signed in as ${claims.preferredUsername ?? claims.oid}): it is no longer assigned the app, or was removed from the directory.`,
        whatToDo:
          "If you still need access, ask your administrator to assign you the app in Entra ID again; the next provisioning cycle restores your account.",
      };
    }
    return outcome;
  }
  const tenant = await services.tenants.get(invite.tenantId);
  if (!tenant) return unknownInvite;
  const settings = await settingsOf(services, tenant.id, now);
  const other = await services.tenants.findByEntraTenantId(claims.tid);
  const byName = claims.preferredUsername
    ? await services.resources.findBy(tenant.id, "User", "userName", claims.preferredUsername)
    : undefined;
  return matchSignIn({
    via: "invite",
    claims,
    invite: {
      id: invite.id,
      tenantId: invite.tenantId,
      userName: invite.userName,
      expiresAt: invite.expiresAt,
      usedAt: invite.usedAt ?? null,
    },
    tenant: signInTenant(tenant, settings),
    otherTenantForTid: other && other.id !== tenant.id ? { id: other.id, name: other.name } : null,
    usersWithObjectId: await holders(services, tenant.id, claims.oid, settings),
    userWithUserName: byName ? signInUser(byName, settings) : null,
    now,
  });
}

/**
 * Decides and applies a sign-in. `inviteId` is the pending login's invite (SHA-256 of the code).
 * A refusal writes nothing; a bootstrap whose invite another sign-in claimed first is refused as used.
 */
export async function applySignIn(
  services: Services,
  claims: SignInClaims,
  inviteId: string | null,
  now: Date,
): Promise<SignInResult> {
  const invite = inviteId ? await services.sessions.readInvite(inviteId) : null;
  if (inviteId && !invite) return unknownInvite;
  const outcome = await decideSignIn(services, claims, invite ?? null, now);
  if (outcome.kind === "refused") return outcome;
  if (!outcome.bootstrap) return { kind: "signed-in", tenantId: outcome.tenantId, userId: outcome.userId };

  const b = outcome.bootstrap;
  if (!(await services.sessions.claimInvite(b.claimInviteId, now.toISOString(), claims.oid))) {
    return {
      ...unknownInvite,
      code: "invite_used",
      why: "Each invite link works once, and this one has been used already.",
    };
  }
  const actor: Actor = { kind: "admin", id: "invite", name: `invite:${claims.preferredUsername ?? claims.oid}` };
  const ctx: OperationContext = { tenantId: outcome.tenantId, actor, now, services, baseUrl: "" };
  if (b.linkTenantToTid) {
    await logged(ctx, { operation: "tenant-link", resourceType: "Tenant", resourceId: ctx.tenantId }, async (trail) => {
      trail.changedAttributes = ["entraTenantId"];
      await services.tenants.linkEntraTenant(ctx.tenantId, b.linkTenantToTid!);
    });
  }
  let userId = outcome.userId;
  if (b.createUser) {
    userId = (
      await createUser(ctx, {
        userName: b.createUser.userName,
        loginTypes: ["entra"],
        objectId: b.createUser.objectId,
        ...(b.createUser.displayName ? { displayName: b.createUser.displayName } : {}),
      })
    ).id;
  }
  const settings = await settingsOf(services, ctx.tenantId, now);
  const doc = await services.resources.require(ctx.tenantId, "User", userId!);
  const product = userProduct(doc, settings);
  if (b.linkUser) {
    await logged(ctx, { operation: "set-object-id", resourceType: "User", resourceId: doc.id }, async (trail) => {
      trail.changedAttributes = ["objectId"];
      const fields = { objectId: b.linkUser!.objectId, objectIdSource: "admin" };
      await services.resources.setProductFields(ctx.tenantId, doc, doc.product ? fields : { ...product, ...fields });
    });
  }
  const admin = adminRole(settings);
  if (product.role !== admin || product.roleSource.kind !== "admin") {
    const fresh = await services.resources.require(ctx.tenantId, "User", doc.id);
    await logged(ctx, { operation: "admin-grant", resourceType: "User", resourceId: doc.id }, async (trail) => {
      trail.changedAttributes = [`role = ${admin}`];
      const fields = { role: admin, roleSource: { kind: "admin", grantedBy: actor.name, since: now.toISOString() } };
      await services.resources.setProductFields(
        ctx.tenantId,
        fresh,
        fresh.product ? fields : { ...userProduct(fresh, settings), ...fields },
      );
    });
  }
  return { kind: "signed-in", tenantId: ctx.tenantId, userId: doc.id };
}

/**
 * A session's user if it may still use the portal (it exists, is active, and may sign in with
 * Entra); else why not, in words for the person whose session then ends.
 */
export async function sessionUser(
  services: Services,
  tenantId: string,
  userId: string,
  now: Date,
): Promise<{ userName: string } | { refused: string }> {
  const doc = await services.resources.get(tenantId, "User", userId);
  const ended = "so your session was ended.";
  if (!doc)
    return {
      refused: `Your account was deleted through Microsoft Entra ID (or by an administrator), ${ended} Ask your administrator to assign you the app again.`,
    };
  if (userStatus(doc.resource) !== "active")
    return {
      refused: `Your account was disconnected in Microsoft Entra ID (disabled, or no longer assigned the app), ${ended} Ask your administrator to reconnect it.`,
    };
  const settings = await settingsOf(services, tenantId, now, false);
  if (!loginTypesOf(userProduct(doc, settings), settings).includes("entra"))
    return {
      refused: `Your account can no longer sign in with Microsoft Entra ID (the Entra login type was switched off, or your Object ID was removed), ${ended} Ask an administrator of your organization.`,
    };
  return { userName: String(doc.resource.userName) };
}

/**
 * A one-time invite (24 h): whoever signs in with Entra through it becomes an Admin of the tenant
 * (and links an unlinked tenant to their directory). Only its hash is stored; the link carries the
 * code in its fragment (`/auth/invite#<code>`), which browsers never send to a server.
 */
export async function createInvite(ctx: OperationContext, input: { userName?: string; publicBaseUrl: string }) {
  await requireTenant(ctx.services, ctx.tenantId);
  const userName = input.userName?.trim() || null;
  if (userName !== null && (userName.length > 256 || /\s/.test(userName)))
    throw new OperationError(
      400,
      "the invited user name (--user-name) is the Entra user name (preferred_username) of the person invited, without spaces, e.g. ann@contoso.com",
      "userName",
    );
  const { code, doc: fresh } = newInvite(ctx.tenantId, userName, ctx.now);
  const doc = { ...fresh, createdBy: actorFields(ctx.actor).tokenName };
  await logged(
    ctx,
    { operation: "invite-create", resourceType: "Invite", resourceId: doc.id.slice(0, 12) },
    async (trail) => {
      trail.changedAttributes = userName ? ["userName"] : [];
      await ctx.services.sessions.createInvite(doc);
    },
    () => 201,
  );
  return {
    url: `${input.publicBaseUrl.replace(/\/+$/, "")}/auth/invite#${code}`,
    expiresAt: doc.expiresAt,
    userName,
    validForHours: INVITE_TTL_SECONDS / 3600,
    id: doc.id.slice(0, 12),
  };
}
