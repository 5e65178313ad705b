import { URN } from "../scim/urns.js";
import { canSignIn, loginTypesOf, newProductUser, userStatus } from "../product/identity.js";
import type { LoginType } from "../product/settings.js";
import { teamsOf } from "../product/teams.js";
import type { StoredProduct } from "../store/resources.js";
import type { OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { createResource } from "./resources.js";
import { tenantSettings } from "./settings.js";
import { groupFacts, userProduct } from "./views.js";

/** Users as the product's admins see them: created in the product, shown with login, role and teams, linked to Entra by hand. */

/**
 * Creates a user in the product (before provisioning, or one Entra does not manage): the same
 * SCIM create operation Entra's token calls, so it is validated and logged the same way.
 */
export async function createUser(ctx: OperationContext, input: { userName: string; loginTypes: LoginType[]; objectId?: string; displayName?: string }) {
  if (input.loginTypes.includes("entra") && !input.objectId)
    throw new OperationError(400, "--login-types entra needs --object-id (the user's Entra object ID)", "objectId");
  const settings = await tenantSettings(ctx);
  const product = newProductUser(settings, { password: input.loginTypes.includes("password"), objectId: input.objectId, source: "admin" });
  const outcome = await createResource(
    ctx,
    "User",
    {
      body: async () => ({ schemas: [URN.user], userName: input.userName, ...(input.displayName ? { displayName: input.displayName } : {}), active: true }),
      projection: {},
    },
    { product: product as unknown as StoredProduct },
  );
  const id = (outcome.body as { id: string }).id;
  return { id, userName: input.userName };
}

/** A user with its status, login types, Object ID, teams, role and where the role comes from. */
export async function showUser(ctx: OperationContext, id: string) {
  const { resources, memberships } = ctx.services;
  const settings = await tenantSettings(ctx);
  const doc = await resources.get(ctx.tenantId, "User", id);
  if (!doc) throw new OperationError(404, `no user ${id} in tenant ${ctx.tenantId}`, "user");
  const product = userProduct(doc, settings);
  const groups = (await resources.getMany(ctx.tenantId, "Group", await memberships.groupsOf(ctx.tenantId, id))).map(groupFacts);
  const holders = product.objectId ? (await resources.usersWithObjectId(ctx.tenantId, product.objectId, 10)).map((d) => d.id).filter((h) => h !== id) : [];
  return {
    id,
    userName: doc.resource.userName,
    status: userStatus(doc.resource),
    loginTypes: loginTypesOf(product, settings),
    objectId: product.objectId ?? null,
    /** Other users carrying the same Object ID: Entra sign-in refuses both until an admin resolves it. */
    objectIdHolders: holders,
    teams: teamsOf(groups, settings),
    role: product.role,
    roleSource: product.roleSource,
    canSignIn: { password: canSignIn(product, doc.resource, settings, "password"), entra: canSignIn(product, doc.resource, settings, "entra") },
  };
}

/** Sets a user's Entra object ID by hand (it stays until Entra sends an externalId). */
export async function setObjectId(ctx: OperationContext, id: string, objectId: string) {
  if (objectId.trim() === "") throw new OperationError(400, "--object-id is required", "objectId");
  const settings = await tenantSettings(ctx);
  const doc = await ctx.services.resources.get(ctx.tenantId, "User", id);
  if (!doc) throw new OperationError(404, `no user ${id} in tenant ${ctx.tenantId}`, "user");
  return logged(ctx, { operation: "set-object-id", resourceType: "User", resourceId: id }, async (trail) => {
    trail.changedAttributes = ["objectId"];
    const fields = doc.product ? { objectId, objectIdSource: "admin" } : { ...userProduct(doc, settings), objectId, objectIdSource: "admin" };
    await ctx.services.resources.setProductFields(ctx.tenantId, doc, fields);
    return { id, objectId };
  });
}
