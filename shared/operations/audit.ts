import { AUDIT_OPERATIONS, type AuditEvent, type AuditOperation, type AuditQuery } from "../store/audit-log.js";
import { attributeLabel } from "../scim/labels.js";
import { toCsv } from "../product/csv.js";
import type { OperationContext, Services } from "./context.js";
import { OperationError } from "./errors.js";
import { tenantSettings } from "./settings.js";
import { entraCredentials } from "./tokens.js";
import type { AuditEvent as AuditEventView, AuditHourly, AuditPage } from "../contracts/admin-api.js";

/** The tenant's provisioning log, newest first, paged and filtered (within the tenant's log retention). */
export async function listAudit(ctx: OperationContext, query: AuditQuery) {
  const { auditRetentionDays } = await tenantSettings(ctx);
  return ctx.services.auditLog.list(ctx.tenantId, { ...query, now: ctx.now, retentionDays: auditRetentionDays });
}

/** Who makes an operation, for the log's filter: Entra's SCIM writes, its OAuth token requests, the product in the background, or an admin. */
export type OperationGroup = "SCIM" | "Entra sign-in" | "Background" | "Admin";

const GROUP_OF: Partial<Record<AuditOperation, OperationGroup>> = {
  create: "SCIM",
  replace: "SCIM",
  patch: "SCIM",
  delete: "SCIM",
  // Placed by Entra's own delete request, not by an admin.
  "delete-hold": "SCIM",
  "oauth-token": "Entra sign-in",
  "role-conflict": "Background",
  job: "Background",
};

/** Every operation the log records, with its group (`GET /api/admin/audit/operations`; the portal's filter lists these). */
export function auditOperations(): { operation: AuditOperation; group: OperationGroup }[] {
  return AUDIT_OPERATIONS.map((operation) => ({ operation, group: GROUP_OF[operation] ?? "Admin" }));
}

/** The filters of the log as the admin API and the CLI take them (every one optional). */
export interface AuditFilterInput {
  operation?: string | null;
  /** An id, a userName or group displayName, or part of a name (userName or displayName at the time of the event). */
  resource?: string | null;
  /** "success" or "failure". */
  status?: string | null;
  from?: string | null;
  to?: string | null;
}

function isoTime(value: string | null | undefined, field: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t))
    throw new OperationError(
      400,
      `${field} must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z (got "${value}")`,
      field,
    );
  return new Date(t).toISOString();
}

/** Longest `resource` search text: a userName or group displayName is at most 256 characters. */
const MAX_RESOURCE_TEXT = 256;

/**
 * The log query of a filter input, validated (400 naming the field). `resource` matches an event
 * whose resource id is the text, whose resource is the User or Group that holds that userName or
 * displayName now (so events from before a rename, or logged without a name, are found too), or
 * whose name at the time contains the text (case-insensitively).
 */
export async function auditFilters(
  ctx: OperationContext,
  raw: AuditFilterInput,
): Promise<Omit<AuditQuery, "limit" | "page">> {
  if (raw.operation && !(AUDIT_OPERATIONS as readonly string[]).includes(raw.operation))
    throw new OperationError(
      400,
      `operation must be one of ${AUDIT_OPERATIONS.join(", ")} (got "${raw.operation}")`,
      "operation",
    );
  if (raw.status && raw.status !== "success" && raw.status !== "failure")
    throw new OperationError(400, `status must be success or failure (got "${raw.status}")`, "status");
  const from = isoTime(raw.from, "from");
  const to = isoTime(raw.to, "to");
  if (from && to && from >= to) throw new OperationError(400, "from must be before to", "from");
  const text = raw.resource?.trim() ?? "";
  if ([...text].length > MAX_RESOURCE_TEXT)
    throw new OperationError(
      400,
      `resource must be at most ${MAX_RESOURCE_TEXT} characters: an id, a userName or a group name`,
      "resource",
    );
  let ids: string[] = [];
  if (text) {
    const { resources } = ctx.services;
    const [user, group] = await Promise.all([
      resources.findBy(ctx.tenantId, "User", "userName", text),
      resources.findBy(ctx.tenantId, "Group", "displayName", text),
    ]);
    ids = [user?.id, group?.id].filter((id): id is string => !!id && id !== text);
  }
  return {
    ...(raw.operation ? { operation: raw.operation } : {}),
    ...(text ? { resource: { text, ids } } : {}),
    ...(raw.status ? { outcome: raw.status as "success" | "failure" } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/**
 * An event as the portal shows it (every field present, null when absent). `changes` lists every
 * changed attribute with its display name ("Employee number" for the enterprise URN) and, when the
 * event kept them, its old and new values; an event logged before values were kept has names only.
 */
export function auditView(e: AuditEvent): AuditEventView {
  const changed = e.changedAttributes ?? [];
  const kept = new Map((e.changes ?? []).map((c) => [c.attribute, c]));
  const changes = changed.map((attribute) => {
    const c = kept.get(attribute);
    return {
      attribute,
      label: attributeLabel(attribute),
      old: c?.old ?? null,
      new: c?.new ?? null,
      valuesKept: c !== undefined && !c.redacted,
      truncated: c?.truncated ?? false,
      redacted: c?.redacted ?? false,
    };
  });
  return {
    id: e.id,
    time: e.time,
    tokenName: e.tokenName,
    tokenId: e.tokenId,
    operation: e.operation,
    resourceType: e.resourceType,
    resourceId: e.resourceId ?? null,
    resourceName: e.resourceName ?? null,
    resourceDisplayName: e.resourceDisplayName ?? null,
    changedAttributes: changed,
    changes,
    changesOmitted: e.changesOmitted ?? 0,
    members: e.members ?? null,
    status: e.status,
    detail: e.detail ?? null,
    ignoredAttributes: e.ignoredAttributes ?? null,
    patchDialect: e.patchDialect ?? null,
  };
}

/** Most events one CSV export holds: the newest ones that match. */
export const MAX_EXPORT_ROWS = 10_000;

/** "Job title: Engineer → Manager" for each change; a change whose values were not kept by its name only. */
function changesText(view: ReturnType<typeof auditView>): string {
  const parts = view.changes.map((c) => {
    if (c.redacted) return `${c.label}: (secret, not kept)`;
    if (!c.valuesKept) return c.label;
    return `${c.label}: ${c.old ?? "(none)"} → ${c.new ?? "(none)"}${c.truncated ? " (cut)" : ""}`;
  });
  if (view.changesOmitted) parts.push(`(values of ${view.changesOmitted} more not kept)`);
  return parts.join("; ");
}

/**
 * The filtered log as CSV (newest first, at most MAX_EXPORT_ROWS events; `truncated` when more
 * matched, and `total` says how many), for `GET /api/admin/audit/export` and `audit export`.
 */
export async function auditCsv(
  ctx: OperationContext,
  raw: AuditFilterInput,
  limit = MAX_EXPORT_ROWS,
): Promise<{ csv: string; rows: number; total: number; truncated: boolean }> {
  const { total, events } = await listAudit(ctx, { ...(await auditFilters(ctx, raw)), limit, page: 1 });
  const header = [
    "time",
    "operation",
    "status",
    "resourceType",
    "resourceId",
    "resourceName",
    "resourceDisplayName",
    "changes",
    "membersAdded",
    "membersRemoved",
    "ignoredAttributes",
    "detail",
    "actor",
    "actorId",
    "eventId",
  ];
  const rows = events.map((e) => {
    const v = auditView(e);
    return [
      v.time,
      v.operation,
      v.status,
      v.resourceType,
      v.resourceId,
      v.resourceName,
      v.resourceDisplayName,
      changesText(v),
      v.members?.added,
      v.members?.removed,
      v.ignoredAttributes?.join("; "),
      v.detail,
      v.tokenName,
      v.tokenId,
      v.id,
    ];
  });
  return { csv: toCsv(header, rows), rows: rows.length, total, truncated: total > rows.length };
}

const DAY_MS = 86_400_000;

/**
 * What Entra sends that the product's schema does not define, over the last `days` days: each
 * attribute (or schema URI) with how many writes carried it and when it was last seen, most
 * frequent first. The admin removes those attribute mappings in Entra, or ignores them knowingly.
 */
export async function ignoredAttributes(
  ctx: OperationContext,
  days = 30,
): Promise<{ attribute: string; count: number; lastSeen: string }[]> {
  const events = await ctx.services.auditLog.since(
    ctx.tenantId,
    new Date(ctx.now.getTime() - days * DAY_MS).toISOString(),
    ctx.now,
  );
  const seen = new Map<string, { attribute: string; count: number; lastSeen: string }>();
  for (const event of events) {
    for (const attribute of event.ignoredAttributes ?? []) {
      const entry = seen.get(attribute) ?? { attribute, count: 0, lastSeen: event.time };
      entry.count += 1;
      if (event.time > entry.lastSeen) entry.lastSeen = event.time;
      seen.set(attribute, entry);
    }
  }
  return [...seen.values()].sort((a, b) => b.count - a.count || a.attribute.localeCompare(b.attribute));
}

/**
 * Moves every outbox event that a write could not deliver at once to the log (the `audit-outbox`
 * timer runs this; in Azure a failed delivery is rare: the write delivers its own event right away).
 */
export async function deliverOutboxes(services: Services): Promise<{ tenants: number; events: number }> {
  const tenants = await services.auditLog.tenantsWithOutbox();
  let events = 0;
  for (const tenantId of tenants) events += await services.auditLog.deliver(tenantId);
  return { tenants: tenants.length, events };
}

/** Largest page any list answers. */
const MAX_PAGE_SIZE = 100;

/** `page` and `pageSize` from the query (400 naming the field when either is not a whole number in range). */
function pageOf(
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

/** `GET /api/admin/audit`: the provisioning log newest first, filtered by operation, resource (id or name), status and time. */
export async function auditPage(
  ctx: OperationContext,
  raw: AuditFilterInput & { page?: string | null; pageSize?: string | null },
): Promise<AuditPage> {
  const { page, pageSize } = pageOf(raw, 50, 200);
  const { total, events } = await listAudit(ctx, { ...(await auditFilters(ctx, raw)), limit: pageSize, page });
  return { events: events.map(auditView), page, pageSize, total, hasMore: page * pageSize < total };
}

const HOUR = 3600_000;

/** `GET /api/admin/audit/hourly?days=7`: requests (SCIM writes by a token) and failures per hour, every hour of the range. */
export async function auditHourly(ctx: OperationContext, rawDays: string | null | undefined): Promise<AuditHourly> {
  const days = rawDays === undefined || rawDays === null || rawDays === "" ? 7 : Number(rawDays);
  if (!Number.isInteger(days) || days < 1 || days > 31)
    throw new OperationError(400, `days must be a whole number from 1 to 31 (got "${rawDays}")`, "days");
  const currentHour = Math.floor(ctx.now.getTime() / HOUR) * HOUR;
  const first = currentHour - (days * 24 - 1) * HOUR;
  const { ids } = await entraCredentials(ctx);
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
