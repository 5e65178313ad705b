import type { Container, OperationInput, SqlParameter } from "@azure/cosmos";
import { ThrottledError, UnavailableError, call, callBatch, fromCosmos } from "./errors.js";
import { Retry, idempotent, withRetries } from "./retry.js";

/**
 * One group membership: its own document in the tenant's partition, so changing members never
 * rewrites a large group and store work is proportional to the members changed.
 *
 * Member and Lookup documents carry an empty `resource`: the embedded store evaluates a filter's
 * EXISTS(... IN c.resource.emails) subquery on every document before the WHERE clause narrows by
 * kind, and fails on a document without `resource`.
 */
interface MemberDoc {
  id: string;
  tenantId: string;
  kind: "Member";
  resource: Record<string, never>;
  /** Empty, like `resource`: the embedded store evaluates `FROM e IN c.norm.emails` on every document too. */
  norm: Record<string, never>;
  groupId: string;
  userId: string;
  created: string;
}

export const memberId = (groupId: string, userId: string) => `mb.${groupId}.${userId}`;

/** The membership document of a user in a group, as created. */
export const memberDoc = (tenantId: string, groupId: string, userId: string, created: string): MemberDoc => ({
  id: memberId(groupId, userId),
  tenantId,
  kind: "Member",
  resource: {},
  norm: {},
  groupId,
  userId,
  created,
});

const WHERE = "c.tenantId = @tenantId AND c.kind = @kind";
const params = (tenantId: string): SqlParameter[] => [
  { name: "@tenantId", value: tenantId },
  { name: "@kind", value: "Member" },
];

/** The result of one operation of a bulk request. */
export interface BulkResult {
  statusCode: number;
  substatus?: number;
  retryAfterMs?: number;
  resourceBody?: unknown;
}

/** Statuses of a bulk operation that say "not done, try again". */
const TRANSIENT = new Set([408, 410, 429, 449, 500, 503]);
/** Rounds of re-sending what was not done: like the SDK's own throttling budget (cosmos.ts), about 3 s of waiting at most. */
const BULK_ROUNDS = 10;
const MAX_WAIT_MS = 3000;

/** One legacy-bulk result, as the store sent it (the SDK's type leaves out substatus and retry delay). */
type RawResult = {
  statusCode: number;
  subStatusCode?: number;
  retryAfterMilliseconds?: number;
  resourceBody?: unknown;
};

/**
 * Non-transactional bulk operations, up to 100 per request (the legacy `items.bulk`), with the
 * retries the SDK does not do there: a throttled (429), unavailable (503, 408, 449) or moved (410)
 * operation, or a whole bulk request that failed, is re-sent after the delay the store asked for
 * (`x-ms-retry-after-ms`, per operation or per request), for about 3 s in all; past that the
 * caller gets the typed error of what failed (429 or 503 with Retry-After). Every operation the
 * store sends this way is idempotent: Read, Create where 409 means "already there", Delete where
 * 404 means "already gone", Replace guarded by an ETag (a re-sent write that had landed gets 412,
 * and the caller reads the document again). Nothing here reads a failure as absence.
 *
 * Why not `executeBulkOperations` (the SDK's current bulk API, which retries throttling itself):
 * in @azure/cosmos 4.9 and 4.10.1 it flushes a batch of fewer than 100 operations only on a 1-second timer
 * (`intervalForPartialBatchInMs`), so each of our bulk calls (1 to 100 operations, inside a SCIM
 * request) took 1,000-1,160 ms against 25-60 ms for `bulk`; its whole-request failures also
 * come back as 500s per operation, which would hide a 429 or a full partition.
 */
export async function bulk(container: Container, ops: OperationInput[]): Promise<BulkResult[]> {
  const out: BulkResult[] = new Array(ops.length);
  let waited = 0;
  let rounds = 0;
  for (let i = 0; i < ops.length; i += 100) {
    let pending = ops.slice(i, i + 100).map((_, k) => i + k);
    await withRetries({ attempts: BULK_ROUNDS, what: "bulk operations" }, async () => {
      let results: RawResult[];
      try {
        // The SDK stringifies partition keys in place: send copies, so a retry sends the same operations.
        results = (await callBatch(() =>
          container.items.bulk(
            pending.map((k) => ({ ...ops[k]! }) as OperationInput),
            { continueOnError: true },
          ),
        )) as unknown as RawResult[];
      } catch (error) {
        if (!(error instanceof ThrottledError || error instanceof UnavailableError)) throw error;
        throw retryAfter(error, error instanceof ThrottledError ? error.retryAfterMs : 0);
      }
      const again: number[] = [];
      results.forEach((r, k) => {
        const result: BulkResult = {
          statusCode: r.statusCode,
          ...(r.subStatusCode !== undefined ? { substatus: r.subStatusCode } : {}),
          ...(r.retryAfterMilliseconds !== undefined ? { retryAfterMs: r.retryAfterMilliseconds } : {}),
          ...(r.resourceBody !== undefined ? { resourceBody: r.resourceBody } : {}),
        };
        out[pending[k]!] = result;
        if (TRANSIENT.has(r.statusCode)) again.push(pending[k]!);
      });
      if (again.length === 0) return;
      pending = again;
      const first = out[again[0]!]!;
      throw retryAfter(
        fromCosmos({ code: first.statusCode, substatus: first.substatus, retryAfterInMs: first.retryAfterMs }),
        first.retryAfterMs ?? 0,
      );
    });
  }
  return out;

  function retryAfter(last: Error, askedMs: number): Retry | Error {
    // The store's delay when it gave one, else a short back-off that doubles (10, 20, 40 ms, ...).
    const delay = askedMs > 0 ? askedMs : 10 * 2 ** Math.min(8, rounds++);
    if (waited + delay > MAX_WAIT_MS) return last;
    waited += delay;
    return new Retry(delay, last);
  }
}

/** Throws the typed error of the first operation that did not succeed (404s of deletes and 409s of creates are no-ops). */
function expectDone(ops: OperationInput[], results: BulkResult[]): number[] {
  return results.map(({ statusCode, substatus, retryAfterMs }, i) => {
    const kind = ops[i]!.operationType;
    if (statusCode < 400 || (kind === "Delete" && statusCode === 404) || (kind === "Create" && statusCode === 409))
      return statusCode;
    throw fromCosmos({ code: statusCode, substatus, retryAfterInMs: retryAfterMs });
  });
}

/** Group memberships of every tenant. */
export class MembershipStore {
  constructor(private readonly container: Container) {}

  /** Member user ids of each group (one query). */
  async membersOf(tenantId: string, groupIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(groupIds.map((id) => [id, []]));
    if (groupIds.length === 0) return out;
    const rows = await this.select<{ groupId: string; userId: string }>(
      tenantId,
      `SELECT c.groupId, c.userId FROM c WHERE ${WHERE} AND ARRAY_CONTAINS(@ids, c.groupId)`,
      [...params(tenantId), { name: "@ids", value: groupIds }],
    );
    for (const m of rows) out.get(m.groupId)?.push(m.userId);
    return out;
  }

  /** Ids of the groups a user is a direct member of (one query). */
  async groupsOf(tenantId: string, userId: string): Promise<string[]> {
    return this.select<string>(tenantId, `SELECT VALUE c.groupId FROM c WHERE ${WHERE} AND c.userId = @id`, [
      ...params(tenantId),
      { name: "@id", value: userId },
    ]);
  }

  /** The groups of each of several users (one query). */
  async groupsOfUsers(tenantId: string, userIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return out;
    const rows = await this.select<{ userId: string; groupId: string }>(
      tenantId,
      `SELECT c.userId, c.groupId FROM c WHERE ${WHERE} AND ARRAY_CONTAINS(@users, c.userId)`,
      [...params(tenantId), { name: "@users", value: userIds }],
    );
    for (const r of rows) out.get(r.userId)?.push(r.groupId);
    return out;
  }

  /** Memberships naming a user (or a group): their document ids and the other side's id. */
  async of(tenantId: string, side: "User" | "Group", id: string): Promise<{ id: string; other: string }[]> {
    const field = side === "User" ? "userId" : "groupId";
    const other = side === "User" ? "groupId" : "userId";
    return this.select<{ id: string; other: string }>(
      tenantId,
      `SELECT c.id, c.${other} AS other FROM c WHERE ${WHERE} AND c.${field} = @id`,
      [...params(tenantId), { name: "@id", value: id }],
    );
  }

  /** Which of `userIds` are members of the group now (point reads in bulk; a failed read is an error, never "not a member"). */
  async present(tenantId: string, groupId: string, userIds: string[]): Promise<Set<string>> {
    const ops = userIds.map(
      (userId) => ({ operationType: "Read", id: memberId(groupId, userId), partitionKey: tenantId }) as OperationInput,
    );
    const results = await bulk(this.container, ops);
    const out = new Set<string>();
    results.forEach(({ statusCode, substatus, retryAfterMs }, i) => {
      if (statusCode === 200) out.add(userIds[i]!);
      else if (statusCode !== 404) throw fromCosmos({ code: statusCode, substatus, retryAfterInMs: retryAfterMs });
    });
    return out;
  }

  /** Deletes membership documents by id (already gone is fine). */
  async removeDocs(tenantId: string, ids: string[]): Promise<void> {
    const ops = ids.map((id) => ({ operationType: "Delete", id, partitionKey: tenantId }) as OperationInput);
    expectDone(ops, await bulk(this.container, ops));
  }

  private async select<T>(tenantId: string, query: string, parameters: SqlParameter[]): Promise<T[]> {
    // Membership rows are small: 1,000 per round trip.
    return idempotent(() =>
      call(
        async () =>
          (
            await this.container.items
              .query<T>({ query, parameters }, { partitionKey: tenantId, maxItemCount: 1000 })
              .fetchAll()
          ).resources,
      ),
    );
  }
}
