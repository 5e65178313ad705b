import { adminRole, type TenantSettings } from "../product/settings.js";
import { loginTypesOf, userStatus, type RoleSource } from "../product/identity.js";
import { computeRole } from "../product/roles.js";
import { planDemotion, planGrant, roleReason } from "../product/admins.js";
import { PreconditionFailedError } from "../store/errors.js";
import type { ResourceDoc } from "../store/resources.js";
import type { InviteDoc } from "../store/sessions.js";
import { actorFields, type OperationContext, type Services } from "./context.js";
import { roleEvent } from "./plans.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { tenantSettings } from "./settings.js";
import { requireTenant } from "./tenants.js";
import { groupFacts, isActive, userProduct } from "./views.js";
import { inviteState } from "../auth/login-flow.js";
import { foldUserName } from "../scim/names.js";
import type { AdminDemoted, AdminGranted, AdminList, AdminRow, InviteRow } from "../contracts/admin-api.js";

/**
 * The tenant's Admins and its open invites, for the Admins page and the CLI (`admin list|demote`,
 * `invite list|revoke`): who is Admin and why, demoting a directly granted Admin (never the last
 * one who can sign in), and revoking an invite. Every change is in the provisioning log.
 */

/** Most Admins listed (a tenant has a handful). */
const MAX_ADMINS = 1000;

/** Whether a user can reach the admin portal: active, with a Microsoft Entra login the tenant allows. */
const canSignIn = (doc: ResourceDoc, settings: TenantSettings) =>
  isActive(doc) && loginTypesOf(userProduct(doc, settings), settings).includes("entra");

async function groupsOf(ctx: OperationContext, userId: string) {
  const ids = await ctx.services.memberships.groupsOf(ctx.tenantId, userId);
  return (await ctx.services.resources.getMany(ctx.tenantId, "Group", ids)).map(groupFacts);
}

/** An Admin as the page and the CLI show it. */
type AdminView = AdminRow;

/** A role source with its group's current name (the group may have been renamed since the role was computed). */
async function withCurrentGroupName(ctx: OperationContext, source: RoleSource): Promise<RoleSource> {
  if (source.kind !== "group") return source;
  const group = await ctx.services.resources.get(ctx.tenantId, "Group", source.groupId);
  return group && typeof group.resource.displayName === "string"
    ? { ...source, groupName: group.resource.displayName }
    : source;
}

async function adminView(
  ctx: OperationContext,
  doc: ResourceDoc,
  settings: TenantSettings,
  othersWhoCanSignIn: number,
): Promise<AdminView> {
  const product = userProduct(doc, settings);
  const computed = computeRole(await groupsOf(ctx, doc.id), settings);
  const source = await withCurrentGroupName(ctx, product.roleSource);
  const reason = roleReason(source);
  const plan = planDemotion({
    userName: String(doc.resource.userName),
    admin: adminRole(settings),
    role: product.role,
    source,
    computed,
    self: ctx.actor.kind === "admin" && ctx.actor.id === doc.id,
    othersWhoCanSignIn,
  });
  return {
    id: doc.id,
    userName: String(doc.resource.userName),
    displayName: typeof doc.resource.displayName === "string" ? doc.resource.displayName : null,
    status: userStatus(doc.resource),
    canSignIn: canSignIn(doc, settings),
    reason,
    demotable: plan.kind === "demote",
    refusal: plan.kind === "refused" ? plan.detail : null,
    afterDemotion: plan.kind === "demote" ? { role: plan.role, reason: roleReason(plan.source) } : null,
  };
}

async function admins(ctx: OperationContext, settings: TenantSettings): Promise<ResourceDoc[]> {
  return ctx.services.resources.usersWithRole(ctx.tenantId, adminRole(settings), MAX_ADMINS);
}

/** `admin list`, `GET /api/admin/admins`: every Admin, why, and whether Demote is offered. */
export async function listAdmins(ctx: OperationContext): Promise<AdminList> {
  await requireTenant(ctx.services, ctx.tenantId);
  const settings = await tenantSettings(ctx, { fresh: true });
  const docs = await admins(ctx, settings);
  const signingIn = docs.filter((d) => canSignIn(d, settings)).map((d) => d.id);
  const out: AdminView[] = [];
  for (const doc of docs) out.push(await adminView(ctx, doc, settings, signingIn.filter((id) => id !== doc.id).length));
  out.sort((a, b) => a.userName.localeCompare(b.userName));
  return { role: adminRole(settings), admins: out };
}

/** Whether the tenant has an Admin who can sign in to the portal (the local host's "sign in the first Admin" hint). */
export async function hasAdminWhoCanSignIn(services: Services, tenantId: string, now: Date): Promise<boolean> {
  const ctx: OperationContext = {
    tenantId,
    actor: { kind: "admin", id: "host", name: "host" },
    now,
    services,
    baseUrl: "",
  };
  const settings = await tenantSettings(ctx);
  return (await admins(ctx, settings)).some((d) => canSignIn(d, settings));
}

/** A user by SCIM id or userName; 404 naming what to check. */
async function findUser(ctx: OperationContext, selector: string): Promise<ResourceDoc> {
  const { resources } = ctx.services;
  const doc =
    (await resources.get(ctx.tenantId, "User", selector)) ??
    (await resources.findBy(ctx.tenantId, "User", "userName", selector));
  if (!doc)
    throw new OperationError(404, `No user with id or userName ${selector} in this tenant (see: admin list).`, "user");
  return doc;
}

/**
 * `admin demote`, `POST /api/admin/admins/{id}/demote`: drops a direct Admin grant; the user keeps
 * the role its groups give. The write is guarded by the user's ETag (reread up to 3 times); if
 * another demotion landed at the same moment and no Admin who can sign in is left, this one is
 * restored and refused.
 */
export async function demoteAdmin(ctx: OperationContext, selector: string): Promise<AdminDemoted> {
  if (selector.trim() === "") throw new OperationError(400, "name the Admin to demote: their id or userName", "user");
  const settings = await tenantSettings(ctx, { fresh: true });
  const admin = adminRole(settings);
  const first = await findUser(ctx, selector.trim());
  return logged(ctx, { operation: "admin-demote", resourceType: "User", resourceId: first.id }, async (trail) => {
    for (let attempt = 1, doc = first; ; attempt++) {
      const product = userProduct(doc, settings);
      const others = (await admins(ctx, settings)).filter((d) => d.id !== doc.id && canSignIn(d, settings)).length;
      const plan = planDemotion({
        userName: String(doc.resource.userName),
        admin,
        role: product.role,
        source: await withCurrentGroupName(ctx, product.roleSource),
        computed: computeRole(await groupsOf(ctx, doc.id), settings),
        self: ctx.actor.kind === "admin" && ctx.actor.id === doc.id,
        othersWhoCanSignIn: others,
      });
      if (plan.kind === "refused") throw new OperationError(plan.status, plan.detail, plan.field);
      const fields = { role: plan.role, roleSource: plan.source };
      try {
        await ctx.services.resources.setProductFields(
          ctx.tenantId,
          doc,
          doc.product ? fields : { ...product, ...fields },
          { ifMatch: true, event: roleEvent(ctx.tenantId, actorFields(ctx.actor).tokenName, ctx.now, doc, fields) },
        );
      } catch (error) {
        if (!(error instanceof PreconditionFailedError) || attempt >= 3) throw error;
        doc = await findUser(ctx, doc.id);
        continue;
      }
      if (!plan.stillAdmin && !(await admins(ctx, settings)).some((d) => canSignIn(d, settings))) {
        const restore = { role: product.role, roleSource: product.roleSource };
        await ctx.services.resources.setProductFields(
          ctx.tenantId,
          doc,
          doc.product ? restore : { ...product, ...restore },
          {
            event: roleEvent(
              ctx.tenantId,
              actorFields(ctx.actor).tokenName,
              ctx.now,
              { ...doc, product: { ...(doc.product ?? product), ...fields } },
              restore,
            ),
          },
        );
        throw new OperationError(
          409,
          `Another ${admin} was demoted at the same moment, so ${String(doc.resource.userName)} is the last ${admin} who can sign in and stays ${admin}.`,
          "user",
        );
      }
      trail.changedAttributes = [`role = ${plan.role}`, `roleSource = ${plan.source.kind}`];
      return {
        user: { id: doc.id, userName: String(doc.resource.userName) },
        role: plan.role,
        reason: roleReason(plan.source),
        stillAdmin: plan.stillAdmin,
      };
    }
  });
}

/** A user that was deleted through SCIM and is kept for the retention period, by id or userName. */
async function deletedUser(ctx: OperationContext, selector: string): Promise<ResourceDoc | undefined> {
  const search = { kind: "DeletedUser" as const, sortBy: "userName" as const, descending: false, skip: 0, count: 50 };
  const byId = await ctx.services.resources.searchUsers(ctx.tenantId, { ...search, ids: [selector] });
  if (byId.docs[0]) return byId.docs[0];
  const byName = await ctx.services.resources.searchUsers(ctx.tenantId, { ...search, text: foldUserName(selector) });
  return byName.docs.find((d) => foldUserName(String(d.resource.userName)) === foldUserName(selector));
}

/**
 * `admin grant`, `POST /api/admin/admins` {user}: an Admin makes an existing user Admin directly
 * (reason "granted by <admin>"; Demote takes it back). Refused for a deleted or disconnected user
 * and for one who is Admin already. The write is guarded by the user's ETag (reread up to 3 times).
 */
export async function grantAdmin(ctx: OperationContext, selector: string): Promise<AdminGranted> {
  const wanted = selector.trim();
  if (wanted === "")
    throw new OperationError(400, "user is required: the id or userName of the user to make Admin", "user");
  const settings = await tenantSettings(ctx, { fresh: true });
  const admin = adminRole(settings);
  const found =
    (await ctx.services.resources.get(ctx.tenantId, "User", wanted)) ??
    (await ctx.services.resources.findBy(ctx.tenantId, "User", "userName", wanted));
  if (!found) {
    const gone = await deletedUser(ctx, wanted);
    if (gone)
      throw new OperationError(
        409,
        `${String(gone.resource.userName)} was deleted through SCIM${gone.deletedAt ? ` on ${gone.deletedAt}` : ""}; a deleted user cannot be made ${admin}. Assign them to the app in Microsoft Entra ID again, let a provisioning cycle run, then make them ${admin}.`,
        "user",
      );
    throw new OperationError(404, `No user with id or userName ${wanted} in this tenant (see: user list).`, "user");
  }
  return logged(ctx, { operation: "admin-grant", resourceType: "User", resourceId: found.id }, async (trail) => {
    for (let attempt = 1, doc = found; ; attempt++) {
      const product = userProduct(doc, settings);
      const userName = String(doc.resource.userName);
      const plan = planGrant({
        userName,
        admin,
        role: product.role,
        source: await withCurrentGroupName(ctx, product.roleSource),
        status: userStatus(doc.resource),
      });
      if (plan.kind === "refused") throw new OperationError(plan.status, plan.detail, plan.field);
      const source: RoleSource = {
        kind: "admin",
        grantedBy: ctx.actor.kind === "admin" ? ctx.actor.name : ctx.actor.tokenName,
        since: ctx.now.toISOString(),
      };
      const fields = { role: admin, roleSource: source };
      try {
        await ctx.services.resources.setProductFields(
          ctx.tenantId,
          doc,
          doc.product ? fields : { ...product, ...fields },
          { ifMatch: true, event: roleEvent(ctx.tenantId, actorFields(ctx.actor).tokenName, ctx.now, doc, fields) },
        );
      } catch (error) {
        if (!(error instanceof PreconditionFailedError) || attempt >= 3) throw error;
        const again = await ctx.services.resources.get(ctx.tenantId, "User", doc.id);
        if (!again) throw new OperationError(409, `${userName} was deleted meanwhile; nothing was granted.`, "user");
        doc = again;
        continue;
      }
      trail.describe(
        { userName, role: product.role, roleSource: product.roleSource.kind },
        { userName, role: admin, roleSource: "admin" },
      );
      return {
        user: { id: doc.id, userName },
        role: admin,
        reason: roleReason(source),
        canSignIn: canSignIn(doc, settings),
      };
    }
  });
}

/** An open invite as the page and the CLI show it: never its code or link (shown once, at creation), only the first 12 characters of its hash. */
export type InviteView = InviteRow;

const inviteView = (doc: InviteDoc): InviteView => ({
  id: doc.id.slice(0, 12),
  userName: doc.userName,
  createdAt: doc.createdAt,
  expiresAt: doc.expiresAt,
  createdBy: doc.createdBy ?? null,
});

/** `invite list`, `GET /api/admin/invites`: the invites that still work (neither used nor expired), newest first. */
export async function listInvites(ctx: OperationContext): Promise<{ invites: InviteView[] }> {
  await requireTenant(ctx.services, ctx.tenantId);
  const docs = await ctx.services.sessions.listInvites(ctx.tenantId);
  const open = docs
    .filter((d) => inviteState(d, ctx.now) === "valid")
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  return { invites: open.map(inviteView) };
}

/** `invite revoke`, `POST /api/admin/invites/{id}/revoke`: deletes an open invite (by the id the list shows), so its link no longer signs anyone in. */
export async function revokeInvite(ctx: OperationContext, id: string): Promise<{ invite: InviteView }> {
  const short = id.trim().toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(short))
    throw new OperationError(
      400,
      `an invite's id is the 12 characters that invite list shows, e.g. 3f9a0c1b2d4e (got "${id}")`,
      "id",
    );
  await requireTenant(ctx.services, ctx.tenantId);
  const doc = (await ctx.services.sessions.listInvites(ctx.tenantId)).find((d) => d.id.startsWith(short));
  const state = inviteState(doc, ctx.now);
  if (!doc || state === "unknown")
    throw new OperationError(404, `No invite ${short} in this tenant (see: invite list).`, "id");
  if (state !== "valid")
    throw new OperationError(409, `Invite ${short} is ${state} already; only an open invite can be revoked.`, "id");
  return logged(ctx, { operation: "invite-revoke", resourceType: "Invite", resourceId: short }, async (trail) => {
    if (!(await ctx.services.sessions.deleteInvite(doc.id)))
      throw new OperationError(404, `Invite ${short} is gone already (used or revoked meanwhile).`, "id");
    trail.changedAttributes = ["revoked"];
    return { invite: inviteView(doc) };
  });
}

/** Whether the user holds the tenant's admin role (granted, mapped or kept as the last one). */
export async function isTenantAdmin(ctx: OperationContext, userId: string): Promise<boolean> {
  const doc = await ctx.services.resources.get(ctx.tenantId, "User", userId);
  if (!doc) return false;
  const settings = await tenantSettings(ctx);
  return userProduct(doc, settings).role === adminRole(settings);
}
