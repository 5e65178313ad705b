/** The database name of shared/store/containers.json (a test keeps the two equal). */
const DEFAULT_DATABASE = "scim";

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
  /**
   * PUBLIC_BASE_URL: the service's public origin, e.g. https://contoso-scim.azurewebsites.net (no path).
   * The redirect URI, cookie rules and Origin check of sign-in, SCIM `meta.location` and the Tenant
   * URL new tokens are bound to. Unset: taken from each request's URL (local development, tests).
   */
  publicBaseUrl?: string;
  /** Sign-in with Entra ID for the admin portal; undefined when ENTRA_CLIENT_ID is not set (sign-in answers 503). */
  signIn?: SignInSettings;
  /** SESSION_IDLE_MINUTES (default 480) and SESSION_ABSOLUTE_HOURS (default 12). */
  sessions: { idleMinutes: number; absoluteHours: number };
  /** PORTAL_DIR: the built portal served at /portal (default: dist/portal of the app's package). */
  portalDir?: string;
  /** Background jobs: work that grows with a group's size, run off the request path through a Storage queue. */
  jobs: JobsConfig;
  /**
   * TRUSTED_PROXY_HOPS (default 1): how many proxies in front of the app append to X-Forwarded-For
   * (App Service's front end is one). The client address is that many entries from the right;
   * entries further left are whatever the client sent and are never trusted. 0: the header is ignored.
   */
  trustedProxyHops: number;
  /** The OAuth 2.0 token endpoint Entra uses (client credentials, workload identity federation). */
  oauth: OAuthConfig;
  /**
   * Event delivery overrides; unset (production): https subscriber URLs only, 10 s per attempt.
   * EVENTS_ALLOW_LOCAL_URLS=1 (the local host sets it; refused without a local store's COSMOS_KEY)
   * also accepts http://localhost and http://127.0.0.1; EVENTS_DELIVERY_TIMEOUT_MS shortens the
   * attempt timeout (tests).
   */
  events?: { allowLocalUrls: boolean; timeoutMs: number };
}

interface OAuthConfig {
  /**
   * OAUTH_DEV_ISSUER: the local development identity provider, trusted as an issuer of
   * federated client assertions. Only an http://127.0.0.1 or http://localhost URL is accepted:
   * the local host sets it for the provider it runs; production trusts Entra's issuers only.
   */
  devIssuer?: string;
}

/** The name of the Storage queue of job steps (infra/modules/storage.bicep creates it and its poison queue). */
export const JOBS_QUEUE = "scim-jobs";
/** Where the Functions host moves a message after maxDequeueCount failed deliveries. */
export const JOBS_POISON_QUEUE = `${JOBS_QUEUE}-poison`;
/** host.json `extensions.queues.maxDequeueCount` (a test keeps the two equal): the worker marks a job failed on the last delivery. */
export const JOBS_MAX_DEQUEUE_COUNT = 5;
/** The app setting prefix of the queue's connection (the queue trigger's `connection`). */
export const JOBS_CONNECTION = "JobsQueue";
/** The Storage queue that wakes the event dispatcher and delivery worker (same account and connection as the jobs). */
export const EVENTS_QUEUE = "scim-events";
/** How long one delivery attempt may take before it counts as failed (the subscriber is not waited for longer). */
export const EVENTS_DELIVERY_TIMEOUT_MS = 10_000;

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

function jobsQueue(env: Record<string, string | undefined>, problems: string[]): JobsConfig["queue"] {
  const uri = env[`${JOBS_CONNECTION}__queueServiceUri`]?.trim();
  const connectionString = env[JOBS_CONNECTION]?.trim();
  if (uri) {
    if (!/^https?:\/\/[^\s/]+/i.test(uri))
      problems.push(`${JOBS_CONNECTION}__queueServiceUri must be an http(s) URL (got "${uri}")`);
    return { serviceUri: uri, clientId: env[`${JOBS_CONNECTION}__clientId`]?.trim() || undefined };
  }
  if (connectionString) {
    if (!/QueueEndpoint=|UseDevelopmentStorage=true/i.test(connectionString))
      problems.push(`${JOBS_CONNECTION} must be a connection string with a QueueEndpoint (local emulator only)`);
    return { connectionString };
  }
  return undefined;
}

/** EVENTS_ALLOW_LOCAL_URLS and EVENTS_DELIVERY_TIMEOUT_MS; undefined when neither is set (the production rules). */
function eventsOf(env: Record<string, string | undefined>, problems: string[]): Config["events"] {
  const local = env.EVENTS_ALLOW_LOCAL_URLS?.trim();
  const timeout = env.EVENTS_DELIVERY_TIMEOUT_MS?.trim();
  if (!local && !timeout) return undefined;
  if (local && !["0", "1"].includes(local)) problems.push(`EVENTS_ALLOW_LOCAL_URLS must be 0 or 1 (got "${local}")`);
  // Plain-http loopback subscribers only beside a local store: an Azure app never has a Cosmos key.
  if (local === "1" && !env.COSMOS_KEY?.trim())
    problems.push("EVENTS_ALLOW_LOCAL_URLS=1 is for the local host only (it needs the local store's COSMOS_KEY)");
  const timeoutMs = positiveInt(env, "EVENTS_DELIVERY_TIMEOUT_MS", EVENTS_DELIVERY_TIMEOUT_MS, problems);
  if (timeoutMs > 30_000)
    problems.push("EVENTS_DELIVERY_TIMEOUT_MS must be at most 30000 (a subscriber is not waited for)");
  return { allowLocalUrls: local === "1", timeoutMs: Math.min(timeoutMs, 30_000) };
}

/** The app registration sign-in uses, and how it proves itself at the token endpoint. */
interface SignInSettings {
  /** ENTRA_CLIENT_ID: the application (client) id of the app registration. */
  clientId: string;
  /** ENTRA_AUTHORITY: default https://login.microsoftonline.com/organizations/v2.0 (any work account). */
  authority: string;
  /**
   * `federated`: ENTRA_FEDERATED_CREDENTIAL=true, a token of the app's managed identity (AZURE_CLIENT_ID)
   * is the client assertion. `secret`: ENTRA_CLIENT_SECRET (a Key Vault reference in Azure).
   */
  clientAuth:
    { kind: "federated"; managedIdentityClientId?: string } | { kind: "secret"; secret: string } | { kind: "none" };
}

export const ENTRA_ORGANIZATIONS = "https://login.microsoftonline.com/organizations/v2.0";

function publicBaseUrlOf(raw: string | undefined, problems: string[]): string | undefined {
  const value = raw?.trim().replace(/\/+$/, "");
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`PUBLIC_BASE_URL must be a URL such as https://contoso-scim.azurewebsites.net (got "${raw}")`);
    return undefined;
  }
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
    problems.push(`PUBLIC_BASE_URL must be https (plain http only for localhost), got "${raw}"`);
    return undefined;
  }
  if (url.pathname !== "/" || url.search || url.hash) {
    problems.push(`PUBLIC_BASE_URL is an origin without a path, e.g. ${url.origin} (got "${raw}")`);
    return undefined;
  }
  return url.origin;
}

function signInOf(env: Record<string, string | undefined>, problems: string[]): SignInSettings | undefined {
  const clientId = env.ENTRA_CLIENT_ID?.trim();
  const secret = env.ENTRA_CLIENT_SECRET?.trim();
  const federatedRaw = env.ENTRA_FEDERATED_CREDENTIAL?.trim().toLowerCase();
  const federated = federatedRaw === "true";
  if (federatedRaw && !["true", "false"].includes(federatedRaw))
    problems.push(`ENTRA_FEDERATED_CREDENTIAL must be true or false (got "${env.ENTRA_FEDERATED_CREDENTIAL}")`);
  const authority = (env.ENTRA_AUTHORITY?.trim() || ENTRA_ORGANIZATIONS).replace(/\/+$/, "");
  if (!/^https?:\/\/[^\s/]+/i.test(authority))
    problems.push(
      `ENTRA_AUTHORITY must be an http(s) URL such as ${ENTRA_ORGANIZATIONS} (got "${env.ENTRA_AUTHORITY}")`,
    );
  if (!clientId) {
    if (secret || federated || env.ENTRA_AUTHORITY)
      problems.push(
        "ENTRA_CLIENT_ID is not set, but other ENTRA_* settings are (set the app registration's Application (client) ID)",
      );
    return undefined;
  }
  if (secret && federated) problems.push("set either ENTRA_CLIENT_SECRET or ENTRA_FEDERATED_CREDENTIAL=true, not both");
  const isEntra = /^https:\/\/login\.microsoftonline\.com\//i.test(authority);
  if (isEntra && !secret && !federated)
    problems.push(
      "ENTRA_CLIENT_ID is set but the app has no credential: set ENTRA_FEDERATED_CREDENTIAL=true (managed identity as federated credential) or ENTRA_CLIENT_SECRET",
    );
  if (isEntra && !env.PUBLIC_BASE_URL?.trim())
    problems.push("PUBLIC_BASE_URL is not set; sign-in needs it for the redirect URI (https://<host>/auth/callback)");
  const managedIdentityClientId = env.AZURE_CLIENT_ID?.trim() || undefined;
  return {
    clientId,
    authority,
    clientAuth: federated
      ? { kind: "federated", ...(managedIdentityClientId ? { managedIdentityClientId } : {}) }
      : secret
        ? { kind: "secret", secret }
        : { kind: "none" },
  };
}

function positiveInt(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  problems: string[],
): number {
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
    problems.push(
      "COSMOS_ENDPOINT is not set (the Cosmos DB account endpoint; `npm start` sets it for the embedded local store)",
    );
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
    sessions: {
      idleMinutes: positiveInt(env, "SESSION_IDLE_MINUTES", 480, problems),
      absoluteHours: positiveInt(env, "SESSION_ABSOLUTE_HOURS", 12, problems),
    },
    jobs: {
      queue: jobsQueue(env, problems),
      stepSize: positiveInt(env, "JOBS_STEP_SIZE", 200, problems),
      inlineMembers: positiveInt(env, "JOBS_INLINE_MEMBERS", 100, problems),
    },
    trustedProxyHops: /^\d+$/.test(env.TRUSTED_PROXY_HOPS?.trim() ?? "")
      ? Math.min(5, Number(env.TRUSTED_PROXY_HOPS!.trim()))
      : 1,
    oauth: {},
  };
  if (config.jobs.stepSize > 1000)
    problems.push(
      "JOBS_STEP_SIZE must be at most 1000 (a step must finish well within the queue's visibility timeout)",
    );
  if (config.jobs.inlineMembers > 1000)
    problems.push(
      "JOBS_INLINE_MEMBERS must be at most 1000 (work inside a request must stay well within Entra's 60 s)",
    );
  const hops = env.TRUSTED_PROXY_HOPS?.trim();
  if (hops !== undefined && hops !== "" && !(/^\d+$/.test(hops) && Number(hops) <= 5))
    problems.push(`TRUSTED_PROXY_HOPS must be a whole number from 0 to 5 (got "${env.TRUSTED_PROXY_HOPS}")`);
  const devIssuer = env.OAUTH_DEV_ISSUER?.trim().replace(/\/+$/, "");
  if (devIssuer && !/^http:\/\/(127\.0\.0\.1|localhost)(:\d{1,5})?$/i.test(devIssuer))
    problems.push(
      `OAUTH_DEV_ISSUER must be the local development provider, http://127.0.0.1:<port> (got "${env.OAUTH_DEV_ISSUER}"); production trusts Entra's issuers only`,
    );
  if (env.PORTAL_DIR?.trim()) config.portalDir = env.PORTAL_DIR.trim();
  const events = eventsOf(env, problems);
  if (events) config.events = events;
  if (devIssuer && /^http:\/\/(127\.0\.0\.1|localhost)(:\d{1,5})?$/i.test(devIssuer))
    config.oauth.devIssuer = devIssuer;
  const publicBaseUrl = publicBaseUrlOf(env.PUBLIC_BASE_URL, problems);
  if (publicBaseUrl) config.publicBaseUrl = publicBaseUrl;
  const signIn = signInOf(env, problems);
  if (signIn) config.signIn = signIn;
  if (config.sessions.absoluteHours * 60 < config.sessions.idleMinutes)
    problems.push("SESSION_IDLE_MINUTES must not exceed SESSION_ABSOLUTE_HOURS (in minutes)");
  if (config.sessions.absoluteHours > 24 * 7)
    problems.push("SESSION_ABSOLUTE_HOURS must be at most 168 (a week): Entra must be consulted again regularly");
  if (config.tokenCacheMs > 5000)
    problems.push("SCIM_TOKEN_CACHE_MS must be at most 5000 (revocation must take effect within 5 seconds)");
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
