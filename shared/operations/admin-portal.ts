import type { ClientInfo } from "../store/oauth.js";
import { adminRole } from "../product/settings.js";
import { endUserSessions } from "../auth/browser-sessions.js";
import type { TokenInfo } from "../store/tokens.js";
import { auditFilters, auditView, listAudit, type AuditFilterInput } from "./audit.js";
import type { OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { tenantSettings } from "./settings.js";
import { requireTenant } from "./tenants.js";
import { linkObjectId, requireUser, userProfile, userSummary } from "./users.js";
import { userProduct } from "./views.js";
import { currentRoleSource } from "./roles.js";

/**
 * The admin portal's reads and the writes no other client has: users search and detail, Entra
 * login linking, groups and teams with member counts, role preview, the provisioning log's
 * filters and hourly counts, connection health. Writes that the CLI also makes call its
 * operations (tokens, login types, teams, roles, object IDs).
 */

/** Largest page any list answers. */
export const MAX_PAGE_SIZE = 100;
/** Most groups the pickers list. */
export const MAX_GROUPS = 500;

export function pageOf(
  raw: { page?: string | null; pageSize?: string | null },
  defaultSize: number,
  maxSize = MAX_PAGE_SIZE,
): { page: number; pageSize: number } {
  const num = (value: string | null | undefined, field: string, fallback: number, max: number) => {
    if (value === undefined || value === null || value === "") return fallback;
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
      throw new OperationError(400, `${field} must be a whole number from 1 to ${max} (got "${value}")`, field);
    return Number(value);
  };
  return { page: num(raw.page, "page", 1, 100_000), pageSize: num(raw.pageSize, "pageSize", defaultSize, maxSize) };
}

/** Whether the user holds the tenant's admin role (granted, mapped or kept as the last one). */
export async function isTenantAdmin(ctx: OperationContext, userId: string): Promise<boolean> {
  const doc = await ctx.services.resources.get(ctx.tenantId, "User", userId);
  if (!doc) return false;
  const settings = await tenantSettings(ctx);
  return userProduct(doc, settings).role === adminRole(settings);
}

/** `GET /api/me`: who is signed in, their teams and role (and why), the tenant, and the CSRF token. */
export async function me(ctx: OperationContext, session: { userId: string; csrfToken: string }) {
  const tenant = await requireTenant(ctx.services, ctx.tenantId);
  const settings = await tenantSettings(ctx);
  const doc = await requireUser(ctx, session.userId);
  const user = await userSummary(ctx, doc, settings);
  return {
    user: { ...user, roleSource: await currentRoleSource(ctx, userProduct(doc, settings).roleSource) },
    tenant: { id: tenant.id, name: tenant.name, entraTenantId: tenant.entraTenantId ?? null },
    isAdmin: user.role === adminRole(settings),
    csrfToken: session.csrfToken,
    tenantUrl: ctx.baseUrl,
  };
}

/** `GET /api/admin/users/{id}`: the summary, where the role comes from, whether Entra sign-in works, who else carries the Object ID, and the newest 20 events. */
export async function userDetail(ctx: OperationContext, id: string) {
  const settings = await tenantSettings(ctx);
  const doc = await requireUser(ctx, id);
  const product = userProduct(doc, settings);
  const holders = product.objectId
    ? (await ctx.services.resources.usersWithObjectId(ctx.tenantId, product.objectId, 10)).map((d) => d.id).filter((h) => h !== id)
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
export async function setEntraLogin(ctx: OperationContext, id: string, objectId: unknown) {
  await linkObjectId(ctx, id, objectId);
  return userDetail(ctx, id);
}

/** `DELETE /api/admin/users/{id}/entra`: removes the Object ID (so the Entra login type) and ends the user's sessions. */
export async function removeEntraLogin(ctx: OperationContext, id: string) {
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
  if (!product.objectId) throw new OperationError(409, `User ${String(doc.resource.userName)} has no Microsoft Entra login to remove.`, "id");
  await logged(ctx, { operation: "entra-unlink", resourceType: "User", resourceId: id }, async (trail) => {
    trail.changedAttributes = ["objectId"];
    const fields = { objectId: undefined, objectIdSource: undefined };
    await ctx.services.resources.setProductFields(ctx.tenantId, doc, doc.product ? fields : { ...product, ...fields });
  });
  await endUserSessions(ctx.services.sessions, ctx.tenantId, id);
  return userDetail(ctx, id);
}

/** `GET /api/admin/groups`: provisioned groups with member counts, by displayName (at most MAX_GROUPS). */
export async function listGroups(ctx: OperationContext) {
  const { total, docs } = await ctx.services.resources.query(ctx.tenantId, "Group", { startIndex: 1, count: MAX_GROUPS });
  const members = await ctx.services.memberships.membersOf(
    ctx.tenantId,
    docs.map((d) => d.id),
  );
  const groups = docs
    .map((g) => ({
      id: g.id,
      displayName: String(g.resource.displayName ?? ""),
      externalId: typeof g.resource.externalId === "string" ? g.resource.externalId : null,
      members: members.get(g.id)?.length ?? 0,
    }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
  return { groups, total, truncated: total > docs.length };
}

/*
 * Teams and roles (`GET /api/admin/teams`, `/roles`, role preview, map and unmap) are in
 * operations/teams.ts and operations/roles.ts, which the CLI calls too.
 */

/** `GET /api/admin/audit`: the provisioning log newest first, filtered by operation, resource (id or name), status and time. */
export async function auditPage(ctx: OperationContext, raw: AuditFilterInput & { page?: string | null; pageSize?: string | null }) {
  const { page, pageSize } = pageOf(raw, 50, 200);
  const { total, events } = await listAudit(ctx, { ...(await auditFilters(ctx, raw)), limit: pageSize, page });
  return { events: events.map(auditView), page, pageSize, total, hasMore: page * pageSize < total };
}

const HOUR = 3600_000;

/** Ids of the tenant's SCIM tokens and OAuth clients (revoked and expired too): their events are Entra's requests. */
async function tokenIds(ctx: OperationContext): Promise<{ tokens: TokenInfo[]; clients: ClientInfo[]; ids: Set<string> }> {
  const [tokens, clients] = await Promise.all([ctx.services.tokens.list(ctx.tenantId, ctx.now), ctx.services.oauth.list(ctx.tenantId, ctx.now)]);
  return { tokens, clients, ids: new Set([...tokens.map((t) => t.id), ...clients.map((c) => c.clientId)]) };
}

/** `GET /api/admin/audit/hourly?days=7`: requests (SCIM writes by a token) and failures per hour, every hour of the range. */
export async function auditHourly(ctx: OperationContext, rawDays: string | null | undefined) {
  const days = rawDays === undefined || rawDays === null || rawDays === "" ? 7 : Number(rawDays);
  if (!Number.isInteger(days) || days < 1 || days > 31) throw new OperationError(400, `days must be a whole number from 1 to 31 (got "${rawDays}")`, "days");
  const currentHour = Math.floor(ctx.now.getTime() / HOUR) * HOUR;
  const first = currentHour - (days * 24 - 1) * HOUR;
  const { ids } = await tokenIds(ctx);
  const events = await ctx.services.auditLog.since(ctx.tenantId, new Date(first).toISOString(), ctx.now);
  const hours = Array.from({ length: days * 24 }, (_, i) => ({
    hour: new Date(first + i * HOUR).toISOString().replace(".000Z", "Z"),
    requests: 0,
    failures: 0,
  }));
  for (const e of events) {
    if (!ids.has(e.tokenId)) continue;
    const i = Math.floor((Date.parse(e.time) - first) / HOUR);
    if (i < 0 || i >= hours.length) continue;
    hours[i]!.requests++;
    if (e.status >= 400) hours[i]!.failures++;
  }
  return { hours };
}

export const tokenView = ({ tenantId: _t, ...token }: TokenInfo) => token;

/** An OAuth client as the portal shows it (never a secret or a hash). */
export const clientView = ({ tenantId: _t, ...client }: ClientInfo) => client;

/** `GET /api/admin/health`: is Entra provisioning working, and what needs attention. */
export async function connectionHealth(ctx: OperationContext) {
  const now = ctx.now.getTime();
  const { tokens, clients, ids } = await tokenIds(ctx);
  const week = (await ctx.services.auditLog.since(ctx.tenantId, new Date(now - 7 * 24 * HOUR).toISOString(), ctx.now)).sort((a, b) =>
    a.time < b.time ? 1 : -1,
  );
  const fromEntra = week.filter((e) => ids.has(e.tokenId));
  const day = fromEntra.filter((e) => Date.parse(e.time) >= now - 24 * HOUR);
  const failures24h = day.filter((e) => e.status >= 400).length;
  const lastUsed = [...tokens.map((t) => t.lastUsedAt), ...clients.map((c) => c.lastUsedAt)].filter((t): t is string => t !== null);
  const lastRequestAt = [...lastUsed, ...(fromEntra[0] ? [fromEntra[0].time] : [])].sort().pop() ?? null;
  const patchDialects = { default: 0, rfc: 0 };
  const ignored = new Map<string, { attribute: string; count: number; lastSeen: string }>();
  for (const e of week) {
    if (e.operation === "patch" && e.patchDialect) patchDialects[e.patchDialect]++;
    for (const attribute of e.ignoredAttributes ?? []) {
      const entry = ignored.get(attribute) ?? { attribute, count: 0, lastSeen: e.time };
      entry.count++;
      if (e.time > entry.lastSeen) entry.lastSeen = e.time;
      ignored.set(attribute, entry);
    }
  }
  return {
    lastRequestAt,
    lastSuccessAt: fromEntra.find((e) => e.status < 400)?.time ?? null,
    requests24h: day.length,
    failures24h,
    failureShare: day.length ? Math.round((failures24h / day.length) * 1000) / 1000 : 0,
    patchDialects,
    expiringTokens: tokens.filter((t) => t.expiresSoon).map(tokenView),
    activeTokens: tokens.filter((t) => t.status === "active").length,
    activeOAuthClients: clients.filter((c) => c.status === "active").length,
    oauthSecretsExpiring: clients.flatMap((c) =>
      c.status === "active"
        ? c.secrets
            .filter((s) => s.expiresSoon)
            .map((s) => ({ clientId: c.clientId, clientName: c.name, secretId: s.id, expiresAt: s.expiresAt, expiresInDays: s.expiresInDays }))
        : [],
    ),
    ignoredAttributes: [...ignored.values()].sort((a, b) => b.count - a.count || a.attribute.localeCompare(b.attribute)).slice(0, 50),
    objectIdConflicts: await ctx.services.resources.objectIdConflicts(ctx.tenantId, 50),
  };
}
