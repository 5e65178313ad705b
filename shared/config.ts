/** The database name of shared/store/containers.json (a test keeps the two equal). */
export const DEFAULT_DATABASE = "scim";

/** Every setting the product reads. `loadConfig` is the only reader of process.env. */
export interface Config {
  cosmos: {
    /** Account endpoint, e.g. https://acct.documents.azure.com:443/ (or the local embedded store). */
    endpoint: string;
    database: string;
    /** Account key: only for the Cosmos emulator and the embedded local store. Azure uses Entra ID. */
    key?: string;
  };
  /** Largest request body accepted, in bytes; larger bodies get 413. */
  maxBodyBytes: number;
  /** Most resources returned in one page (ServiceProviderConfig filter.maxResults). */
  maxResults: number;
  /** How long a successful token check is cached in memory (revocation takes effect within this). */
  tokenCacheMs: number;
  /** Background jobs: work that grows with a group's size, run off the request path through a Storage queue. */
  jobs: JobsConfig;
}

/** The name of the Storage queue of job steps (infra/modules/storage.bicep creates it and its poison queue). */
export const JOBS_QUEUE = "scim-jobs";
/** Where the Functions host moves a message after maxDequeueCount failed deliveries. */
export const JOBS_POISON_QUEUE = `${JOBS_QUEUE}-poison`;
/** host.json `extensions.queues.maxDequeueCount` (a test keeps the two equal): the worker marks a job failed on the last delivery. */
export const JOBS_MAX_DEQUEUE_COUNT = 5;
/** The app setting prefix of the queue's connection (the queue trigger's `connection`). */
export const JOBS_CONNECTION = "JobsQueue";

export interface JobsConfig {
  /**
   * Where the queue is: in Azure `JobsQueue__queueServiceUri` (with the managed identity of
   * `JobsQueue__clientId`), locally a connection string in `JobsQueue` (Azurite). Unset: no
   * background jobs can be started (work above the inline limit answers 503).
   */
  queue?: { serviceUri: string; clientId?: string } | { connectionString: string };
  /** Members one job step processes. */
  stepSize: number;
  /** Groups with at most this many members are still handled inside the request. */
  inlineMembers: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

function positiveInt(env: Record<string, string | undefined>, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    problems.push(`${name} must be a positive whole number (got "${raw}")`);
    return fallback;
  }
  return n;
}

function jobsQueue(env: Record<string, string | undefined>, problems: string[]): JobsConfig["queue"] {
  const uri = env[`${JOBS_CONNECTION}__queueServiceUri`]?.trim();
  const connectionString = env[JOBS_CONNECTION]?.trim();
  if (uri) {
    if (!/^https?:\/\/[^\s/]+/i.test(uri)) problems.push(`${JOBS_CONNECTION}__queueServiceUri must be an http(s) URL (got "${uri}")`);
    return { serviceUri: uri, clientId: env[`${JOBS_CONNECTION}__clientId`]?.trim() || undefined };
  }
  if (connectionString) {
    if (!/QueueEndpoint=|UseDevelopmentStorage=true/i.test(connectionString)) problems.push(`${JOBS_CONNECTION} must be a connection string with a QueueEndpoint (local emulator only)`);
    return { connectionString };
  }
  return undefined;
}

/** Validates every setting once, and fails with the full list of what is wrong. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const endpoint = env.COSMOS_ENDPOINT?.trim();
  if (!endpoint) {
    problems.push("COSMOS_ENDPOINT is not set (the Cosmos DB account endpoint; `npm start` sets it for the embedded local store)");
  } else if (!/^https?:\/\/[^\s/]+/i.test(endpoint)) {
    problems.push(`COSMOS_ENDPOINT must be an http(s) URL (got "${endpoint}")`);
  }
  const config: Config = {
    cosmos: {
      endpoint: endpoint ?? "",
      database: env.COSMOS_DATABASE?.trim() || DEFAULT_DATABASE,
      key: env.COSMOS_KEY?.trim() || undefined,
    },
    maxBodyBytes: positiveInt(env, "SCIM_MAX_BODY_BYTES", 1024 * 1024, problems),
    maxResults: positiveInt(env, "SCIM_MAX_RESULTS", 200, problems),
    tokenCacheMs: positiveInt(env, "SCIM_TOKEN_CACHE_MS", 5000, problems),
    jobs: {
      queue: jobsQueue(env, problems),
      stepSize: positiveInt(env, "JOBS_STEP_SIZE", 200, problems),
      inlineMembers: positiveInt(env, "JOBS_INLINE_MEMBERS", 100, problems),
    },
  };
  if (config.jobs.stepSize > 1000) problems.push("JOBS_STEP_SIZE must be at most 1000 (a step must finish well within the queue's visibility timeout)");
  if (config.jobs.inlineMembers > 1000) problems.push("JOBS_INLINE_MEMBERS must be at most 1000 (work inside a request must stay well within Entra's 60 s)");
  if (config.tokenCacheMs > 5000) problems.push("SCIM_TOKEN_CACHE_MS must be at most 5000 (revocation must take effect within 5 seconds)");
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
