import { CosmosClient, type Container, type ContainerRequest, type Database } from "@azure/cosmos";
import type { TokenCredential } from "@azure/identity";
import definitions from "./containers.json" with { type: "json" };
import type { Config } from "../config.js";

export type ContainerName = "tenants" | "tokens" | "resources";

/** The containers the store uses, opened on one client. */
export interface CosmosContainers {
  client: CosmosClient;
  database: Database;
  tenants: Container;
  tokens: Container;
  resources: Container;
}

/** The container definitions shared with infra/modules/cosmos.bicep (shared/store/containers.json). */
export const CONTAINER_DEFINITIONS: ContainerRequest[] = definitions.containers as ContainerRequest[];

/**
 * Opens the Cosmos DB client: with an account key for the emulator or the embedded local store,
 * otherwise with DefaultAzureCredential (a managed identity in Azure, `az login` on a laptop).
 */
export function openCosmos(config: Config["cosmos"]): CosmosContainers {
  const plainHttp = config.endpoint.toLowerCase().startsWith("http://");
  const client = new CosmosClient({
    endpoint: config.endpoint,
    ...(config.key ? { key: config.key } : { aadCredentials: lazyDefaultAzureCredential() }),
    // The embedded store speaks plain HTTP but advertises https endpoints; discovery would follow them.
    connectionPolicy: { enableEndpointDiscovery: !plainHttp },
  });
  const database = client.database(config.database);
  return {
    client,
    database,
    tenants: database.container("tenants"),
    tokens: database.container("tokens"),
    resources: database.container("resources"),
  };
}

/** DefaultAzureCredential, with @azure/identity loaded on the first token request (it is slow to import). */
function lazyDefaultAzureCredential(): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    getToken: async (scopes, options) => {
      credential ??= import("@azure/identity").then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
      return (await credential).getToken(scopes, options);
    },
  };
}

/**
 * Creates the database and containers if they do not exist (local store, emulator, first runs).
 * In Azure the Bicep deployment creates them and the app's identity has no control-plane rights.
 */
export async function ensureContainers(client: CosmosClient, databaseId: string): Promise<void> {
  const { database } = await client.databases.createIfNotExists({ id: databaseId });
  for (const definition of CONTAINER_DEFINITIONS) {
    await database.containers.createIfNotExists(definition);
  }
}
