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
  /** How long a client may take to send a request body (slow or stalled uploads get 408). */
  bodyTimeoutMs: number;
  /** Most resources returned in one page (ServiceProviderConfig filter.maxResults). */
  maxResults: number;
  /** How long a successful token check is cached in memory (revocation takes effect within this). */
  tokenCacheMs: number;
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
    bodyTimeoutMs: positiveInt(env, "SCIM_BODY_TIMEOUT_MS", 10_000, problems),
    maxResults: positiveInt(env, "SCIM_MAX_RESULTS", 200, problems),
    tokenCacheMs: positiveInt(env, "SCIM_TOKEN_CACHE_MS", 5000, problems),
  };
  if (config.tokenCacheMs > 5000) problems.push("SCIM_TOKEN_CACHE_MS must be at most 5000 (revocation must take effect within 5 seconds)");
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
