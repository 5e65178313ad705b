import { randomUUID } from "node:crypto";
import type { Container, JSONObject, OperationInput } from "@azure/cosmos";
import { bulk } from "../../shared/store/memberships.js";
import { lookupsOf } from "../../shared/store/lookups.js";

/**
 * Writes users and one group's memberships straight into the store in bulk (100 documents per
 * round trip), bypassing SCIM: the benchmark and the job tests need groups of thousands of
 * members fast. The documents have the shapes the stores write (users with their lookup records,
 * unless `lookups: false`: the benchmark never looks its users up by userName). With
 * `memberships: false` it writes the users only (the paging tests and benchmark).
 */
export async function seedGroupMembers(
  container: Container,
  tenantId: string,
  groupId: string,
  count: number,
  options: { prefix?: string; now?: Date; lookups?: boolean; memberships?: boolean; product?: JSONObject } = {},
): Promise<string[]> {
  const at = (options.now ?? new Date()).toISOString();
  const prefix = options.prefix ?? `seed-${groupId.slice(0, 8)}`;
  const ids: string[] = [];
  const ops: OperationInput[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    ids.push(id);
    const resource = {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: `${prefix}-${i}@seed.example`,
      active: true,
    };
    ops.push({
      operationType: "Create",
      partitionKey: tenantId,
      resourceBody: {
        id,
        tenantId,
        kind: "User",
        resource,
        meta: { created: at, lastModified: at },
        ...(options.product ? { product: options.product } : {}),
      },
    });
    for (const [key, { attribute, value }] of options.lookups === false ? [] : lookupsOf("User", resource)) {
      ops.push({
        operationType: "Create",
        partitionKey: tenantId,
        resourceBody: { id: key, tenantId, kind: "Lookup", resource: {}, target: id, attribute, value },
      });
    }
    if (options.memberships === false) continue;
    ops.push({
      operationType: "Create",
      partitionKey: tenantId,
      resourceBody: {
        id: `mb.${groupId}.${id}`,
        tenantId,
        kind: "Member",
        resource: {},
        groupId,
        userId: id,
        created: at,
      },
    });
  }
  const results = await bulk(container, ops);
  const failed = results.filter((r) => r.statusCode >= 300);
  if (failed.length) throw new Error(`seeding: ${failed.length} writes failed (first status ${failed[0]!.statusCode})`);
  return ids;
}
