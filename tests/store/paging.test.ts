import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Container } from "@azure/cosmos";
import { startTestHost } from "../helpers/host.js";
import type { RunningHost } from "../../local/host/host.js";
import { seedGroupMembers } from "../../local/tools/bulk-seed.js";
import { openCosmos } from "../../shared/store/cosmos.js";
import { AnchorCache } from "../../shared/store/paging.js";
import { MembershipStore } from "../../shared/store/memberships.js";
import { ResourceStore, type ListQuery } from "../../shared/store/resources.js";
import { ADMIN_CLI, type OperationContext } from "../../shared/operations/context.js";
import { listResources } from "../../shared/operations/resources.js";
import { parseListParams } from "../../shared/scim/list.js";
import { encodeCursor, queryBinding } from "../../shared/scim/cursor.js";

describe("AnchorCache", () => {
  it("finds the remembered page end nearest at or below a position, per query", () => {
    const cache = new AnchorCache();
    cache.remember("q1", 25, "id25");
    cache.remember("q1", 50, "id50");
    cache.remember("q2", 40, "other");
    expect([
      cache.nearest("q1", 50),
      cache.nearest("q1", 49),
      cache.nearest("q1", 24),
      cache.nearest("q2", 45),
      cache.nearest("q3", 50),
    ]).toStrictEqual([
      { position: 50, id: "id50" },
      { position: 25, id: "id25" },
      undefined,
      { position: 40, id: "other" },
      undefined,
    ]);
  });

  it("keeps at most its bound, forgetting the least recently used first", () => {
    const cache = new AnchorCache(3);
    cache.remember("q", 1, "a");
    cache.remember("q", 2, "b");
    cache.remember("q", 3, "c");
    expect(cache.nearest("q", 1)).toStrictEqual({ position: 1, id: "a" });
    cache.remember("q", 4, "d");
    expect(cache.size).toBe(3);
    expect([cache.nearest("q", 1), cache.nearest("q", 2), cache.nearest("q", 4)]).toStrictEqual([
      { position: 1, id: "a" },
      { position: 1, id: "a" },
      { position: 4, id: "d" },
    ]);
  });

  it("forgets a page end after its time to live", () => {
    let now = 0;
    const cache = new AnchorCache(10, 3_600_000, () => now);
    cache.remember("q", 25, "id25");
    now = 3_600_000;
    expect(cache.nearest("q", 30)).toStrictEqual({ position: 25, id: "id25" });
    now = 3_600_001;
    expect(cache.nearest("q", 30)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});

/** Store round trips the embedded store served while `run` ran. */
async function measured<T>(host: RunningHost, run: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const before = host.storeRequests();
  const result = await run();
  return { result, calls: host.storeRequests() - before };
}

/** Every User id of the tenant, in id order, straight from the store. */
async function allIds(container: Container, tenantId: string): Promise<string[]> {
  const query = {
    query: "SELECT VALUE c.id FROM c WHERE c.tenantId = @t AND c.kind = 'User'",
    parameters: [{ name: "@t", value: tenantId }],
  };
  const { resources } = await container.items
    .query<string>(query, { partitionKey: tenantId, maxItemCount: 10_000 })
    .fetchAll();
  return resources.sort();
}

const context = (host: RunningHost, tenantId: string): OperationContext => ({
  tenantId,
  actor: ADMIN_CLI,
  now: new Date(),
  services: host.services,
  baseUrl: "https://h/scim/v2",
});

/** A cursor page through the operation, as GET /Users?cursor=...&count=... serves it. */
async function cursorPage(host: RunningHost, tenantId: string, cursor: string, count: number) {
  const params = parseListParams(new URLSearchParams({ cursor, count: String(count) }), "User", 200);
  const body = await listResources(context(host, tenantId), "User", params);
  return body as { totalResults: number; Resources: { id: string }[]; nextCursor?: string };
}

describe("keyset paging of unsorted lists", () => {
  const N = 53;
  let host: RunningHost;
  let container: Container;
  let tenantId: string;
  let ids: string[];

  beforeAll(async () => {
    ({ host } = await startTestHost());
    tenantId = host.defaultTenant!.id;
    container = openCosmos(host.services.config.cosmos).resources;
    await seedGroupMembers(container, tenantId, "none", N, { prefix: "page", lookups: false, memberships: false });
    ids = await allIds(container, tenantId);
  });
  afterAll(async () => host?.close());

  const query = (store: ResourceStore, q: Partial<ListQuery>) =>
    store.query(tenantId, "User", { startIndex: 1, count: 5, ...q });

  it("pages sequentially by startIndex through every user exactly once, in id order, both ways", async () => {
    for (const descending of [false, true]) {
      const seen: string[] = [];
      for (let startIndex = 1; startIndex <= N; startIndex += 5) {
        const { total, docs } = await query(host.services.resources, { startIndex, descending });
        expect(total).toBe(N);
        seen.push(...docs.map((d) => d.id));
      }
      expect(seen).toStrictEqual(descending ? [...ids].reverse() : ids);
    }
  });

  it("pages by cursor through every user exactly once, in id order, with nextCursor on every page but the last", async () => {
    const seen: string[] = [];
    let cursor = "";
    let pages = 0;
    for (;;) {
      const page = await cursorPage(host, tenantId, cursor, 5);
      pages++;
      expect(page.totalResults).toBe(N);
      seen.push(...page.Resources.map((r) => r.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect({ seen, pages }).toStrictEqual({ seen: ids, pages: Math.ceil(N / 5) });
  });

  it("costs the same store calls for page k as for page 1, by index and by cursor", async () => {
    const store = new ResourceStore(container, new MembershipStore(container));
    const indexCalls: number[] = [];
    for (let startIndex = 1; startIndex <= 50; startIndex += 5)
      indexCalls.push((await measured(host, () => query(store, { startIndex }))).calls);
    const cursorCalls: number[] = [];
    let cursor = "";
    for (let k = 0; k < 10; k++) {
      const { result, calls } = await measured(host, () => cursorPage(host, tenantId, cursor, 5));
      cursorCalls.push(calls);
      cursor = result.nextCursor!;
    }
    expect({ index: new Set(indexCalls).size, cursor: new Set(cursorCalls).size }).toStrictEqual({
      index: 1,
      cursor: 1,
    });
    expect(indexCalls[0]).toBe(cursorCalls[0]);
  });

  it("serves a page whose end another instance remembered by skipping from this instance's nearest end, with the same result", async () => {
    const first = new ResourceStore(container, new MembershipStore(container));
    const second = new ResourceStore(container, new MembershipStore(container));
    for (let startIndex = 1; startIndex <= 36; startIndex += 5) await query(first, { startIndex });
    await query(second, { startIndex: 11 });
    const warm = await measured(host, () => query(first, { startIndex: 41 }));
    const cold = await measured(host, () => query(second, { startIndex: 41 }));
    expect(cold.result).toStrictEqual(warm.result);
    expect(warm.result.docs.map((d) => d.id)).toStrictEqual(ids.slice(40, 45));
    // One ids-only read of the gap (positions 16 to 40) more; the instance remembers the new end.
    expect(cold.calls).toBeGreaterThan(warm.calls);
    expect((await measured(host, () => query(second, { startIndex: 46 }))).calls).toBe(warm.calls);
  });

  it("answers an exact total and an empty page past the end, and a page of a filter", async () => {
    const store = new ResourceStore(container, new MembershipStore(container));
    expect(await query(store, { startIndex: 60 })).toStrictEqual({ total: N, docs: [], more: false });
    const { parseFilter, qualifyFilter } = await import("../../shared/scim/filter.js");
    const filter = qualifyFilter(parseFilter('userName sw "page-1"'), "User");
    const filtered = await query(store, { filter, count: 100 });
    expect(filtered.total).toBe(filtered.docs.length);
    expect(filtered.docs.map((d) => d.resource.userName).every((u) => String(u).startsWith("page-1"))).toBe(true);
    expect(filtered.more).toBe(false);
  });
});

describe("a cursor and an index page at depth 100,000", () => {
  const N = 100_050;
  let host: RunningHost;
  let container: Container;
  let tenantId: string;
  let ids: string[];

  beforeAll(async () => {
    ({ host } = await startTestHost());
    tenantId = host.defaultTenant!.id;
    container = openCosmos(host.services.config.cosmos).resources;
    const seeded: string[] = [];
    for (let done = 0; done < N; done += 10_000) {
      seeded.push(
        ...(await seedGroupMembers(container, tenantId, "none", Math.min(10_000, N - done), {
          prefix: `d${done}`,
          lookups: false,
          memberships: false,
        })),
      );
    }
    ids = seeded.sort();
  }, 120_000);
  afterAll(async () => host?.close());

  it("serves startIndex 100,001 by an ids-only skip, the next index page and a cursor page there at the cost of page 1", async () => {
    const store = host.services.resources;
    const q = (startIndex: number) => store.query(tenantId, "User", { startIndex, count: 25 });
    const first = await measured(host, () => q(1));
    const jump = await measured(host, () => q(100_001));
    expect({ total: jump.result.total, ids: jump.result.docs.map((d) => d.id) }).toStrictEqual({
      total: N,
      ids: ids.slice(100_000, 100_025),
    });
    // The gap is read ids only, 10,000 per round trip.
    expect(jump.calls).toBeGreaterThan(first.calls);
    expect(jump.calls).toBeLessThanOrEqual(first.calls + 2 * 11);

    const next = await measured(host, () => q(100_026));
    expect(next.result.docs.map((d) => d.id)).toStrictEqual(ids.slice(100_025, 100_050));
    expect(next.calls).toBe(first.calls);

    const cursor = encodeCursor(
      queryBinding(tenantId, "User", { descending: false }),
      { position: 100_000, after: ids[99_999]! },
      new Date(),
    );
    const firstCursor = await measured(host, () => cursorPage(host, tenantId, "", 25));
    const deep = await measured(host, () => cursorPage(host, tenantId, cursor, 25));
    expect({
      total: deep.result.totalResults,
      ids: deep.result.Resources.map((r) => r.id),
      next: typeof deep.result.nextCursor,
    }).toStrictEqual({
      total: N,
      ids: ids.slice(100_000, 100_025),
      next: "string",
    });
    expect(deep.calls).toBe(firstCursor.calls);
    const last = await cursorPage(host, tenantId, deep.result.nextCursor!, 25);
    expect({ ids: last.Resources.map((r) => r.id), next: last.nextCursor }).toStrictEqual({
      ids: ids.slice(100_025, 100_050),
      next: undefined,
    });
  }, 60_000);
});
