import { endUserSessions } from "../auth/browser-sessions.js";
import { listAudit, auditView } from "./audit.js";
import type { OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { tenantSettings } from "./settings.js";
import { linkObjectId, requireUser, userProfile, userSummary } from "./users.js";
import { userProduct } from "./views.js";
import { currentRoleSource } from "./roles.js";
import type { UserDetail } from "../contracts/admin-api.js";

/** The admin portal's user page: the detail of one user, and linking or unlinking their Microsoft Entra login. */

/** `GET /api/admin/users/{id}`: the summary, where the role comes from, whether Entra sign-in works, who else carries the Object ID, and the newest 20 events. */
export async function userDetail(ctx: OperationContext, id: string): Promise<UserDetail> {
  const settings = await tenantSettings(ctx);
  const doc = await requireUser(ctx, id);
  const product = userProduct(doc, settings);
  const holders = product.objectId
    ? (await ctx.services.resources.usersWithObjectId(ctx.tenantId, product.objectId, 10))
        .map((d) => d.id)
        .filter((h) => h !== id)
    : [];
  const history = await listAudit(ctx, { resourceId: id, limit: 20, page: 1 });
  return {
    ...(await userSummary(ctx, doc, settings)),
    ...(await userProfile(ctx, doc, settings)),
    roleSource: await currentRoleSource(ctx, product.roleSource),
    objectIdHolders: holders,
    history: history.events.map(auditView),
  };
}

/** `PUT /api/admin/users/{id}/entra`: sets the Object ID (so the Entra login type); 400 not a GUID, 409 another user carries it. */
export async function setEntraLogin(ctx: OperationContext, id: string, objectId: unknown): Promise<UserDetail> {
  await linkObjectId(ctx, id, objectId);
  return userDetail(ctx, id);
}

/** `DELETE /api/admin/users/{id}/entra`: removes the Object ID (so the Entra login type) and ends the user's sessions. */
export async function removeEntraLogin(ctx: OperationContext, id: string): Promise<UserDetail> {
  const doc = await requireUser(ctx, id);
  if (ctx.actor.kind === "admin" && ctx.actor.id === id) {
    throw new OperationError(
      422,
      "You cannot remove your own Microsoft Entra login: you would be signed out and could not sign in again. Ask another Admin.",
      "id",
    );
  }
  const settings = await tenantSettings(ctx);
  const product = userProduct(doc, settings);
  if (!product.objectId)
    throw new OperationError(
      409,
      `User ${String(doc.resource.userName)} has no Microsoft Entra login to remove.`,
      "id",
    );
  await logged(ctx, { operation: "entra-unlink", resourceType: "User", resourceId: id }, async (trail) => {
    trail.changedAttributes = ["objectId"];
    const fields = { objectId: undefined, objectIdSource: undefined };
    await ctx.services.resources.setProductFields(ctx.tenantId, doc, doc.product ? fields : { ...product, ...fields });
  });
  await endUserSessions(ctx.services.sessions, ctx.tenantId, id);
  return userDetail(ctx, id);
}
