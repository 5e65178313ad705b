import type { Container, JSONObject, OperationInput, SqlParameter } from "@azure/cosmos";
import type { EventDoc, EventSignal } from "./event-feed.js";
import {
  auditDoc,
  outboxDoc,
  type AuditAbout,
  type AuditDraft,
  type AuditLogStore,
  type OutboxDoc,
} from "./audit-log.js";
import { NotFoundError, PreconditionFailedError, call, cosmosStatus, fromCosmos, callBatch } from "./errors.js";
import { lookupsOf } from "./lookups.js";
import type { ResourceDoc } from "./resources.js";
import { Retry, withRetries, read } from "./retry.js";

/** What a background job does to the members of one group. */
export type JobKind = "recompute-roles" | "delete-group";
type JobState = "queued" | "running" | "done" | "failed";

/**
 * One background job: its own document in the tenant's partition. `step` counts the steps done;
 * a step's message carries the step number it is for, so a re-delivered or duplicated message
 * of a step already done is recognised and dropped. `cursor` is the id of the last membership
 * document processed (membership ids sort by user id within a group).
 */
export interface JobDoc {
  id: string;
  tenantId: string;
  kind: "Job";
  /** Empty: see the note on `resource` in memberships.ts. */
  resource: Record<string, never>;
  job: JobKind;
  /** Why: delete, rename, role-map, role-unmap. */
  reason: string;
  groupId: string;
  /** The group's displayName and externalId when the job was made (a deleted group's are gone with it). */
  groupName?: string;
  groupExternalId?: string;
  /** Whether the group's members' roles are recomputed (a delete of a group no mapping names only removes memberships). */
  recompute: boolean;
  state: JobState;
  step: number;
  cursor?: string;
  processed: number;
  total?: number;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** The error of the last failed attempt (and of a failed job). */
  error?: string;
  failedAttempts: number;
  /** Who started it (the provisioning log's token fields). */
  tokenName: string;
  tokenId: string;
  ttl: number;
  _etag?: string;
}

/** The document as written: no system properties (_etag, _ts, ...) and no undefined fields. */
const strip = (job: JobDoc): JobDoc => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(job)) if (!k.startsWith("_") && v !== undefined) out[k] = v;
  return out as unknown as JobDoc;
};

const MEMBER = "c.tenantId = @tenantId AND c.kind = 'Member' AND c.groupId = @groupId";

/** Job documents, and the membership reads a job step needs (pages of one group's members, the groups of many users). */
export class JobStore {
  constructor(
    private readonly container: Container,
    /** Where the outbox event of a group delete is delivered (see audit-log.ts). */
    private readonly auditLog?: AuditLogStore,
    /** Told when a group delete landed with its event (event-feed.ts). */
    private readonly signal?: EventSignal,
  ) {}

  async get(tenantId: string, id: string): Promise<JobDoc | undefined> {
    const doc = await read(() => this.container.item(id, tenantId).read<JobDoc>());
    return doc && doc.kind === "Job" && doc.tenantId === tenantId ? doc : undefined;
  }

  /** Creates a job; an existing one with the same id is returned instead (a retried request). */
  async create(job: JobDoc): Promise<JobDoc> {
    try {
      const { resource } = await this.container.items.create<JobDoc>(strip(job));
      return resource as JobDoc;
    } catch (error) {
      if (cosmosStatus(error) !== 409) throw fromCosmos(error);
      return (await this.get(job.tenantId, job.id)) ?? job;
    }
  }

  /** Replaces a job guarded by its ETag: PreconditionFailedError when another worker changed it first. */
  async replace(job: JobDoc): Promise<JobDoc> {
    try {
      const { resource } = await this.container
        .item(job.id, job.tenantId)
        .replace<JobDoc>(strip(job), { accessCondition: { type: "IfMatch", condition: job._etag! } });
      return resource as JobDoc;
    } catch (error) {
      if (cosmosStatus(error) === 412) throw new PreconditionFailedError(`job ${job.id}`);
      throw fromCosmos(error);
    }
  }

  /** The tenant's jobs, newest first. */
  async list(tenantId: string, limit: number): Promise<JobDoc[]> {
    return this.select<JobDoc>(
      tenantId,
      "SELECT TOP @top * FROM c WHERE c.tenantId = @tenantId AND c.kind = 'Job' ORDER BY c.createdAt DESC",
      [{ name: "@top", value: limit }],
    );
  }

  /** Unfinished jobs of every tenant that have not moved since `before` (a lost message): one cross-partition query. */
  async stalled(before: string, limit: number): Promise<JobDoc[]> {
    const query =
      "SELECT TOP @top * FROM c WHERE c.kind = 'Job' AND (c.state = 'queued' OR c.state = 'running') AND c.updatedAt < @before";
    return call(
      async () =>
        (
          await this.container.items
            .query<JobDoc>({
              query,
              parameters: [
                { name: "@top", value: limit },
                { name: "@before", value: before },
              ],
            })
            .fetchAll()
        ).resources,
    );
  }

  /** Up to `limit` memberships of a group after the cursor, in id order (one query). */
  async memberPage(
    tenantId: string,
    groupId: string,
    after: string | undefined,
    limit: number,
  ): Promise<{ id: string; userId: string }[]> {
    const cursor = after === undefined ? "" : " AND c.id > @after";
    return this.select(tenantId, `SELECT TOP @top c.id, c.userId FROM c WHERE ${MEMBER}${cursor} ORDER BY c.id`, [
      { name: "@groupId", value: groupId },
      { name: "@top", value: limit },
      ...(after === undefined ? [] : [{ name: "@after", value: after }]),
    ]);
  }

  /** How many members a group has (one query, off the request path). */
  async countMembers(tenantId: string, groupId: string): Promise<number> {
    return (
      (
        await this.select<number>(tenantId, `SELECT VALUE COUNT(1) FROM c WHERE ${MEMBER}`, [
          { name: "@groupId", value: groupId },
        ])
      )[0] ?? 0
    );
  }

  /**
   * Deletes a group and starts the job that finishes the delete, in one transactional batch: the
   * group document (guarded by its ETag), its lookup records (so its displayName is free at once),
   * the job, the provisioning-log event and the `group.deleted` event (`deleted`, built by the
   * operation's plan). Memberships stay for the job. A lookup already gone is left out and the
   * batch tried again; PreconditionFailedError when the group changed.
   */
  async deleteGroupWithJob(
    group: ResourceDoc,
    job: JobDoc,
    audit: AuditDraft,
    about: AuditAbout,
    deleted: EventDoc[],
  ): Promise<void> {
    const tenantId = group.tenantId;
    const gone = new Set<string>();
    let outbox: OutboxDoc | undefined;
    await withRetries(
      { attempts: 2 * lookupsOf(group.kind, group.resource).size + 2, what: `deleting group ${group.id}` },
      async () => {
        const event = outboxDoc(auditDoc(tenantId, audit, about));
        outbox = event;
        const lookups = [...lookupsOf(group.kind, group.resource).keys()].filter((k) => !gone.has(k));
        const ops: OperationInput[] = [
          { operationType: "Delete", id: group.id, partitionKey: tenantId, ifMatch: group._etag } as OperationInput,
          { operationType: "Create", partitionKey: tenantId, resourceBody: strip(job) as unknown as JSONObject },
          ...lookups.map((id) => ({ operationType: "Delete", id, partitionKey: tenantId }) as OperationInput),
          { operationType: "Create", partitionKey: tenantId, resourceBody: event as unknown as JSONObject },
          ...deleted.map(
            (e) => ({ operationType: "Create", partitionKey: tenantId, resourceBody: e }) as unknown as OperationInput,
          ),
        ];
        const response = await callBatch(() => this.container.items.batch(ops, tenantId));
        const results = response.result ?? [];
        const failed = results.findIndex((r) => r.statusCode >= 400 && r.statusCode !== 424);
        if (failed < 0) {
          if (results.length < ops.length) throw fromCosmos({ code: response.code ?? 503 });
          return;
        }
        const status = results[failed]!.statusCode;
        if (failed === 0)
          throw status === 404
            ? new NotFoundError(`Group ${group.id}`)
            : status === 412
              ? new PreconditionFailedError(`Group ${group.id}`)
              : fromCosmos({ code: status });
        if (failed >= 2 && failed < 2 + lookups.length && status === 404) {
          gone.add(lookups[failed - 2]!);
          throw new Retry();
        }
        throw fromCosmos({ code: status });
      },
    );
    // The log reads the outbox too; a failed move is delivered later by the audit-outbox timer.
    if (outbox) await this.auditLog?.deliver(tenantId, [outbox]).catch(() => undefined);
    if (deleted.length) await this.signal?.written(tenantId);
  }

  private async select<T>(tenantId: string, query: string, parameters: SqlParameter[]): Promise<T[]> {
    return call(
      async () =>
        (
          await this.container.items
            .query<T>(
              { query, parameters: [{ name: "@tenantId", value: tenantId }, ...parameters] },
              { partitionKey: tenantId },
            )
            .fetchAll()
        ).resources,
    );
  }
}
