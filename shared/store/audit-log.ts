import { randomUUID } from "node:crypto";
import type { Container, SqlParameter } from "@azure/cosmos";
import { call, cosmosStatus, fromCosmos } from "./errors.js";
import { idempotent } from "./retry.js";
import type { AttributeChange } from "../scim/changes.js";
import { foldUserName } from "../scim/names.js";

/**
 * Every operation the provisioning log records: the SCIM writes Entra makes, and what admins and
 * the product do (mappings, tokens, OAuth clients, sign-in links, background jobs). The admin API
 * serves this list to the portal's filter; the type follows from it.
 */
export const AUDIT_OPERATIONS = [
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
  "team-rename",
  "team-delete",
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
  "invite-revoke",
  "admin-demote",
  "job",
  "event-subscribe",
  "event-subscription-change",
  "event-unsubscribe",
  "event-retry",
  "delete-hold",
  "delete-hold-release",
  "delete-hold-discard",
  "safety-net-settings",
] as const;

export type AuditOperation = (typeof AUDIT_OPERATIONS)[number];

/** How a PATCH request spelled its operations: Entra's default (`Replace`, `value` objects without paths) or RFC 7644 (aadOptscim062020). */
export type PatchDialect = "default" | "rfc";

/** One provisioning-log event (never a secret: tokens appear by name and id only). */
export interface AuditEvent {
  id: string;
  time: string;
  /** Who made the change: a SCIM token by name and id, or an admin (`admin-cli`, `portal:<user>`). */
  tokenName: string;
  tokenId: string;
  operation: AuditOperation;
  resourceType: string;
  resourceId?: string;
  /** The resource's name when the event happened: a User's userName, a Group's displayName (a failed create: the one it tried). */
  resourceName?: string;
  /** A User's displayName when the event happened. */
  resourceDisplayName?: string;
  changedAttributes: string[];
  /** The changed attributes' old and new values (capped; secrets never): see scim/changes.ts. */
  changes?: AttributeChange[];
  /** Changed attributes beyond the cap, whose values the event does not keep. */
  changesOmitted?: number;
  status: number;
  detail?: string;
  members?: { added: number; removed: number };
  /** Attributes and schema URIs the request sent that the schema does not define (not stored). */
  ignoredAttributes?: string[];
  /** PATCH events: the dialect of the request. */
  patchDialect?: PatchDialect;
}

/** What a write needs to log itself: the store fills in resource, changed attributes and id. */
export interface AuditDraft {
  time: string;
  tokenName: string;
  tokenId: string;
  operation: AuditOperation;
  status: number;
  ttlSeconds: number;
  ignoredAttributes?: string[];
  patchDialect?: PatchDialect;
}

export type AuditAbout = Pick<
  AuditEvent,
  | "resourceType"
  | "resourceId"
  | "resourceName"
  | "resourceDisplayName"
  | "changedAttributes"
  | "changes"
  | "changesOmitted"
  | "detail"
  | "members"
>;

/** The folded names an event is found by (`resource` search): userName and displayName, case-insensitively. */
const nameKey = (about: AuditAbout) => {
  const names = [about.resourceName, about.resourceDisplayName].filter((n): n is string => !!n);
  return names.length ? { nameKey: foldUserName(names.join("\n")) } : {};
};

let sequence = 0;

/** Audit ids sort by time, then by the order this process wrote them: "newest first" is ORDER BY id DESC. */
const auditId = (time: string) =>
  `${time}~${(sequence++ % 2 ** 40).toString(36).padStart(8, "0")}~${randomUUID().slice(0, 8)}`;

/**
 * Where an event lives: the log has its own container, partitioned by tenant and month, so a
 * tenant's log (up to 1,000,000 events a day) never fills the tenant's partition of resources
 * (Cosmos DB caps a logical partition at 20 GB), and one month of one tenant stays under that cap.
 */
const logPartition = (tenantId: string, time: string) => `${tenantId}|${time.slice(0, 7)}`;

/** The document of one event in the log container. */
export function auditDoc(tenantId: string, draft: AuditDraft, about: AuditAbout) {
  const { ttlSeconds, ignoredAttributes, ...rest } = draft;
  return {
    id: auditId(draft.time),
    tenantId,
    partition: logPartition(tenantId, draft.time),
    kind: "Audit",
    ...rest,
    ...about,
    ...nameKey(about),
    ...(ignoredAttributes?.length ? { ignoredAttributes } : {}),
    ttl: ttlSeconds,
  };
}

type AuditDoc = ReturnType<typeof auditDoc>;

/**
 * The outbox copy of an event, written in the same transactional batch as the change it records
 * (so the change and its event land together), in the resources container; `deliver` then moves
 * it to the log. Until then `list` and `since` read it from the outbox too.
 */
export function outboxDoc(event: AuditDoc) {
  return {
    id: `ob.${event.id}`,
    tenantId: event.tenantId,
    kind: "Outbox",
    resource: {},
    norm: {},
    event,
    ttl: event.ttl,
  };
}

export interface OutboxDoc {
  id: string;
  tenantId: string;
  event: AuditDoc;
}

export interface AuditQuery {
  /** Events of exactly this resource id. */
  resourceId?: string;
  /**
   * Events whose resource is `text` (an id) or one of `ids` (the resources that hold that name
   * now), or whose name at the time contains `text` (userName or displayName, case-insensitively).
   */
  resource?: { text: string; ids: string[] };
  operation?: string;
  /** "success": status below 400; "failure": 400 and above. */
  outcome?: "success" | "failure";
  from?: string;
  to?: string;
  limit: number;
  page: number;
}

const FIELDS = [
  "id",
  "time",
  "tokenName",
  "tokenId",
  "operation",
  "resourceType",
  "resourceId",
  "resourceName",
  "resourceDisplayName",
  "changedAttributes",
  "changes",
  "changesOmitted",
  "status",
  "detail",
  "members",
  "ignoredAttributes",
  "patchDialect",
] as const;

const WHERE_OUTBOX = "c.tenantId = @tenantId AND c.kind = @kind";

/** The months (log partitions) an event between `from` and `to` can be in, newest first. */
function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const last = new Date(`${to.slice(0, 7)}-01T00:00:00Z`);
  for (let d = new Date(`${from.slice(0, 7)}-01T00:00:00Z`); d <= last; d.setUTCMonth(d.getUTCMonth() + 1))
    out.push(d.toISOString().slice(0, 7));
  return out.reverse();
}

/**
 * The provisioning log of every tenant: its own container, partitioned by tenant and month, fed
 * by the outbox documents that writes carry in their own batch, and by events written on their own.
 */
export class AuditLogStore {
  constructor(
    private readonly log: Container,
    private readonly resources: Container,
  ) {}

  /** Writes one event on its own (failed writes, member changes, conflicts, admin changes). */
  async record(tenantId: string, draft: AuditDraft, about: AuditAbout): Promise<void> {
    await call(() => this.log.items.create(auditDoc(tenantId, draft, about)));
  }

  /**
   * Moves outbox events to the log: the given ones (right after the write that carried them), or
   * every pending one of the tenant. Idempotent: an event already in the log is not written twice,
   * an outbox document already gone is fine. A failure leaves the event in the outbox, where the
   * log still reads it and the `audit-outbox` timer delivers it later.
   */
  async deliver(tenantId: string, written?: OutboxDoc[]): Promise<number> {
    const pending = written ?? (await this.outbox(tenantId));
    for (const doc of pending) {
      try {
        await this.log.items.create(doc.event);
      } catch (error) {
        if (cosmosStatus(error) !== 409) throw fromCosmos(error);
      }
      try {
        await this.resources.item(doc.id, tenantId).delete();
      } catch (error) {
        if (cosmosStatus(error) !== 404) throw fromCosmos(error);
      }
    }
    return pending.length;
  }

  /** Tenants with outbox events waiting (for the timer that delivers what a request could not), at most `limit`. */
  async tenantsWithOutbox(limit = 100): Promise<string[]> {
    const rows = await idempotent(() =>
      call(
        async () =>
          (
            await this.resources.items
              .query<string>(
                {
                  query: "SELECT DISTINCT VALUE c.tenantId FROM c WHERE c.kind = @kind",
                  parameters: [{ name: "@kind", value: "Outbox" }],
                },
                { maxItemCount: limit },
              )
              .fetchAll()
          ).resources,
      ),
    );
    return rows.slice(0, limit);
  }

  /**
   * Events newest first, paged (1-based page of `limit` events), within `retentionDays` of `now`
   * (older ones have expired): one query per month partition, newest first, until the page is full.
   */
  async list(
    tenantId: string,
    query: AuditQuery & { now: Date; retentionDays: number },
  ): Promise<{ total: number; events: AuditEvent[] }> {
    const { where, parameters } = filterOf(query);
    const earliest = new Date(query.now.getTime() - query.retentionDays * 86_400_000).toISOString();
    const from = query.from && query.from > earliest ? query.from : earliest;
    const to = query.to && query.to < query.now.toISOString() ? query.to : query.now.toISOString();
    const skip = (query.page - 1) * query.limit;
    const wanted = skip + query.limit;
    const pending = (await this.outbox(tenantId)).map((d) => d.event).filter((e) => matches(e, query));
    const found: AuditEvent[] = [...pending];
    let total = pending.length;
    for (const month of monthsBetween(from, to)) {
      const partitionKey = `${tenantId}|${month}`;
      const count =
        (await this.select<number>(partitionKey, `SELECT VALUE COUNT(1) FROM c WHERE ${where}`, parameters))[0] ?? 0;
      total += count;
      if (count > 0 && found.length < wanted + pending.length) {
        found.push(
          ...(await this.select<AuditEvent>(
            partitionKey,
            `SELECT TOP @top * FROM c WHERE ${where} ORDER BY c.id DESC`,
            [...parameters, { name: "@top", value: wanted }],
          )),
        );
      }
    }
    // An event both delivered and still in the outbox (its delete failed) counts once.
    const unique = [...new Map(found.map((e) => [e.id, e])).values()].sort((a, b) => (a.id < b.id ? 1 : -1));
    return { total: total - (found.length - unique.length), events: unique.slice(skip, wanted).map(pick) };
  }

  /** Time, status and operation of every event since `from` (for the hourly chart and the health page). */
  async since(
    tenantId: string,
    from: string,
    now: Date = new Date(),
  ): Promise<Pick<AuditEvent, "time" | "status" | "operation" | "tokenId" | "ignoredAttributes" | "patchDialect">[]> {
    const out: Pick<AuditEvent, "time" | "status" | "operation" | "tokenId" | "ignoredAttributes" | "patchDialect">[] =
      (await this.outbox(tenantId)).map((d) => d.event).filter((e) => e.time >= from);
    for (const month of monthsBetween(from, now.toISOString())) {
      out.push(
        ...(await this.select<AuditEvent>(
          `${tenantId}|${month}`,
          "SELECT c.time, c.status, c.operation, c.tokenId, c.ignoredAttributes, c.patchDialect FROM c WHERE c.tenantId = @tenantId AND c.time >= @from",
          [
            { name: "@tenantId", value: tenantId },
            { name: "@from", value: from },
          ],
        )),
      );
    }
    return out;
  }

  /** Outbox events of a tenant not yet moved to the log (usually none: a write delivers its own). */
  private async outbox(tenantId: string): Promise<OutboxDoc[]> {
    return idempotent(() =>
      call(
        async () =>
          (
            await this.resources.items
              .query<OutboxDoc>(
                {
                  query: `SELECT * FROM c WHERE ${WHERE_OUTBOX}`,
                  parameters: [
                    { name: "@tenantId", value: tenantId },
                    { name: "@kind", value: "Outbox" },
                  ],
                },
                { partitionKey: tenantId, maxItemCount: 1000 },
              )
              .fetchAll()
          ).resources,
      ),
    );
  }

  private async select<T>(partitionKey: string, query: string, parameters: SqlParameter[]): Promise<T[]> {
    return idempotent(() =>
      call(
        async () =>
          (await this.log.items.query<T>({ query, parameters }, { partitionKey, maxItemCount: 1000 }).fetchAll())
            .resources,
      ),
    );
  }
}

function filterOf(query: AuditQuery & { now: Date }): { where: string; parameters: SqlParameter[] } {
  const parameters: SqlParameter[] = [];
  const clauses: string[] = [];
  const add = (clause: string, name: string, value: string | number) => {
    clauses.push(clause);
    parameters.push({ name, value });
  };
  if (query.resourceId) add("c.resourceId = @resourceId", "@resourceId", query.resourceId);
  if (query.resource) {
    clauses.push(
      "(c.resourceId = @resource OR ARRAY_CONTAINS(@resourceIds, c.resourceId) OR CONTAINS(c.nameKey, @nameKey))",
    );
    parameters.push(
      { name: "@resource", value: query.resource.text },
      { name: "@resourceIds", value: query.resource.ids },
      { name: "@nameKey", value: foldUserName(query.resource.text) },
    );
  }
  if (query.operation) add("c.operation = @operation", "@operation", query.operation);
  if (query.outcome === "success") add("c.status < @failure", "@failure", 400);
  if (query.outcome === "failure") add("c.status >= @failure", "@failure", 400);
  if (query.from) add("c.time >= @from", "@from", query.from);
  if (query.to) add("c.time < @to", "@to", query.to);
  return { where: clauses.length ? clauses.join(" AND ") : "true", parameters };
}

/** The same filter over an outbox event (in memory: a tenant has few, usually none). */
function matches(e: AuditEvent & { nameKey?: string }, q: AuditQuery): boolean {
  const r = q.resource;
  return (
    (!q.resourceId || e.resourceId === q.resourceId) &&
    (!r ||
      e.resourceId === r.text ||
      r.ids.includes(e.resourceId ?? "") ||
      (e.nameKey ?? "").includes(foldUserName(r.text))) &&
    (!q.operation || e.operation === q.operation) &&
    (q.outcome !== "success" || e.status < 400) &&
    (q.outcome !== "failure" || e.status >= 400) &&
    (!q.from || e.time >= q.from) &&
    (!q.to || e.time < q.to)
  );
}

function pick(doc: AuditEvent): AuditEvent {
  const out: Record<string, unknown> = {};
  for (const key of FIELDS) if (doc[key] !== undefined && doc[key] !== null) out[key] = doc[key];
  return out as unknown as AuditEvent;
}
