import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Container, OperationInput, SqlParameter } from "@azure/cosmos";
import { createEmbeddedStore, embeddedDocuments, type EmbeddedDocuments } from "../../local/host/embedded-store.js";
import { loadConfig } from "../../shared/config.js";
import { ensureContainers, openCosmos } from "../../shared/store/cosmos.js";
import { parseFilter } from "../../shared/scim/filter.js";
import { filterToSql, normalisedCopy } from "../../shared/store/filter-sql.js";

/**
 * The embedded store answers equality, IN, ARRAY_CONTAINS and ORDER BY c.id with TOP from its
 * index (local/host/embedded-store.ts). Property tests: random documents and random queries of the
 * shapes the service sends, on two stores given the same writes, one indexed and one that scans;
 * every answer must be the same, in the same order, page by page.
 */

interface Store {
  resources: Container;
  docs: EmbeddedDocuments;
  close(): Promise<void>;
}

async function start(indexed: boolean): Promise<Store> {
  const server = createEmbeddedStore({ indexed });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const config = loadConfig({
    COSMOS_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    COSMOS_KEY: "a2V5",
  });
  const cosmos = openCosmos(config.cosmos);
  await ensureContainers(cosmos.client, config.cosmos.database);
  return {
    resources: cosmos.resources,
    docs: embeddedDocuments(server),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** mulberry32: the same documents and queries on every run. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}

const TENANTS = ["t1", "t2"];
const KINDS = ["User", "Group", "Lookup", "Member", "Job"];
const NAMES = ["ann", "Ann", "bob", "carl", "dora", "eve"];
/** Values of other types at the same paths: an index must not confuse "1" with 1, or null with absent. */
const ODD = [1, "1", 0, true, false, null, "", ["ann"], { value: "ann" }];
const IDS = Array.from({ length: 500 }, (_, i) => `${String.fromCharCode(97 + (i % 26))}${i}`);
const GROUPS = ["g1", "g2", "g3"];

function randomDoc(r: ReturnType<typeof random>): Record<string, unknown> {
  const kind = r.pick(KINDS);
  const name = r.chance(0.85) ? r.pick(NAMES) : r.pick(ODD);
  const resource: Record<string, unknown> = {
    userName: name,
    displayName: r.pick(NAMES),
    active: r.pick([true, false, "True", undefined]),
  };
  if (r.chance(0.7)) resource.externalId = r.pick([...NAMES, ...ODD]);
  if (r.chance(0.5)) resource.emails = [{ value: `${r.pick(NAMES)}@x`, type: r.pick(["work", "home"]) }];
  const doc: Record<string, unknown> = {
    id: r.pick(IDS),
    tenantId: r.pick(TENANTS),
    kind,
    resource,
    norm: normalisedCopy(resource),
  };
  if (kind === "Member" || r.chance(0.1))
    Object.assign(doc, { groupId: r.chance(0.9) ? r.pick(GROUPS) : r.pick(ODD), userId: r.pick(IDS) });
  if (r.chance(0.3))
    doc.product = { role: r.pick(["admin", "user", 1, null]), ...(r.chance(0.5) ? { objectId: r.pick(NAMES) } : {}) };
  if (r.chance(0.2)) doc.type = r.pick(["client", "jti", 1]);
  return doc;
}

/** Random writes (creates, replaces and deletes in one bulk request), the same on both stores. */
async function randomWrites(r: ReturnType<typeof random>, stores: Store[]): Promise<void> {
  const ops: OperationInput[] = Array.from({ length: 25 }, () => {
    const doc = randomDoc(r);
    return r.chance(0.15)
      ? { operationType: "Delete", id: doc.id as string, partitionKey: doc.tenantId as string }
      : { operationType: "Upsert", partitionKey: doc.tenantId as string, resourceBody: doc as never };
  });
  for (const store of stores) await store.resources.items.bulk(ops, { continueOnError: true });
}

/** A random query of the shapes shared/store/*.ts send, with its parameters. */
function randomQuery(r: ReturnType<typeof random>): { query: string; parameters: SqlParameter[] } {
  const parameters: SqlParameter[] = [];
  const bind = (name: string, value: unknown) => {
    if (value !== undefined || r.chance(0.5)) parameters.push({ name, value: value as never });
    return name;
  };
  const value = () => (r.chance(0.8) ? r.pick(NAMES) : r.pick(ODD));
  const parts: string[] = [];
  if (r.chance(0.9)) parts.push(`c.tenantId = ${bind("@tenantId", r.pick(TENANTS))}`);
  if (r.chance(0.7))
    parts.push(r.chance(0.5) ? `c.kind = ${bind("@kind", r.pick([...KINDS, 1]))}` : `c.kind = '${r.pick(KINDS)}'`);
  const conditions = [
    () => `c.groupId = ${bind("@g", r.chance(0.9) ? r.pick(GROUPS) : r.pick(ODD))}`,
    () => `c.userId = ${bind("@u", r.pick(IDS))}`,
    () =>
      `ARRAY_CONTAINS(${bind("@ids", r.chance(0.8) ? GROUPS.filter(() => r.chance(0.5)) : r.pick([...ODD, undefined]))}, c.groupId)`,
    () =>
      `ARRAY_CONTAINS(${bind(
        "@users",
        IDS.filter(() => r.chance(0.1)),
      )}, c.userId)`,
    () => `c.norm.userName = ${bind("@n", value())}`,
    () => `c["norm"]["userName"] IN (${bind("@n1", value())}, ${bind("@n2", value())}, 'bob')`,
    () => `c.resource.externalId = ${bind("@e", value())}`,
    () => `${bind("@e2", value())} = c.resource.externalId`,
    () => `c.type = '${r.pick(["client", "jti"])}'`,
    () => `c.product.role = ${bind("@role", r.pick(["admin", "user", 1, null]))}`,
    () => "IS_DEFINED(c.product.objectId)",
    () => `(c.resource.displayName = ${bind("@d", r.pick(NAMES))} OR c.kind = 'Group')`,
    () => `NOT (c.norm.userName = ${bind("@not", r.pick(NAMES))})`,
    () => `c.id > ${bind("@after", r.chance(0.9) ? r.pick(IDS) : r.pick(ODD))}`,
    () => `c.id <= ${bind("@upTo", r.pick(IDS))}`,
    () => "c.resource.active = true",
    () => `STARTSWITH(c.id, ${bind("@prefix", r.pick(["q", "e1", "z"]))})`,
    () => {
      const sql = filterToSql(parseFilter(r.pick(FILTERS)), "User");
      sql.parameters.forEach((p) => parameters.push(p as SqlParameter));
      return sql.where;
    },
  ];
  for (let n = r.int(3); n > 0; n--) parts.push(r.pick(conditions)());
  const where = parts.length ? ` WHERE ${parts.join(" AND ")}` : "";
  const shape = r.int(7);
  const top = () => `TOP ${bind("@top", r.chance(0.9) ? 1 + r.int(12) : r.pick(["3", undefined]))}`;
  const order = r.pick(["", " ORDER BY c.id", " ORDER BY c.id DESC", " ORDER BY c.id ASC"]);
  switch (shape) {
    case 0:
      return { query: `SELECT VALUE COUNT(1) FROM c${where}`, parameters };
    case 1:
      return { query: `SELECT c.groupId, c.userId FROM c${where}`, parameters };
    case 2:
      return { query: `SELECT VALUE c.id FROM c${where}${order}`, parameters };
    case 3:
      return { query: `SELECT ${top()} c.id, c.userId FROM c${where}${order || " ORDER BY c.id"}`, parameters };
    case 4:
      return { query: `SELECT ${top()} * FROM c${where}${order}`, parameters };
    case 5:
      return { query: `SELECT c.id FROM c JOIN e IN c.norm.emails${where}`, parameters };
    default:
      return { query: `SELECT * FROM c${where}${order}`, parameters };
  }
}

const FILTERS = [
  'userName eq "Ann"',
  'externalId eq "bob"',
  'displayName eq "carl" and active eq true',
  'userName eq "ann" or userName eq "eve"',
  'emails[type eq "work" and value eq "ann@x"]',
  'not (userName eq "dora")',
  'userName sw "a"',
];

/** The answer without the system properties each store assigns itself (etags differ). */
const plain = (rows: unknown[]) =>
  rows.map((row) =>
    row && typeof row === "object" && !Array.isArray(row)
      ? Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith("_")))
      : row,
  );

async function answer(
  store: Store,
  q: { query: string; parameters: SqlParameter[] },
  partitionKey: string,
  maxItemCount?: number,
) {
  try {
    const pages: unknown[][] = [];
    const iterator = store.resources.items.query(q, { partitionKey, maxItemCount });
    while (iterator.hasMoreResults()) {
      const page = await iterator.fetchNext();
      if (page.resources.length > 0 || pages.length === 0) pages.push(plain(page.resources));
    }
    return { pages };
  } catch (error) {
    return { error: (error as { code?: number }).code ?? String(error) };
  }
}

let indexed: Store;
let scan: Store;
beforeAll(async () => {
  [indexed, scan] = await Promise.all([start(true), start(false)]);
});
afterAll(async () => {
  await indexed?.close();
  await scan?.close();
});

describe("the embedded store's index", () => {
  it("answers random queries exactly as a scan does, page by page, as documents come, change and go", async () => {
    const r = random(20261204);
    let compared = 0;
    let answered = 0;
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 20; i++) await randomWrites(r, [indexed, scan]);
      for (let i = 0; i < 120; i++) {
        const q = randomQuery(r);
        const partitionKey = r.pick(TENANTS);
        const maxItemCount = r.pick([undefined, 1, 3, 7]);
        const [a, b] = await Promise.all([
          answer(indexed, q, partitionKey, maxItemCount),
          answer(scan, q, partitionKey, maxItemCount),
        ]);
        expect({ q, partitionKey, maxItemCount, ...a }).toEqual({ q, partitionKey, maxItemCount, ...b });
        if (a.pages && a.pages.flat().length > 0) answered++;
        compared++;
      }
    }
    expect(compared).toBe(480);
    // Many queries match something: the comparison is not of empty answers.
    expect(answered).toBeGreaterThan(200);
  });

  it("reads only the documents an indexed equality names, and a page of ORDER BY c.id without the rest", async () => {
    const store = await start(true);
    try {
      const ops: OperationInput[] = Array.from({ length: 3000 }, (_, i) => ({
        operationType: "Create",
        partitionKey: "big",
        resourceBody: {
          id: `mb.${i % 3 === 0 ? "small" : "large"}.${String(i).padStart(5, "0")}`,
          tenantId: "big",
          kind: "Member",
          groupId: i % 3 === 0 ? (i < 30 ? "small" : "other") : "large",
          userId: `u${i}`,
        },
      }));
      for (let i = 0; i < ops.length; i += 100) await store.resources.items.bulk(ops.slice(i, i + 100));
      const read = async (query: string, parameters: SqlParameter[]) => {
        const before = store.docs.documentsRead();
        const { resources } = await store.resources.items
          .query({ query, parameters }, { partitionKey: "big" })
          .fetchAll();
        return { rows: resources.length, read: store.docs.documentsRead() - before };
      };
      const params = (groupId: string) => [
        { name: "@tenantId", value: "big" },
        { name: "@kind", value: "Member" },
        { name: "@id", value: groupId },
      ];
      expect(
        await read(
          "SELECT c.id FROM c WHERE c.tenantId = @tenantId AND c.kind = @kind AND c.groupId = @id",
          params("small"),
        ),
      ).toEqual({
        rows: 10,
        read: 10,
      });
      expect(
        await read(
          "SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @tenantId AND c.kind = @kind AND ARRAY_CONTAINS(@ids, c.groupId)",
          [...params("x"), { name: "@ids", value: ["small", "nobody"] }],
        ),
      ).toEqual({ rows: 1, read: 10 });
      const page = await read(
        "SELECT TOP 20 c.id, c.userId FROM c WHERE c.tenantId = @tenantId AND c.kind = @kind AND c.groupId = @id AND c.id > @after ORDER BY c.id",
        [...params("large"), { name: "@after", value: "mb.large.01000" }],
      );
      expect(page.rows).toBe(20);
      expect(page.read).toBeLessThanOrEqual(64);
      // Sparse matches in id order: more of the partition is read, round by round, until the page is full.
      const sparse = ops
        .map((op) => (op as unknown as { resourceBody: { id: string; userId: string } }).resourceBody)
        .filter((d) => d.userId.endsWith("7"))
        .map((d) => d.id)
        .sort();
      for (const order of ["ASC", "DESC"]) {
        const { resources } = await store.resources.items
          .query<string>(
            `SELECT TOP 20 VALUE c.id FROM c WHERE c.tenantId = 'big' AND ENDSWITH(c.userId, '7') ORDER BY c.id ${order}`,
            { partitionKey: "big" },
          )
          .fetchAll();
        expect(resources).toEqual(order === "ASC" ? sparse.slice(0, 20) : sparse.reverse().slice(0, 20));
      }
      // Anything else still reads the partition.
      expect(await read("SELECT VALUE COUNT(1) FROM c WHERE STARTSWITH(c.userId, 'u1')", [])).toEqual({
        rows: 1,
        read: 3000,
      });
    } finally {
      await store.close();
    }
  });
});
