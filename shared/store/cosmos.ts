import {
  CosmosClient,
  type Container,
  type ContainerRequest,
  type CosmosClientOptions,
  type Database,
  type PluginConfig,
} from "@azure/cosmos";
import type { TokenCredential } from "@azure/identity";
import definitions from "./containers.json" with { type: "json" };
import { rememberBatchErrors } from "./errors.js";

/** Where the store is: an account endpoint, its database, and a key only for local stores. */
export interface StoreLocation {
  endpoint: string;
  database: string;
  key?: string;
}

/** The database the containers live in, unless configured otherwise (shared with infra/modules/cosmos.bicep). */
export const DEFAULT_DATABASE: string = definitions.database;

/** The containers the store uses, opened on one client. */
export interface CosmosContainers {
  client: CosmosClient;
  database: Database;
  tenants: Container;
  tokens: Container;
  resources: Container;
  /** The provisioning log, partitioned by tenant and month (see audit-log.ts). */
  auditLog: Container;
  /** Sign-in: pending logins, sessions, invites (partition key /id). */
  sessions: Container;
  /** OAuth clients of Entra provisioning, their access tokens and used assertion ids (partition key /id). */
  oauth: Container;
}

/** How the client is opened beyond its location: request plugins (the fault layer of tests/faults and the benchmark). */
export interface ClientOptions {
  plugins?: PluginConfig[];
  /** How requests reach the store (the local host hands them to its embedded store in-process); unset: HTTP. */
  httpClient?: CosmosClientOptions["httpClient"];
}

/** The container definitions shared with infra/modules/cosmos.bicep (shared/store/containers.json). */
const CONTAINER_DEFINITIONS: ContainerRequest[] = definitions.containers as ContainerRequest[];

/**
 * DefaultAzureCredential, loaded on its first token request: importing @azure/identity costs
 * cold start, and local stores (which use a key) never need it.
 */
function lazyDefaultCredential(): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import("@azure/identity").then((identity) => new identity.DefaultAzureCredential());
      return (await credential).getToken(scopes, options);
    },
  };
}

/**
 * Opens the Cosmos DB client: with an account key for the emulator or the embedded local store,
 * otherwise with DefaultAzureCredential (a managed identity in Azure, `az login` on a laptop).
 */
export function openCosmos(config: StoreLocation, options: ClientOptions = {}): CosmosContainers {
  const plainHttp = config.endpoint.toLowerCase().startsWith("http://");
  // `plugins` is a supported option the SDK's types hide (@hidden); it sees every network request.
  const withPlugins: CosmosClientOptions & { plugins: PluginConfig[] } = {
    endpoint: config.endpoint,
    ...(config.key ? { key: config.key } : { aadCredentials: lazyDefaultCredential() }),
    // The account runs with Strong consistency (infra/modules/cosmos.bicep; README "Consistency"):
    // every read sees every acknowledged write of every instance, so no decision rests on a lagging
    // replica. Saying so on each request makes an account at a weaker level fail loudly (400)
    // instead of silently serving stale reads.
    consistencyLevel: "Strong",
    connectionPolicy: {
      // The embedded store speaks plain HTTP but advertises https endpoints; discovery would follow them.
      enableEndpointDiscovery: !plainHttp,
      // One store call never takes the whole of Entra's 60 s, as the SDK's default (60 s) would.
      requestTimeout: 10_000,
      // Throttling: the SDK waits out 429s itself (point operations, queries, transactional
      // batches; store/memberships.ts does the same for bulk), each retry after the delay the
      // service asks for (x-ms-retry-after-ms). A SCIM request makes up to about ten store calls in
      // sequence and Entra allows 60 s per request, so each call may wait at most 3 s in all (up
      // to 9 retries): a throttled request still answers well inside 60 s, with 429 and Retry-After
      // when throttling outlasts that, which Entra retries. (It was 5 s: ten calls could take 50 s.)
      retryOptions: { maxRetryAttemptCount: 9, fixedRetryIntervalInMilliseconds: 0, maxWaitTimeInSeconds: 3 },
    },
    // `plugins` is a supported option the SDK's types hide (@hidden); each sees every network request.
    plugins: [rememberBatchErrors, ...(options.plugins ?? [])],
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
  };
  const client = new CosmosClient(withPlugins);
  const database = client.database(config.database);
  return {
    client,
    database,
    tenants: database.container("tenants"),
    tokens: database.container("tokens"),
    resources: database.container("resources"),
    sessions: database.container("sessions"),
    auditLog: database.container("auditLog"),
    oauth: database.container("oauth"),
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
