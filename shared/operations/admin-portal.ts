import type { ClientInfo } from "../store/oauth.js";
import { parseFilter } from "../scim/filter.js";
import { canSignIn, loginTypesOf, userStatus } from "../product/identity.js";
import { adminRole, canonicalRole, type TenantSettings } from "../product/settings.js";
import { computeRole, nextRole } from "../product/roles.js";
import { groupMatches } from "../product/groups.js";
import { teamsOf } from "../product/teams.js";
import { isGuid } from "../auth/secrets.js";
import { endUserSessions } from "../auth/browser-sessions.js";
import { QueryTooLargeError } from "../store/errors.js";
import type { AuditEvent, AuditQuery } from "../store/audit-log.js";
import type { ResourceDoc } from "../store/resources.js";
import type { TokenInfo } from "../store/tokens.js";
import { listAudit } from "./audit.js";
import type { OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { tenantSettings } from "./settings.js";
import { requireTenant } from "./tenants.js";
import { groupsNamed, listRoles, mapRole, unmapRole } from "./roles.js";
import { listTeams } from "./teams.js";
import { setObjectId } from "./users.js";
import { groupFacts, isActive, userProduct } from "./views.js";

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

async function groupsOfUser(ctx: OperationContext, userId: string): Promise<ResourceDoc[]> {
  return ctx.services.resources.getMany(ctx.tenantId, "Group", await ctx.services.memberships.groupsOf(ctx.tenantId, userId));
}

/** A user as the portal lists it. */
async function summary(ctx: OperationContext, doc: ResourceDoc, settings: TenantSettings) {
  const product = userProduct(doc, settings);
  const teams = teamsOf((await groupsOfUser(ctx, doc.id)).map(groupFacts), settings);
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

async function requireUser(ctx: OperationContext, id: string): Promise<ResourceDoc> {
  const doc = await ctx.services.resources.get(ctx.tenantId, "User", id);
  if (!doc) throw new OperationError(404, `No user with id ${id} in this tenant; it may have been deleted by provisioning.`, "id");
  return doc;
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
  const user = await summary(ctx, doc, settings);
  return {
    user: { ...user, roleSource: userProduct(doc, settings).roleSource },
    tenant: { id: tenant.id, name: tenant.name, entraTenantId: tenant.entraTenantId ?? null },
    isAdmin: user.role === adminRole(settings),
    csrfToken: session.csrfToken,
    tenantUrl: ctx.baseUrl,
  };
}

/** A search text as a SCIM string literal. */
const literal = (text: string) => JSON.stringify(text);

/** `GET /api/admin/users`: users whose userName or displayName starts with `search` (any case), by userName. */
export async function searchUsers(ctx: OperationContext, input: { search?: string | null; page?: string | null; pageSize?: string | null }) {
  const { page, pageSize } = pageOf(input, 25);
  const search = input.search?.trim() ?? "";
  if (search.length > 200) throw new OperationError(400, "search is at most 200 characters", "search");
  const settings = await tenantSettings(ctx);
  const query = {
    ...(search ? { filter: parseFilter(`userName sw ${literal(search)} or displayName sw ${literal(search)}`) } : {}),
    startIndex: (page - 1) * pageSize + 1,
    count: pageSize,
  };
  const result = await ctx.services.resources.query(ctx.tenantId, "User", { ...query, sortBy: "userName" }).catch((error: unknown) => {
    if (error instanceof QueryTooLargeError) return ctx.services.resources.query(ctx.tenantId, "User", query);
    throw error;
  });
  const users = [];
  for (const doc of result.docs) users.push(await summary(ctx, doc, settings));
  return { users, total: result.total, page, pageSize };
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
    ...(await summary(ctx, doc, settings)),
    roleSource: product.roleSource,
    canSignIn: canSignIn(product, doc.resource, settings, "entra"),
    objectIdHolders: holders,
    history: history.events.map(auditView),
  };
}

/** `PUT /api/admin/users/{id}/entra`: sets the Object ID (so the Entra login type); 400 not a GUID, 409 another user carries it. */
export async function setEntraLogin(ctx: OperationContext, id: string, objectId: unknown) {
  if (!isGuid(objectId))
    throw new OperationError(
      400,
      `objectId must be the user's Microsoft Entra object ID, a GUID such as 11111111-2222-4333-8444-555555555555 (got ${JSON.stringify(objectId ?? null)})`,
      "objectId",
    );
  const oid = objectId.toLowerCase();
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
  await setObjectId(ctx, id, oid);
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

/** `GET /api/admin/teams`: the product's own teams (members of the groups mapped onto them) and the groups that are teams of their own. */
export async function teamsOverview(ctx: OperationContext) {
  const settings = await tenantSettings(ctx);
  const { teams, provisionedTeams } = await listTeams(ctx);
  const { docs: groups } = await ctx.services.resources.query(ctx.tenantId, "Group", { startIndex: 1, count: 10_000 });
  const members = await ctx.services.memberships.membersOf(
    ctx.tenantId,
    groups.map((g) => g.id),
  );
  const usersOf = (ids: string[]) => new Set(ids.flatMap((id) => members.get(id) ?? []));
  const product = teams.map((t) => {
    const mapped = groups.filter((g) => settings.teamMappings.some((m) => m.team === t.id && groupMatches(m.group, groupFacts(g))));
    return { id: t.id, name: t.name, source: "product" as const, members: usersOf(mapped.map((g) => g.id)).size, groups: t.groups };
  });
  const entra = provisionedTeams.map((t) => ({
    id: t.id,
    name: String(t.name ?? t.id),
    source: "entra" as const,
    members: members.get(t.id)?.length ?? 0,
    groups: [String(t.name ?? t.id)],
  }));
  return { teams: [...product, ...entra].sort((a, b) => a.name.localeCompare(b.name)) };
}

/** `GET /api/admin/roles`: roles, default, and each mapping with the group it names (if provisioned). */
export async function rolesOverview(ctx: OperationContext) {
  const { roles, defaultRole, mappings } = await listRoles(ctx);
  const out = [];
  for (const m of mappings) {
    const group = (await groupsNamed(ctx, m.group))[0];
    out.push({ group: m.group, role: m.role, groupId: group?.id ?? null, groupName: group ? String(group.resource.displayName) : null });
  }
  return { roles, defaultRole, mappings: out };
}

function roleIn(settings: TenantSettings, role: unknown): string {
  if (typeof role !== "string" || role.trim() === "") throw new OperationError(400, `role is required: one of ${settings.roles.join(", ")}`, "role");
  try {
    return canonicalRole(settings, role.trim());
  } catch (error) {
    throw new OperationError(400, (error as Error).message, "role");
  }
}

const groupSelector = (group: unknown): string => {
  if (typeof group !== "string" || group.trim() === "") throw new OperationError(400, "group is required: a group's id, displayName or externalId", "group");
  return group.trim();
};

/**
 * `POST /api/admin/roles/preview`: the role changes mapping `group` to `role` would make, computed
 * by the same rules as the mapping (highest mapped role, the last active Admin kept), writing nothing.
 */
export async function previewRole(ctx: OperationContext, input: { group?: unknown; role?: unknown }) {
  const group = groupSelector(input.group);
  const settings = await tenantSettings(ctx, { fresh: true });
  const role = roleIn(settings, input.role);
  const next: TenantSettings = { ...settings, roleMappings: [...settings.roleMappings.filter((m) => m.group !== group), { group, role }] };
  const { resources, memberships } = ctx.services;
  const groups = await groupsNamed(ctx, group);
  const members = await memberships.membersOf(
    ctx.tenantId,
    groups.map((g) => g.id),
  );
  const userIds = [...new Set([...members.values()].flat())];
  const admin = adminRole(next);
  let activeAdmins = await resources.countRole(ctx.tenantId, admin, true);
  const changes: { userId: string; userName: string; from: string; to: string }[] = [];
  for (const user of await resources.getMany(ctx.tenantId, "User", userIds)) {
    const current = userProduct(user, next);
    const computed = computeRole((await groupsOfUser(ctx, user.id)).map(groupFacts), next);
    const demotingAdmin = current.role === admin && computed.role !== admin;
    const otherAdmins = demotingAdmin && isActive(user) ? activeAdmins - 1 : 1;
    const result = nextRole(current, computed, next, otherAdmins, ctx.now);
    if (result.role === current.role) continue;
    if (demotingAdmin && isActive(user)) activeAdmins--;
    changes.push({ userId: user.id, userName: String(user.resource.userName), from: current.role, to: result.role });
  }
  return { count: changes.length, changes, group, role };
}

/** `POST /api/admin/roles/map`: maps and recomputes (the CLI's operation); `changed` counts the roles that changed. */
export async function mapRoleCounted(ctx: OperationContext, input: { group?: unknown; role?: unknown }) {
  const group = groupSelector(input.group);
  const settings = await tenantSettings(ctx, { fresh: true });
  const role = roleIn(settings, input.role);
  const before = await memberRoles(ctx, group, settings);
  const result = await mapRole(ctx, group, role);
  const after = await memberRoles(ctx, group, await tenantSettings(ctx, { fresh: true }));
  const changed = [...after].filter(([id, r]) => before.get(id) !== r).length;
  return { mapping: { group, role: result.role }, changed };
}

/** `POST /api/admin/roles/unmap`: removes the mapping and recomputes (the CLI's operation). */
export async function unmapRoleCounted(ctx: OperationContext, input: { group?: unknown }) {
  const group = groupSelector(input.group);
  const before = await memberRoles(ctx, group, await tenantSettings(ctx, { fresh: true }));
  await unmapRole(ctx, group);
  const after = await memberRoles(ctx, group, await tenantSettings(ctx, { fresh: true }));
  return { group, changed: [...after].filter(([id, r]) => before.get(id) !== r).length };
}

async function memberRoles(ctx: OperationContext, group: string, settings: TenantSettings): Promise<Map<string, string>> {
  const groups = await groupsNamed(ctx, group);
  const members = await ctx.services.memberships.membersOf(
    ctx.tenantId,
    groups.map((g) => g.id),
  );
  const users = await ctx.services.resources.getMany(ctx.tenantId, "User", [...new Set([...members.values()].flat())]);
  return new Map(users.map((u) => [u.id, userProduct(u, settings).role]));
}

/** An event as the portal shows it (every field present, null when absent). */
export function auditView(e: AuditEvent) {
  return {
    id: e.id,
    time: e.time,
    tokenName: e.tokenName,
    tokenId: e.tokenId,
    operation: e.operation,
    resourceType: e.resourceType,
    resourceId: e.resourceId ?? null,
    changedAttributes: e.changedAttributes ?? [],
    members: e.members ?? null,
    status: e.status,
    detail: e.detail ?? null,
    ignoredAttributes: e.ignoredAttributes ?? null,
    patchDialect: e.patchDialect ?? null,
  };
}

const AUDIT_OPERATIONS = [
  "create",
  "replace",
  "patch",
  "delete",
  "role-conflict",
  "role-map",
  "role-unmap",
  "team-map",
  "team-unmap",
  "team-create",
  "login-types",
  "settings",
  "set-object-id",
  "token-create",
  "token-revoke",
  "oauth-client-create",
  "oauth-client-revoke",
  "oauth-secret-add",
  "oauth-secret-revoke",
  "oauth-federation-add",
  "oauth-federation-remove",
  "oauth-token",
  "tenant-link",
  "admin-grant",
  "entra-unlink",
  "invite-create",
  "job",
];

function isoTime(value: string | null | undefined, field: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t))
    throw new OperationError(400, `${field} must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z (got "${value}")`, field);
  return new Date(t).toISOString();
}

/** `GET /api/admin/audit`: the provisioning log newest first, filtered by operation, resource, status and time. */
export async function auditPage(
  ctx: OperationContext,
  raw: {
    operation?: string | null;
    resource?: string | null;
    status?: string | null;
    from?: string | null;
    to?: string | null;
    page?: string | null;
    pageSize?: string | null;
  },
) {
  const { page, pageSize } = pageOf(raw, 50, 200);
  if (raw.operation && !AUDIT_OPERATIONS.includes(raw.operation))
    throw new OperationError(400, `operation must be one of ${AUDIT_OPERATIONS.join(", ")} (got "${raw.operation}")`, "operation");
  if (raw.status && raw.status !== "success" && raw.status !== "failure")
    throw new OperationError(400, `status must be success or failure (got "${raw.status}")`, "status");
  const from = isoTime(raw.from, "from");
  const to = isoTime(raw.to, "to");
  if (from && to && from >= to) throw new OperationError(400, "from must be before to", "from");
  const query: AuditQuery = {
    limit: pageSize,
    page,
    ...(raw.operation ? { operation: raw.operation } : {}),
    ...(raw.resource ? { resourceId: raw.resource } : {}),
    ...(raw.status ? { outcome: raw.status as "success" | "failure" } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
  const { total, events } = await listAudit(ctx, query);
  return { events: events.map(auditView), page, pageSize, hasMore: page * pageSize < total };
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
