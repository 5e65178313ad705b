import type { AddressInfo } from "node:net";
import { createEmbeddedStore } from "../../local/host/embedded-store.js";
import { loadConfig, type Config } from "../../shared/config.js";
import { ensureContainers, openCosmos, type CosmosContainers } from "../../shared/store/cosmos.js";

/** An embedded Cosmos-compatible store on a free port, with the product's containers created. */
export interface EmbeddedStore {
  config: Config;
  cosmos: CosmosContainers;
  close(): Promise<void>;
}

export async function startEmbeddedStore(): Promise<EmbeddedStore> {
  const server = createEmbeddedStore();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const config = loadConfig({
    COSMOS_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    COSMOS_KEY: "a2V5",
  });
  const cosmos = openCosmos(config.cosmos);
  await ensureContainers(cosmos.client, config.cosmos.database);
  return {
    config,
    cosmos,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
