import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OperationInput } from "@azure/cosmos";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";

/** The embedded store keeps tenants apart as Cosmos DB does: a partition's query reads that partition only. */

let store: EmbeddedStore;

beforeAll(async () => {
  store = await startEmbeddedStore();
  const big = Array.from(
    { length: 500 },
    (_, i) =>
      ({
        operationType: "Create",
        partitionKey: "big",
        resourceBody: { id: `u${i}`, tenantId: "big", kind: "User", resource: {} },
      }) as OperationInput,
  );
  for (let i = 0; i < big.length; i += 100) await store.cosmos.resources.items.bulk(big.slice(i, i + 100));
  await store.cosmos.resources.items.create({ id: "only", tenantId: "small", kind: "User", resource: {} });
});
afterAll(async () => store?.close());

const count = async (partitionKey?: string) =>
  (
    await store.cosmos.resources.items
      .query<number>("SELECT VALUE COUNT(1) FROM c", partitionKey ? { partitionKey } : {})
      .fetchAll()
  ).resources[0];

describe("the embedded store", () => {
  it("makes a transactional batch all or nothing, as Cosmos DB does: a failed operation undoes those before it", async () => {
    const items = store.cosmos.resources.items;
    const doc = (id: string, v = 1) => ({ id, tenantId: "tx", kind: "User", resource: {}, v });
    await items.create(doc("kept"));
    await items.create(doc("taken"));
    const { resource: before } = await store.cosmos.resources.item("kept", "tx").read();
    const response = await items.batch(
      [
        { operationType: "Create", resourceBody: doc("new"), partitionKey: "tx" },
        { operationType: "Replace", id: "kept", resourceBody: doc("kept", 2), partitionKey: "tx" },
        { operationType: "Delete", id: "taken", partitionKey: "tx" },
        { operationType: "Create", resourceBody: doc("taken"), partitionKey: "tx" },
        { operationType: "Create", resourceBody: doc("taken"), partitionKey: "tx" },
      ],
      "tx",
    );
    expect(response.result?.map((r) => r.statusCode)).toEqual([201, 200, 204, 201, 409]);
    const read = async (id: string) => (await store.cosmos.resources.item(id, "tx").read()).resource;
    expect(await read("new")).toBeUndefined();
    expect((await read("kept"))?.v).toBe(before?.v);
    expect(await read("taken")).toBeDefined();
    const ids = (
      await items.query("SELECT VALUE c.id FROM c WHERE c.tenantId = 'tx'", { partitionKey: "tx" }).fetchAll()
    ).resources;
    expect(ids.sort()).toEqual(["kept", "taken"]);
    for (const id of ids) await store.cosmos.resources.item(id, "tx").delete();
  });

  it("answers a query with a partition key from that partition's documents only", async () => {
    expect(await count("small")).toBe(1);
    expect(await count("big")).toBe(500);
    expect(await count("nobody")).toBe(0);
  });

  it("still answers cross-partition queries (the token expiry check, tenant list) from every partition", async () => {
    expect(await count()).toBe(501);
  });

  it("forgets a deleted document in its partition", async () => {
    await store.cosmos.resources.items.create({ id: "gone", tenantId: "small", kind: "User", resource: {} });
    await store.cosmos.resources.item("gone", "small").delete();
    expect(await count("small")).toBe(1);
  });

  it("answers the SDK's query-plan request with a plan, without running the query over every partition", async () => {
    const res = await fetch(`${store.config.cosmos.endpoint}/dbs/scim/colls/resources/docs`, {
      method: "POST",
      headers: { "x-ms-cosmos-is-query-plan-request": "True", "Content-Type": "application/query+json" },
      body: JSON.stringify({ query: "SELECT * FROM c" }),
    });
    expect(await res.json()).toMatchObject({
      queryInfo: { orderBy: [], aggregates: [] },
      queryRanges: [expect.any(Object)],
    });
  });

  it("compiles FROM and JOIN to code linear in the partition's documents (the library copies its accumulator per document)", async () => {
    const require = createRequire(require_resolve_base());
    const compile = (require("@zeit/cosmosdb-query") as { default: (sql: string) => { code: string } }).default;
    for (const sql of [
      "SELECT * FROM c WHERE c.kind = 'User'",
      "SELECT c.id FROM c JOIN e IN c.norm.emails WHERE e = 'x'",
      "SELECT VALUE COUNT(1) FROM c",
    ]) {
      const { code } = compile(sql);
      expect(code).toContain(".reduce(");
      expect(code).not.toContain("[...$");
    }
  });

  it("answers JOIN and subquery filters as before", async () => {
    const docs = [
      {
        id: "a",
        tenantId: "joins",
        kind: "User",
        resource: { emails: [{ value: "a@x" }] },
        norm: { emails: ["a@x", "a2@x"] },
      },
      { id: "b", tenantId: "joins", kind: "User", resource: { emails: [{ value: "b@x" }] }, norm: { emails: ["b@x"] } },
    ];
    for (const doc of docs) await store.cosmos.resources.items.create(doc);
    const ids = async (query: string) =>
      (await store.cosmos.resources.items.query<string>(query, { partitionKey: "joins" }).fetchAll()).resources.sort();
    expect(await ids("SELECT VALUE c.id FROM c JOIN e IN c.norm.emails WHERE STARTSWITH(e, 'a')")).toEqual(["a", "a"]);
    expect(
      await ids(
        "SELECT VALUE c.id FROM c WHERE EXISTS(SELECT VALUE 1 FROM e IN c.resource.emails WHERE e['value'] = 'b@x')",
      ),
    ).toEqual(["b"]);
    expect(await ids("SELECT VALUE c.id FROM c")).toEqual(["a", "b"]);
    // A JOIN over an array too long to spread into one call.
    await store.cosmos.resources.items.create({
      id: "long",
      tenantId: "long",
      kind: "User",
      resource: {},
      norm: { emails: Array.from({ length: 200_000 }, (_, i) => `e${i}`) },
    });
    const joined = await store.cosmos.resources.items
      .query<number>("SELECT VALUE COUNT(1) FROM c JOIN e IN c.norm.emails", { partitionKey: "long" })
      .fetchAll();
    expect(joined.resources).toEqual([200_000]);
  });
});

/** The store server's own copy of the query library (the one the patch changes). */
function require_resolve_base(): string {
  return createRequire(import.meta.url).resolve("@vercel/cosmosdb-server");
}
