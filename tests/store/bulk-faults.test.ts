import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AddressInfo } from "node:net";
import { createHttpServer } from "@vercel/cosmosdb-server";
import { loadConfig } from "../../shared/config.js";
import { ensureContainers, openCosmos, type CosmosContainers } from "../../shared/store/cosmos.js";
import { faultLayer } from "../../local/host/faults.js";
import { MembershipStore, memberDoc } from "../../shared/store/memberships.js";
import { ResourceStore } from "../../shared/store/resources.js";
import type { PluginConfig } from "@azure/cosmos";

/** A client whose every transactional batch or bulk request is answered `status` as a whole (after the SDK's own retries). */
function answering(status: number, extra: Record<string, unknown> = {}): ResourceStore {
  const plugin: PluginConfig = {
    on: "request",
    plugin: async (ctx, _d, next) => {
      if (ctx.operationType === "batch")
        throw Object.assign(new Error("injected"), { code: status, headers: {}, ...extra });
      return next(ctx);
    },
  };
  const c = openCosmos(
    { endpoint: (cosmos.client as any).clientContext.cosmosClientOptions.endpoint, database: "scim", key: "a2V5" },
    { plugins: [plugin] },
  );
  return new ResourceStore(c.resources, new MembershipStore(c.resources));
}
const now = new Date("2026-12-01T00:00:00Z");

let server: ReturnType<typeof createHttpServer>;
let cosmos: CosmosContainers;
const tenant = "t-bulk";

beforeAll(async () => {
  server = createHttpServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const config = loadConfig({
    COSMOS_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    COSMOS_KEY: "a2V5",
  });
  cosmos = openCosmos(config.cosmos);
  await ensureContainers(cosmos.client, config.cosmos.database);
  for (let i = 0; i < 40; i++)
    await cosmos.resources.items.create({
      id: `d${i}`,
      tenantId: tenant,
      kind: "User",
      resource: { userName: `d${i}` },
      meta: {},
    });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe("bulk reads under faults", () => {
  it("returns each id's own document when single operations of a bulk request are throttled", async () => {
    const layer = faultLayer({ rate: 0.9, seed: 3, retryAfterMs: 1 });
    const c = openCosmos(
      { endpoint: (cosmos.client as any).clientContext.cosmosClientOptions.endpoint, database: "scim", key: "a2V5" },
      { plugins: [layer.plugin] },
    );
    const s = new ResourceStore(c.resources, new MembershipStore(c.resources));
    const ids = Array.from({ length: 40 }, (_, i) => `d${i}`).concat("missing");
    for (let round = 0; round < 5; round++) {
      try {
        const got = await s.readMany(tenant, ids);
        for (const [id, doc] of got)
          if (doc?.id !== (id === "missing" ? undefined : id)) console.log("MISMATCH", id, doc?.id, round);
        for (const [id, doc] of got)
          expect({ id, doc: doc?.id }).toEqual({ id, doc: id === "missing" ? undefined : id });
      } catch (error) {
        expect(["ThrottledError", "UnavailableError"]).toContain((error as Error).name);
      }
    }
    expect(layer.stats.injected.throttledOps).toBeGreaterThan(0);
  });
});

describe("whole-request failures of batches and bulk requests are typed errors, never a 500 or absence", () => {
  it.each([
    [429, { retryAfterInMs: 1 }, "ThrottledError"],
    [503, {}, "UnavailableError"],
    [410, {}, "UnavailableError"],
    [449, {}, "UnavailableError"],
    [403, { substatus: 1014 }, "PartitionFullError"],
  ])("a transactional batch answered %i %o is %s", async (status, extra, name) => {
    const error = await answering(status, extra)
      .write({
        next: {
          id: `batch-${status}`,
          tenantId: tenant,
          kind: "User",
          resource: { userName: `batch-${status}` },
          meta: { created: now.toISOString(), lastModified: now.toISOString() },
        },
      })
      .catch((e: Error) => e);
    expect((error as Error).name).toBe(name);
  });

  it.each([
    [429, { retryAfterInMs: 1 }, "ThrottledError"],
    [503, {}, "UnavailableError"],
    [403, { substatus: 1014 }, "PartitionFullError"],
  ])("a bulk read answered %i %o is %s, not 'not found'", async (status, extra, name) => {
    const error = await answering(status, extra)
      .readMany(tenant, ["d1", "d2"])
      .catch((e: Error) => e);
    expect((error as Error).name).toBe(name);
  });

  it("a membership write to a full partition is PartitionFullError, and writes nothing", async () => {
    const layer = faultLayer({ rate: 0 });
    layer.partitionFull = true;
    const c = openCosmos(
      { endpoint: (cosmos.client as any).clientContext.cosmosClientOptions.endpoint, database: "scim", key: "a2V5" },
      { plugins: [layer.plugin] },
    );
    const memberships = new MembershipStore(c.resources);
    const error = await new ResourceStore(c.resources, memberships)
      .writeBatch(tenant, [
        { create: memberDoc(tenant, "g-full", "d1", now.toISOString()) },
        { create: memberDoc(tenant, "g-full", "d2", now.toISOString()) },
      ])
      .catch((e: Error) => e);
    expect((error as Error).name).toBe("PartitionFullError");
    expect((await memberships.membersOf(tenant, ["g-full"])).get("g-full")).toEqual([]);
  });
});
