import { URN } from "../scim/urns.js";
import { parseResource } from "../scim/resource.js";
import { foldUserName } from "../scim/names.js";
import { isGuid } from "../auth/secrets.js";
import { canSignIn, loginTypesOf, newProductUser, userStatus, type ProductUser } from "../product/identity.js";
import { LOGIN_TYPES, type LoginType, type TenantSettings } from "../product/settings.js";
import { teamsOf } from "../product/teams.js";
import type { ResourceDoc, StoredProduct, UserSearch } from "../store/resources.js";
import type { DeletedUser, UserPage, UserSummary } from "../contracts/admin-api.js";
import type { OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { createResource } from "./resources.js";
import { tenantSettings } from "./settings.js";
import { currentRoleSource } from "./roles.js";
import { groupFacts, userProduct } from "./views.js";

/** Users as the product's admins see them: listed and searched, shown with every attribute, login, role and teams, linked to Entra by hand. */

/** Largest page of the users list; deepest match a page may start after (the page reads every id before it). */
const USERS_MAX_PAGE_SIZE = 100;
const USERS_MAX_SKIP = 10_000;
/** Most members a team filter passes to the query (as one array parameter). */
const TEAM_FILTER_MAX = 5_000;
const USER_SORTS = ["userName", "created", "lastModified"] as const;

/**
 * An Entra object ID as typed (portal, API or CLI): a GUID, lower-cased; 400 naming `field` otherwise.
 * The one check every client of setObjectId goes through.
 */
function objectIdFrom(value: unknown, field = "objectId"): string {
  if (!isGuid(typeof value === "string" ? value.trim() : value))
    throw new OperationError(
      400,
      `${field} must be the user's Microsoft Entra object ID, a GUID such as 11111111-2222-4333-8444-555555555555 (Entra admin center → Users → the user → Object ID); got ${JSON.stringify(value ?? null)}`,
      field,
    );
  return (value as string).trim().toLowerCase();
}

/** Which login types let the user sign in now: active, its own credential, and the tenant allows the type. The one rule the CLI and the portal show. */
function signInBy(
  product: ProductUser,
  resource: Record<string, unknown>,
  settings: TenantSettings,
): Record<LoginType, boolean> {
  return Object.fromEntries(LOGIN_TYPES.map((t) => [t, canSignIn(product, resource, settings, t)])) as Record<
    LoginType,
    boolean
  >;
}

async function groupsOf(ctx: OperationContext, userId: string): Promise<ResourceDoc[]> {
  return ctx.services.resources.getMany(
    ctx.tenantId,
    "Group",
    await ctx.services.memberships.groupsOf(ctx.tenantId, userId),
  );
}

/** A user as the portal lists it. */
export async function userSummary(
  ctx: OperationContext,
  doc: ResourceDoc,
  settings: TenantSettings,
): Promise<UserSummary> {
  const product = userProduct(doc, settings);
  const teams = teamsOf((await groupsOf(ctx, doc.id)).map(groupFacts), settings);
  return {
    id: doc.id,
    userName: String(doc.resource.userName),
    displayName: typeof doc.resource.displayName === "string" ? doc.resource.displayName : null,
    status: userStatus(doc.resource),
    loginTypes: loginTypesOf(product, settings),
    objectId: product.objectId ?? null,
    role: product.role,
    teams: teams.map(({ id, name }) => ({ id, name })),
  };
}

export async function requireUser(ctx: OperationContext, id: string): Promise<ResourceDoc> {
  const doc = await ctx.services.resources.get(ctx.tenantId, "User", id);
  if (!doc)
    throw new OperationError(
      404,
      `No user with id ${id} in this tenant; it may have been deleted by provisioning.`,
      "id",
    );
  return doc;
}

/**
 * A user named by its SCIM id, its userName (any case) or its Entra Object ID; 404 when none, 409
 * when an Object ID is carried by several users (each is named, to be shown by id).
 */
export async function findUser(ctx: OperationContext, ref: string): Promise<ResourceDoc> {
  const { resources } = ctx.services;
  const text = ref.trim();
  if (text === "")
    throw new OperationError(400, "--user is required: the user's SCIM id, userName or Entra Object ID", "user");
  const doc =
    (await resources.get(ctx.tenantId, "User", text)) ??
    (await resources.findBy(ctx.tenantId, "User", "userName", text));
  if (doc) return doc;
  if (isGuid(text)) {
    const holders = await resources.usersWithObjectId(ctx.tenantId, text.toLowerCase(), 10);
    const byExternal = holders.length
      ? holders
      : (await resources.query(ctx.tenantId, "User", { filter: externalIdIs(text), startIndex: 1, count: 10 })).docs;
    if (byExternal.length === 1) return byExternal[0]!;
    if (byExternal.length > 1)
      throw new OperationError(
        409,
        `Object ID ${text} is carried by ${byExternal.map((d) => `${String(d.resource.userName)} (${d.id})`).join(", ")}; name one by its id`,
        "user",
      );
  }
  throw new OperationError(
    404,
    `no user '${text}' in tenant ${ctx.tenantId}: give its SCIM id, userName or Entra Object ID (user list --search finds it)`,
    "user",
  );
}

const externalIdIs = (value: string) => ({
  kind: "compare" as const,
  attrPath: "externalId",
  op: "eq" as const,
  value,
});

/**
 * Creates a user in the product (before provisioning, or one Entra does not manage): the same
 * SCIM create operation Entra's token calls, so it is validated and logged the same way.
 */
export async function createUser(
  ctx: OperationContext,
  input: { userName: string; loginTypes: LoginType[]; objectId?: string; displayName?: string },
) {
  if (input.loginTypes.includes("entra") && !input.objectId)
    throw new OperationError(400, "--login-types entra needs --object-id (the user's Entra object ID)", "objectId");
  const objectId = input.objectId === undefined ? undefined : objectIdFrom(input.objectId, "--object-id");
  const settings = await tenantSettings(ctx);
  const product = newProductUser(settings, {
    password: input.loginTypes.includes("password"),
    objectId,
    source: "admin",
  });
  const resource = {
    schemas: [URN.user],
    userName: input.userName,
    ...(input.displayName ? { displayName: input.displayName } : {}),
    active: true,
  };
  const created = await logged(
    ctx,
    { operation: "create", resourceType: "User" },
    (trail) => {
      trail.name(resource);
      return createResource(
        ctx,
        trail,
        "User",
        parseResource(resource, "User"),
        { status: 201 },
        { product: product as unknown as StoredProduct },
      );
    },
    () => 201,
  );
  return { id: created.id, userName: input.userName };
}

/** A user (by SCIM id, userName or Object ID) with its status, login types, Object ID, teams, role and where the role comes from. */
export async function showUser(ctx: OperationContext, ref: string) {
  const { resources } = ctx.services;
  const settings = await tenantSettings(ctx);
  const doc = await findUser(ctx, ref);
  const id = doc.id;
  const product = userProduct(doc, settings);
  const groups = (await groupsOf(ctx, id)).map(groupFacts);
  const holders = product.objectId
    ? (await resources.usersWithObjectId(ctx.tenantId, product.objectId, 10)).map((d) => d.id).filter((h) => h !== id)
    : [];
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
    roleSource: await currentRoleSource(ctx, product.roleSource),
    canSignIn: signInBy(product, doc.resource, settings),
  };
}

/**
 * What the user page shows beyond the summary: every stored attribute (core and extensions, as
 * Entra sent them), the manager by name, the groups, meta dates, and which login types sign in.
 */
export async function userProfile(ctx: OperationContext, doc: ResourceDoc, settings: TenantSettings) {
  const { schemas: _s, password: _p, ...attributes } = doc.resource as Record<string, unknown>;
  const managerId = (
    (doc.resource[URN.enterpriseUser] as Record<string, unknown> | undefined)?.manager as
      { value?: unknown } | undefined
  )?.value;
  const manager =
    typeof managerId === "string" ? await ctx.services.resources.get(ctx.tenantId, "User", managerId) : undefined;
  const groups = (await groupsOf(ctx, doc.id))
    .map((g) => ({ id: g.id, displayName: String(g.resource.displayName ?? g.id) }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
  return {
    attributes,
    manager:
      typeof managerId === "string"
        ? {
            id: managerId,
            userName: manager ? String(manager.resource.userName) : null,
            displayName: typeof manager?.resource.displayName === "string" ? manager.resource.displayName : null,
          }
        : null,
    groups,
    meta: { created: doc.meta.created, lastModified: doc.meta.lastModified },
    canSignIn: signInBy(userProduct(doc, settings), doc.resource, settings),
  };
}

type Raw = string | null | undefined;

function whole(value: Raw, field: string, fallback: number, max: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
    throw new OperationError(400, `${field} must be a whole number from 1 to ${max} (got "${value}")`, field);
  return Number(value);
}

function oneOf<T extends string>(value: Raw, field: string, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (!allowed.includes(value as T))
    throw new OperationError(400, `${field} must be one of ${allowed.join(", ")} (got "${value}")`, field);
  return value as T;
}

/** The members of a team (a product team: members of the groups mapped onto it; else the group itself). */
async function teamMembers(ctx: OperationContext, team: string, settings: TenantSettings): Promise<string[]> {
  const { docs } = await ctx.services.resources.query(ctx.tenantId, "Group", { startIndex: 1, count: 10_000 });
  const groups = docs.filter((g) => teamsOf([groupFacts(g)], settings)[0]?.id === team);
  if (groups.length === 0)
    throw new OperationError(
      400,
      `team "${team}" is not a team of this tenant: pick one from the Teams page (GET /api/admin/teams)`,
      "team",
    );
  const members = await ctx.services.memberships.membersOf(
    ctx.tenantId,
    groups.map((g) => g.id),
  );
  const ids = [...new Set([...members.values()].flat())];
  if (ids.length > TEAM_FILTER_MAX)
    throw new OperationError(
      400,
      `team "${team}" has ${ids.length} members; the team filter takes teams of up to ${TEAM_FILTER_MAX}: search within it instead`,
      "team",
    );
  return ids;
}

/**
 * `GET /api/admin/users` and `user list`: users (or, with view=deleted, users deleted through SCIM
 * and still kept) whose userName, display name, name parts, externalId, Object ID or id contains
 * `search` (any case), filtered by status, role and team, sorted by userName, created or
 * lastModified, one page.
 */
export async function listUsers(
  ctx: OperationContext,
  raw: {
    search?: Raw;
    status?: Raw;
    role?: Raw;
    team?: Raw;
    sort?: Raw;
    order?: Raw;
    view?: Raw;
    page?: Raw;
    pageSize?: Raw;
  },
): Promise<UserPage> {
  const page = whole(raw.page, "page", 1, 100_000);
  const pageSize = whole(raw.pageSize, "pageSize", 25, USERS_MAX_PAGE_SIZE);
  if ((page - 1) * pageSize > USERS_MAX_SKIP)
    throw new OperationError(
      400,
      `page ${page} starts after match ${USERS_MAX_SKIP}: narrow the list with search or a filter`,
      "page",
    );
  const search = raw.search?.trim() ?? "";
  if (search.length > 200) throw new OperationError(400, "search is at most 200 characters", "search");
  const view = oneOf(raw.view, "view", ["current", "deleted"] as const) ?? "current";
  const status = oneOf(raw.status, "status", ["active", "disconnected"] as const);
  const sortBy = oneOf(raw.sort, "sort", USER_SORTS) ?? "userName";
  const order = oneOf(raw.order, "order", ["asc", "desc"] as const) ?? "asc";
  const settings = await tenantSettings(ctx);
  let role: UserSearch["role"];
  if (raw.role) {
    const found = settings.roles.find((r) => r.toLowerCase() === raw.role!.trim().toLowerCase());
    if (!found)
      throw new OperationError(400, `role must be one of ${settings.roles.join(", ")} (got "${raw.role}")`, "role");
    role = { role: found, orUnset: found === settings.defaultRole };
  }
  const ids = raw.team ? await teamMembers(ctx, raw.team.trim(), settings) : undefined;
  const { total, docs } = await ctx.services.resources.searchUsers(ctx.tenantId, {
    kind: view === "deleted" ? "DeletedUser" : "User",
    ...(search ? { text: foldUserName(search) } : {}),
    ...(status ? { active: status === "active" } : {}),
    ...(role ? { role } : {}),
    ...(ids ? { ids } : {}),
    sortBy,
    descending: order === "desc",
    skip: (page - 1) * pageSize,
    count: pageSize,
  });
  const base = { total, page, pageSize, sort: sortBy, order, view };
  if (view === "deleted") return { ...base, users: docs.map(deletedView) };
  const users = [];
  for (const doc of docs) users.push(await userSummary(ctx, doc, settings));
  return { ...base, users };
}

/** A deleted user as kept: read-only, with when it was deleted and when it is purged. */
function deletedView(doc: ResourceDoc): DeletedUser {
  const product = doc.product as { objectId?: unknown } | undefined;
  const deletedAt = doc.deletedAt ?? null;
  return {
    id: doc.id,
    userName: String(doc.resource.userName),
    displayName: typeof doc.resource.displayName === "string" ? doc.resource.displayName : null,
    status: "deleted" as const,
    objectId:
      typeof product?.objectId === "string"
        ? product.objectId
        : typeof doc.resource.externalId === "string"
          ? doc.resource.externalId
          : null,
    deletedAt,
    purgeAt: deletedAt && doc.ttl ? new Date(Date.parse(deletedAt) + doc.ttl * 1000).toISOString() : null,
  };
}

/** Sets a user's Entra object ID by hand (it stays until Entra sends an externalId). The value must be a GUID (objectIdFrom). */
export async function setObjectId(ctx: OperationContext, id: string, objectId: string) {
  const oid = objectIdFrom(objectId, "objectId");
  const settings = await tenantSettings(ctx);
  const doc = await ctx.services.resources.get(ctx.tenantId, "User", id);
  if (!doc) throw new OperationError(404, `no user ${id} in tenant ${ctx.tenantId}`, "user");
  return logged(ctx, { operation: "set-object-id", resourceType: "User", resourceId: id }, async (trail) => {
    trail.changedAttributes = ["objectId"];
    const fields = doc.product
      ? { objectId: oid, objectIdSource: "admin" }
      : { ...userProduct(doc, settings), objectId: oid, objectIdSource: "admin" };
    await ctx.services.resources.setProductFields(ctx.tenantId, doc, fields);
    return { id, objectId: oid };
  });
}

/**
 * Links a user to an Entra account (portal, API and CLI): a GUID, and one no other user carries
 * (409 naming them: sign-in refuses an Object ID two users carry).
 */
export async function linkObjectId(ctx: OperationContext, id: string, objectId: unknown) {
  const oid = objectIdFrom(objectId);
  await requireUser(ctx, id);
  const others = (await ctx.services.resources.usersWithObjectId(ctx.tenantId, oid, 10)).filter((d) => d.id !== id);
  if (others.length > 0) {
    const names = others.map((d) => `${String(d.resource.userName)} (${d.id})`).join(", ");
    throw new OperationError(
      409,
      `Object ID ${oid} is already carried by ${names}; remove it there first, since sign-in refuses an Object ID two users carry.`,
      "objectId",
    );
  }
  return setObjectId(ctx, id, oid);
}
