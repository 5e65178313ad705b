import { randomUUID } from "node:crypto";
import type { Container, SqlParameter } from "@azure/cosmos";
import { call } from "./errors.js";

export type AuditOperation = "create" | "replace" | "patch" | "delete" | "role-conflict" | "role-map" | "role-unmap" | "team-map" | "team-unmap" | "team-create" | "login-types" | "settings" | "set-object-id" | "token-create" | "token-revoke" | "job";

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
  changedAttributes: string[];
  status: number;
  detail?: string;
  members?: { added: number; removed: number };
  /** Attributes and schema URIs the request sent that the schema does not define (not stored). */
  ignoredAttributes?: string[];
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
}

export type AuditAbout = Pick<AuditEvent, "resourceType" | "resourceId" | "changedAttributes" | "detail" | "members">;

let sequence = 0;

/** Audit ids sort by time, then by the order this process wrote them: "newest first" is ORDER BY id DESC. */
const auditId = (time: string) => `${time}~${(sequence++ % 2 ** 40).toString(36).padStart(8, "0")}~${randomUUID().slice(0, 8)}`;

/** The document of one event (written on its own, or inside the batch of the change it records). */
export function auditDoc(tenantId: string, draft: AuditDraft, about: AuditAbout) {
  const { ttlSeconds, ignoredAttributes, ...rest } = draft;
  return {
    id: auditId(draft.time),
    tenantId,
    kind: "Audit",
    resource: {},
    ...rest,
    ...about,
    ...(ignoredAttributes?.length ? { ignoredAttributes } : {}),
    ttl: ttlSeconds,
  };
}

export interface AuditQuery {
  resourceId?: string;
  operation?: string;
  /** "success": status below 400; "failure": 400 and above. */
  outcome?: "success" | "failure";
  from?: string;
  to?: string;
  limit: number;
  page: number;
}

const FIELDS = ["id", "time", "tokenName", "tokenId", "operation", "resourceType", "resourceId", "changedAttributes", "status", "detail", "members", "ignoredAttributes"] as const;

/** The provisioning log of every tenant, in the tenant's partition. */
export class AuditLogStore {
  constructor(private readonly container: Container) {}

  /** Writes one event on its own (failed writes, member changes, conflicts, admin changes). */
  async record(tenantId: string, draft: AuditDraft, about: AuditAbout): Promise<void> {
    await call(() => this.container.items.create(auditDoc(tenantId, draft, about)));
  }

  /** Events newest first, paged (1-based page of `limit` events). */
  async list(tenantId: string, query: AuditQuery): Promise<{ total: number; events: AuditEvent[] }> {
    const parameters: SqlParameter[] = [
      { name: "@tenantId", value: tenantId },
      { name: "@kind", value: "Audit" },
    ];
    let where = "c.tenantId = @tenantId AND c.kind = @kind";
    const add = (clause: string, name: string, value: string | number) => {
      where += ` AND ${clause}`;
      parameters.push({ name, value });
    };
    if (query.resourceId) add("c.resourceId = @resourceId", "@resourceId", query.resourceId);
    if (query.operation) add("c.operation = @operation", "@operation", query.operation);
    if (query.outcome === "success") add("c.status < @failure", "@failure", 400);
    if (query.outcome === "failure") add("c.status >= @failure", "@failure", 400);
    if (query.from) add("c.time >= @from", "@from", query.from);
    if (query.to) add("c.time < @to", "@to", query.to);
    const total = (await this.select<number>(tenantId, `SELECT VALUE COUNT(1) FROM c WHERE ${where}`, parameters))[0] ?? 0;
    const skip = (query.page - 1) * query.limit;
    if (skip >= total) return { total, events: [] };
    const docs = await this.select<AuditEvent>(tenantId, `SELECT TOP @top * FROM c WHERE ${where} ORDER BY c.id DESC`, [
      ...parameters,
      { name: "@top", value: skip + query.limit },
    ]);
    return { total, events: docs.slice(skip).map(pick) };
  }

  /** Time, status and operation of every event since `from` (for the hourly chart and the health page). */
  async since(tenantId: string, from: string): Promise<Pick<AuditEvent, "time" | "status" | "operation" | "tokenId" | "ignoredAttributes">[]> {
    return this.select(tenantId, "SELECT c.time, c.status, c.operation, c.tokenId, c.ignoredAttributes FROM c WHERE c.tenantId = @tenantId AND c.kind = @kind AND c.time >= @from", [
      { name: "@tenantId", value: tenantId },
      { name: "@kind", value: "Audit" },
      { name: "@from", value: from },
    ]);
  }

  private async select<T>(tenantId: string, query: string, parameters: SqlParameter[]): Promise<T[]> {
    return call(async () => (await this.container.items.query<T>({ query, parameters }, { partitionKey: tenantId }).fetchAll()).resources);
  }
}

function pick(doc: AuditEvent): AuditEvent {
  const out: Record<string, unknown> = {};
  for (const key of FIELDS) if (doc[key] !== undefined && doc[key] !== null) out[key] = doc[key];
  return out as unknown as AuditEvent;
}
