import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AddressInfo } from "node:net";
import { createHttpServer } from "@vercel/cosmosdb-server";
import { loadConfig } from "../../shared/config.js";
import { ensureContainers, openCosmos, type CosmosContainers } from "../../shared/store/cosmos.js";
import { faultLayer, type FaultLayer } from "../../local/faults.js";
import { MembershipStore } from "../../shared/store/memberships.js";
import { ResourceStore } from "../../shared/store/resources.js";

let server: ReturnType<typeof createHttpServer>;
let faults: FaultLayer;
let cosmos: CosmosContainers;
let store: ResourceStore;
const tenant = "t-bulk";

beforeAll(async () => {
  server = createHttpServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const config = loadConfig({ COSMOS_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, COSMOS_KEY: "a2V5" });
  faults = faultLayer({ rate: 0, seed: 7, retryAfterMs: 1 });
  cosmos = openCosmos(config.cosmos, { plugins: [faults.plugin] });
  await ensureContainers(cosmos.client, config.cosmos.database);
  store = new ResourceStore(cosmos.resources, new MembershipStore(cosmos.resources));
  for (let i = 0; i < 40; i++) await cosmos.resources.items.create({ id: `d${i}`, tenantId: tenant, kind: "User", resource: { userName: `d${i}` }, meta: {} });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe("bulk reads under faults", () => {
  it("returns each id's own document when single operations of a bulk request are throttled", async () => {
    faults.enabled = true;
    (faults as { rate?: number }).rate = undefined;
    const layer = faultLayer({ rate: 0.9, seed: 3, retryAfterMs: 1 });
    const c = openCosmos({ endpoint: (cosmos.client as any).clientContext.cosmosClientOptions.endpoint, database: "scim", key: "a2V5" }, { plugins: [layer.plugin] });
    const s = new ResourceStore(c.resources, new MembershipStore(c.resources));
    const ids = Array.from({ length: 40 }, (_, i) => `d${i}`).concat("missing");
    for (let round = 0; round < 5; round++) {
      try {
        const got = await s.readMany(tenant, ids);
        for (const [id, doc] of got) if (doc?.id !== (id === "missing" ? undefined : id)) console.log("MISMATCH", id, doc?.id, round);
        for (const [id, doc] of got) expect({ id, doc: doc?.id }).toEqual({ id, doc: id === "missing" ? undefined : id });
      } catch (error) {
        expect(["ThrottledError", "UnavailableError"]).toContain((error as Error).name);
      }
    }
    expect(layer.stats.injected.throttledOps).toBeGreaterThan(0);
  });
});
