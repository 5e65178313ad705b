import type { Container, OperationInput, SqlParameter } from "@azure/cosmos";
import { call, fromCosmos } from "./errors.js";

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
  groupId: string;
  userId: string;
  created: string;
}

export const memberId = (groupId: string, userId: string) => `mb.${groupId}.${userId}`;

const WHERE = "c.tenantId = @tenantId AND c.kind = @kind";
const params = (tenantId: string): SqlParameter[] => [
  { name: "@tenantId", value: tenantId },
  { name: "@kind", value: "Member" },
];

/** The result of one operation of a bulk request. */
export interface BulkResult {
  statusCode: number;
  resourceBody?: unknown;
}

/** Non-transactional bulk requests of up to 100 operations each (one round trip per 100). */
export async function bulk(container: Container, ops: OperationInput[]): Promise<BulkResult[]> {
  const out: BulkResult[] = [];
  for (let i = 0; i < ops.length; i += 100) {
    const chunk = ops.slice(i, i + 100);
    out.push(...(await call(() => container.items.bulk(chunk, { continueOnError: true }))));
  }
  return out;
}

/** Throws the typed error of the first operation that did not succeed (404s of deletes and 409s of creates are no-ops). */
function expectDone(ops: OperationInput[], results: BulkResult[]): number[] {
  return results.map(({ statusCode }, i) => {
    const kind = ops[i]!.operationType;
    if (statusCode < 400 || (kind === "Delete" && statusCode === 404) || (kind === "Create" && statusCode === 409)) return statusCode;
    throw fromCosmos({ code: statusCode });
  });
}

/** Group memberships of every tenant. */
export class MembershipStore {
  constructor(private readonly container: Container) {}

  /** Member user ids of each group (one query). */
  async membersOf(tenantId: string, groupIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(groupIds.map((id) => [id, []]));
    if (groupIds.length === 0) return out;
    const rows = await this.select<{ groupId: string; userId: string }>(tenantId, `SELECT c.groupId, c.userId FROM c WHERE ${WHERE} AND ARRAY_CONTAINS(@ids, c.groupId)`, [
      ...params(tenantId),
      { name: "@ids", value: groupIds },
    ]);
    for (const m of rows) out.get(m.groupId)?.push(m.userId);
    return out;
  }

  /** Ids of the groups a user is a direct member of (one query). */
  async groupsOf(tenantId: string, userId: string): Promise<string[]> {
    return this.select<string>(tenantId, `SELECT VALUE c.groupId FROM c WHERE ${WHERE} AND c.userId = @id`, [...params(tenantId), { name: "@id", value: userId }]);
  }

  /** Memberships naming a user (or a group): their document ids and the other side's id. */
  async of(tenantId: string, side: "User" | "Group", id: string): Promise<{ id: string; other: string }[]> {
    const field = side === "User" ? "userId" : "groupId";
    const other = side === "User" ? "groupId" : "userId";
    return this.select<{ id: string; other: string }>(tenantId, `SELECT c.id, c.${other} AS other FROM c WHERE ${WHERE} AND c.${field} = @id`, [
      ...params(tenantId),
      { name: "@id", value: id },
    ]);
  }

  /**
   * Adds and removes memberships of one group in bulk. Adding an existing member and removing a
   * non-member are no-ops; any other failure (a throttled operation included) is an error.
   * Returns how many memberships were created and deleted.
   */
  async apply(tenantId: string, groupId: string, plan: { add: string[]; remove: string[] }, now: Date): Promise<{ added: number; removed: number }> {
    const created = now.toISOString();
    const ops: OperationInput[] = [
      ...plan.add.map(
        (userId) =>
          ({
            operationType: "Create",
            partitionKey: tenantId,
            resourceBody: { id: memberId(groupId, userId), tenantId, kind: "Member", resource: {}, groupId, userId, created } satisfies MemberDoc,
          }) as OperationInput,
      ),
      ...plan.remove.map((userId) => ({ operationType: "Delete", id: memberId(groupId, userId), partitionKey: tenantId }) as OperationInput),
    ];
    const statuses = expectDone(ops, await bulk(this.container, ops));
    return {
      added: statuses.slice(0, plan.add.length).filter((s) => s === 201).length,
      removed: statuses.slice(plan.add.length).filter((s) => s === 204).length,
    };
  }

  /** Deletes membership documents by id (already gone is fine). */
  async removeDocs(tenantId: string, ids: string[]): Promise<void> {
    const ops = ids.map((id) => ({ operationType: "Delete", id, partitionKey: tenantId }) as OperationInput);
    expectDone(ops, await bulk(this.container, ops));
  }

  private async select<T>(tenantId: string, query: string, parameters: SqlParameter[]): Promise<T[]> {
    return call(async () => (await this.container.items.query<T>({ query, parameters }, { partitionKey: tenantId }).fetchAll()).resources);
  }
}
