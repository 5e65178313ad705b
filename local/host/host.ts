import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { randomUUID } from "node:crypto";
import azureFunctions from "@azure/functions";
import type { HttpResponseInit } from "@azure/functions";
import { createEmbeddedStore, embeddedDocuments, inProcessClient } from "./embedded-store.js";
import type { PluginConfig } from "@azure/cosmos";
import { loadConfig } from "../../shared/config.js";
import { ensureContainers, openCosmos } from "../../shared/store/cosmos.js";
import { createServices, useServices } from "../../shared/services.js";
import { ADMIN_CLI, type Services } from "../../shared/operations/context.js";
import { authenticate, createToken } from "../../shared/operations/tokens.js";
import { ScimError } from "../../shared/scim/errors.js";
import { hasAdminWhoCanSignIn } from "../../shared/operations/admins.js";
import { SCIM_PREFIX } from "../../shared/http/paths.js";
import { DEFAULT_LOCAL_STORE_PORT, LOCAL_STORE_KEY } from "./local-store.js";
import { openStoreFile } from "./store-file.js";
import type { DevOidc } from "./dev-oidc.js";
// Background jobs (queue emulator and queue triggers): see local/host/queue-host.ts.
import { startLocalJobs, type QueueSettings } from "./queue-host.js";
// Timer triggers on their NCRONTAB schedules: see local/host/timer-host.ts.
import { runTimers, type TimerClock, type TimerRunner } from "./timer-host.js";

/**
 * The local host: serves the very same function registrations as the Azure Functions host, over
 * HTTP, at http://localhost:7071/scim/v2 (the port and routes `func start` uses). Without
 * COSMOS_ENDPOINT it runs the embedded Cosmos-compatible store (@vercel/cosmosdb-server)
 * in-process on LOCAL_STORE_PORT, where the admin CLI reaches it too; `npm start` keeps its data
 * in .data/local-store.json and the journals beside it (see store-file.ts) unless started with
 * --fresh or LOCAL_STORE_FRESH=1.
 */

export { DEFAULT_LOCAL_STORE_PORT, LOCAL_STORE_KEY } from "./local-store.js";

export interface HostOptions {
  env?: Record<string, string | undefined>;
  /** HTTP port of the SCIM host; 0 picks a free one. Default: PORT or 7071. */
  port?: number;
  /** Port of the embedded store; 0 picks a free one. Default: LOCAL_STORE_PORT or 7081. */
  storePort?: number;
  /** Clock for the services (tests freeze it). */
  now?: () => Date;
  log?: (line: string) => void;
  /** Where the embedded store's data is kept across restarts; unset: in memory only (tests, bench). */
  dataFile?: string;
  /** Port of the development OpenID provider; 0 picks a free one. Default: OIDC_PORT or 7072 (0 when `port` is 0). */
  oidcPort?: number;
  /** Request plugins for the services' store client (the fault layer of tests/faults and the benchmark). */
  storePlugins?: PluginConfig[];
  /** Port of the local queue emulator (Azurite); 0 picks a free one. Default: LOCAL_QUEUE_PORT or 7082. */
  queuePort?: number;
  /** Print every route on start (npm start -- --routes, or LOG_ROUTES=1). */
  routes?: boolean;
  /** Overrides of host.json's queue settings for the local queue triggers (tests shorten visibilityTimeout). */
  queueSettings?: Partial<QueueSettings>;
  /**
   * Run the timer functions on their schedules. Default: LOCAL_TIMERS=1 turns them on; `npm start`
   * runs them unless LOCAL_TIMERS=0 (tests and benchmarks leave them off).
   */
  timers?: boolean;
  /** The clock the timers wait on (tests pass one they advance by hand). */
  timerClock?: TimerClock;
}

export interface RunningHost {
  /** e.g. http://localhost:7071 */
  url: string;
  /** e.g. http://localhost:7071/scim/v2 */
  tenantUrl: string;
  /** The default tenant and its token, when the host created them (embedded store, first start). */
  defaultTenant?: { id: string; token: string };
  services: Services;
  /** The embedded store's endpoint, when it runs one. */
  storeEndpoint?: string;
  /** Requests the embedded store has served so far (store round trips), for the benchmark. */
  storeRequests(): number;
  /** The development OpenID provider, when the host runs one (ENTRA_CLIENT_ID not set). */
  devOidc?: DevOidc;
  /** The queue of background jobs, and a promise that resolves once it is drained (tests, the benchmark). */
  jobs: { connectionString?: string; idle(): Promise<void>; pause(): Promise<void>; resume(): void };
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

function findUp(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, name))) return join(dir, name);
    if (dirname(dir) === dir) throw new Error(`${name} not found above ${from}`);
  }
}

const here = dirname(fileURLToPath(import.meta.url));

type Registry = typeof import("../../shared/functions/registry.js");
type Routes = typeof import("../../shared/http/routes.js");

let loaded: Promise<{ registry: Registry; routes: Routes }> | undefined;

/**
 * Does what the Functions host does with package.json "main" (the entry point local/build/build.mjs
 * writes): imports every function file (each registers itself), then calls `setupApp()` once.
 * Without the package's test-mode warnings and its "HTTP streaming enabled." debug line.
 */
function loadFunctions(): Promise<{ registry: Registry; routes: Routes }> {
  loaded ??= importFunctions();
  return loaded;
}

async function importFunctions(): Promise<{ registry: Registry; routes: Routes }> {
  const dir = join(here, "..", "..", "functions");
  const ext = extname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith(ext) && !f.endsWith(".d.ts"));
  const { warn, debug } = console;
  console.warn = (...args: unknown[]) => {
    if (
      !String(args[0]).includes("@azure/functions") &&
      !String(args[0]).includes("Skipping call to register function")
    )
      warn(...args);
  };
  console.debug = (...args: unknown[]) => {
    if (String(args[0]) !== "HTTP streaming enabled.") debug(...args);
  };
  try {
    const registry = await import("../../shared/functions/registry.js");
    for (const file of files.sort()) await import(pathToFileURL(join(dir, file)).href);
    registry.setupApp();
    return { registry, routes: await import("../../shared/http/routes.js") };
  } finally {
    console.warn = warn;
    console.debug = debug;
  }
}

/** Runs `start` with the development provider's start-up warnings (an in-memory adapter, development keys) left out: the host says it is a development provider. */
async function withoutOidcWarnings<T>(start: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith("oidc-provider WARNING: a quick start development-only")) warn(...args);
  };
  try {
    return await start();
  } finally {
    console.warn = warn;
  }
}

/**
 * The request target as the Functions front end would route it, or why it cannot be routed:
 * segments are percent-decoded; `.` and `..` segments (raw or encoded) are refused rather than
 * resolved, so `/scim/v2/Users/x/..` never reaches the Users collection.
 */
function parseTarget(raw: string): { path: string; search: string; parts: string[] } | { problem: string } {
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  const search = q < 0 ? "" : raw.slice(q);
  if (!path.startsWith("/")) return { problem: "The request target must be an absolute path." };
  const parts: string[] = [];
  for (const segment of path.split("/").filter(Boolean)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { problem: `The path segment "${segment.slice(0, 100)}" is not valid percent-encoding.` };
    }
    if (decoded === "." || decoded === "..")
      return { problem: 'The path contains a "." or ".." segment; send the resource\'s own path.' };
    parts.push(decoded);
  }
  return { path, search, parts };
}

function scimProblem(status: number, detail: string): HttpResponseInit {
  return {
    status,
    headers: { "Content-Type": "application/scim+json; charset=utf-8" },
    body: JSON.stringify({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: String(status),
      ...(status === 400 ? { scimType: "invalidSyntax" } : {}),
      detail,
    }),
  };
}

/** `cookies` of a response as the Functions host writes them (one Set-Cookie header each). */
function setCookieLines(response: HttpResponseInit): string[] {
  return (response.cookies ?? []).map((c) =>
    [
      `${c.name}=${c.value}`,
      ...(c.path ? [`Path=${c.path}`] : []),
      ...(c.domain ? [`Domain=${c.domain}`] : []),
      ...(c.maxAge !== undefined ? [`Max-Age=${c.maxAge}`] : []),
      ...(c.httpOnly ? ["HttpOnly"] : []),
      ...(c.secure ? ["Secure"] : []),
      ...(c.sameSite ? [`SameSite=${c.sameSite}`] : []),
    ].join("; "),
  );
}

/**
 * Writes the response. A request whose body the function did not read (a 401 before the body, a
 * 413 from Content-Length) gets `Connection: close`, and its connection is closed once the answer
 * is out, so the rest of a large or stalled upload is never read.
 */
function send(res: ServerResponse, response: HttpResponseInit, req?: IncomingMessage): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries((response.headers as Record<string, string>) ?? {})) headers[k] = v;
  const cookies = setCookieLines(response);
  if (cookies.length > 0) headers["Set-Cookie"] = cookies;
  const raw = response.body;
  const body = raw === undefined || raw === null ? undefined : raw instanceof Uint8Array ? raw : String(raw);
  const unread =
    req !== undefined &&
    !req.readableEnded &&
    (req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined);
  if (unread) headers.Connection = "close";
  if (body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(body));
  res.writeHead(response.status ?? 200, headers);
  res.end(body, () => {
    if (unread) req.destroy();
  });
}

/** Whether `secret` is an active token of the tenant (a store failure is thrown, never read as "no"). */
async function activeTokenOf(services: Services, tenantId: string, secret: string, now: Date): Promise<boolean> {
  try {
    return (await authenticate(services, secret, now)).tenantId === tenantId;
  } catch (error) {
    if (error instanceof ScimError && error.status === 401) return false;
    throw error;
  }
}

/**
 * The token the host prints: SCIM_DEV_TOKEN when set (created once, reused after a restart);
 * else the token named "local" whose secret the host keeps in `tokenFile` beside the data (the
 * store keeps only hashes), reused while it is active; else a new one, written there. Without a
 * data file (in memory) a new one on every start.
 */
async function localToken(
  services: Services,
  tenantId: string,
  devToken: string | undefined,
  now: Date,
  tokenFile?: string,
): Promise<string> {
  if (devToken && (await activeTokenOf(services, tenantId, devToken, now))) return devToken;
  const kept = !devToken && tokenFile && existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : "";
  if (kept && (await activeTokenOf(services, tenantId, kept, now))) return kept;
  try {
    const secret = (
      await createToken({ tenantId, actor: ADMIN_CLI, now, services, baseUrl: "" }, { name: "local", secret: devToken })
    ).secret;
    if (!devToken && tokenFile) {
      mkdirSync(dirname(tokenFile), { recursive: true });
      writeFileSync(tokenFile, `${secret}\n`, { mode: 0o600 });
    }
    return secret;
  } catch (error) {
    if (devToken)
      throw new Error(
        `SCIM_DEV_TOKEN is a token the local store already holds, revoked, expired or of another tenant: choose another, or start with --fresh (${(error as Error).message})`,
      );
    throw error;
  }
}

export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(line));
  let store: Server | undefined;
  let storeRequests = 0;
  let storeEndpoint: string | undefined;
  let settings = { ...env };
  if (!env.COSMOS_ENDPOINT) {
    store = createEmbeddedStore();
    store.on("request", () => storeRequests++);
    const port = await listen(
      store,
      options.storePort ?? Number(env.LOCAL_STORE_PORT || DEFAULT_LOCAL_STORE_PORT),
      "127.0.0.1",
    );
    storeEndpoint = `http://127.0.0.1:${port}`;
    // Event subscribers on this laptop (http://localhost, http://127.0.0.1) are accepted beside the local store.
    settings = {
      ...settings,
      COSMOS_ENDPOINT: storeEndpoint,
      COSMOS_KEY: LOCAL_STORE_KEY,
      EVENTS_ALLOW_LOCAL_URLS: env.EVENTS_ALLOW_LOCAL_URLS ?? "1",
    };
  }
  // The server listens first: sign-in needs its URL (the redirect URI). Requests wait until it is ready.
  let prefix = "";
  let markReady!: (routes: Routes) => void;
  const ready = new Promise<Routes>((r) => (markReady = r));

  const server = createServer(async (req, res) => {
    const routes = await ready;
    try {
      const target = parseTarget(req.url ?? "/");
      if ("problem" in target) {
        send(res, scimProblem(400, target.problem), req);
        return;
      }
      const host = req.headers.host ?? "localhost";
      if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) {
        send(
          res,
          scimProblem(400, "The Host header is malformed; send the host name (and port) of this service."),
          req,
        );
        return;
      }
      const url = new URL(target.path + target.search, `http://${host}`);
      const prefixParts = prefix.split("/").filter(Boolean);
      const underPrefix = prefixParts.every((p, i) => target.parts[i]?.toLowerCase() === p.toLowerCase());
      const rest = target.parts.slice(prefixParts.length);
      const method = (req.method ?? "GET").toUpperCase();
      const found = underPrefix ? routes.findRoute(method, rest) : undefined;
      if (!found) {
        send(
          res,
          {
            status: 404,
            headers: { "Content-Type": "text/plain" },
            body: `Not found: ${url.pathname} (SCIM endpoints are under /${SCIM_PREFIX})`,
          },
          req,
        );
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
      // The body streams to the function (as with HTTP streaming in Azure): it reads what it needs, within its limits.
      const hasBody = method !== "GET" && method !== "HEAD";
      const nativeRequest = new Request(url.href, {
        method,
        headers,
        ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: "half" } : {}),
      } as RequestInit);
      const request = new azureFunctions.HttpRequest({
        method,
        url: url.href,
        headers,
        params: found.params,
        nativeRequest,
      } as never);
      const context = new azureFunctions.InvocationContext({
        invocationId: randomUUID(),
        functionName: found.registration.name,
        logHandler: (level, ...args) =>
          (level === "error" ? console.error : console.log)(`[${found.registration.name}]`, ...args),
      });
      send(res, (await found.registration.handler(request, context)) as HttpResponseInit, req);
    } catch (error) {
      console.error("local host error:", error);
      send(res, { status: 500, headers: { "Content-Type": "text/plain" }, body: "local host error" }, req);
    }
  });
  const port = await listen(server, options.port ?? Number(env.PORT || 7071), env.HOST || "127.0.0.1");
  const url = `http://localhost:${port}`;
  const tenantUrl = `${url}/${SCIM_PREFIX}`;

  // Sign-in: with ENTRA_CLIENT_ID set the same code talks to Entra; otherwise to the development
  // OpenID provider (local/host/dev-oidc.ts), configured here as if it were Entra. It must know the
  // redirect URI, hence after listen. PUBLIC_BASE_URL stays as given: unset, each request's own
  // origin is the base.
  let devOidc: DevOidc | undefined;
  if (!settings.ENTRA_CLIENT_ID) {
    const oidcPort = options.oidcPort ?? (env.OIDC_PORT ? Number(env.OIDC_PORT) : options.port === 0 ? 0 : 7072);
    // Imported here: a host started with ENTRA_CLIENT_ID (or a test or bench that imports this module) loads no OpenID provider.
    const { startDevOidc } = await import("./dev-oidc.js");
    devOidc = await withoutOidcWarnings(() => startDevOidc({ port: oidcPort, redirectUris: [`${url}/auth/callback`] }));
    settings = {
      ...settings,
      ENTRA_CLIENT_ID: devOidc.clientId,
      ENTRA_CLIENT_SECRET: devOidc.clientSecret,
      ENTRA_AUTHORITY: devOidc.issuer,
      ENTRA_FEDERATED_CREDENTIAL: undefined,
      // Workload identity federation on a laptop: the provider this host runs mints the assertions.
      OAUTH_DEV_ISSUER: devOidc.issuer,
    };
  }

  // --- background jobs: the queue emulator (before the configuration, which names the queue) ---
  const jobs = await startLocalJobs(settings, options.queuePort ?? (options.storePort === 0 ? 0 : undefined));
  settings = { ...settings, ...jobs.env };
  // --- end background jobs ---
  const config = loadConfig(settings);
  const cosmos = openCosmos(config.cosmos);
  await ensureContainers(cosmos.client, config.cosmos.database);
  const dataFile = store ? options.dataFile : undefined;
  // The snapshot and journal of store-file.ts: every document write is appended as it happens.
  const storeFile = dataFile
    ? await openStoreFile(embeddedDocuments(store!), dataFile, { database: config.cosmos.database, log })
    : undefined;
  const restored = storeFile?.restored ?? 0;
  // The services reach the embedded store in-process (LOCAL_STORE_TRANSPORT=http: over its port, as the admin CLI does).
  const inProcess = store && env.LOCAL_STORE_TRANSPORT !== "http" ? { httpClient: inProcessClient(store) } : {};
  const services = createServices(config, options.now, { plugins: options.storePlugins, ...inProcess });
  useServices(services);
  const { registry, routes } = await loadFunctions();
  const hostJson = JSON.parse(readFileSync(findUp("host.json", here), "utf8"));
  prefix = (hostJson.extensions?.http?.routePrefix ?? "api") as string;
  markReady(routes);
  // --- background jobs: run the queue-triggered functions against the queue ---
  jobs.run(registry.registrations("queue"), hostJson, options.queueSettings, log);
  // --- end background jobs ---
  const timers: TimerRunner | undefined =
    (options.timers ?? env.LOCAL_TIMERS === "1")
      ? runTimers(registry.registrations("timer"), log, options.timerClock)
      : undefined;

  let defaultTenant: RunningHost["defaultTenant"];
  let firstAdmin = false;
  if (store) {
    const now = services.now();
    const tenant = (await services.tenants.list())[0] ?? (await services.tenants.create("Default tenant", now));
    const tokenFile = dataFile ? join(dirname(dataFile), "local-token") : undefined;
    defaultTenant = {
      id: tenant.id,
      token: await localToken(services, tenant.id, env.SCIM_DEV_TOKEN || undefined, now, tokenFile),
    };
    firstAdmin = !(await hasAdminWhoCanSignIn(services, tenant.id, now));
  }
  // A short summary; the route list with --routes or LOG_ROUTES=1.
  if (options.routes ?? env.LOG_ROUTES === "1") {
    const next = new Map(timers?.schedule().map((t) => [t.name, t.next.toISOString()]));
    const lines = registry
      .registrations()
      .map((r) =>
        r.kind === "http"
          ? `${r.methods.join(",")} /${[prefix, r.route].filter(Boolean).join("/")}`
          : r.kind === "queue"
            ? `queue ${r.queueName}: ${r.name}`
            : `timer ${r.schedule}: ${r.name} (${next.has(r.name) ? `next ${next.get(r.name)}` : "off; LOCAL_TIMERS=1 runs it"})`,
      );
    log(`Functions: ${lines.join("\n           ")}`);
  }
  log(`SCIM service (Node ${process.version}), Ctrl+C to stop`);
  log(`  Tenant URL:     ${tenantUrl}`);
  if (defaultTenant)
    log(`  Secret Token:   ${defaultTenant.token}${dataFile ? " (kept in .data/local-token, reused on restart)" : ""}`);
  log(`  Admin portal:   ${url}/portal/`);
  log(
    `  Token endpoint: ${url}/oauth2/token (OAuth clients: npm run admin -- oauth client create --tenant ID --name NAME)`,
  );
  if (devOidc)
    log(`  Sign-in:        development OpenID provider at ${devOidc.issuer} (set ENTRA_CLIENT_ID to use Entra ID)`);
  if (timers)
    log(
      `  Timers:         ${timers
        .schedule()
        .map((t) => t.name)
        .join(", ")} on their schedules (LOCAL_TIMERS=0 turns them off)`,
    );
  if (jobs.env.JobsQueue)
    log(`  Job queue:      Azurite (in memory) at ${jobs.env.JobsQueue.match(/QueueEndpoint=([^;]+)/)?.[1]}`);
  if (defaultTenant) {
    log(
      dataFile
        ? `  Store:          ${storeEndpoint}, data in ${dirname(dataFile)} (${restored} documents restored; npm start -- --fresh starts empty)`
        : `  Store:          ${storeEndpoint}, in memory (starts empty, nothing is saved)`,
    );
    log(`  Tenant:         ${defaultTenant.id}`);
    log(
      `  Ports: PORT, OIDC_PORT, LOCAL_STORE_PORT, LOCAL_QUEUE_PORT (default 7071, 7072, 7081, 7082); routes: npm start -- --routes`,
    );
    if (firstAdmin)
      log(
        `Sign in the first Admin with an invite: npm run admin -- admin invite --tenant ${defaultTenant.id}${port === 7071 ? "" : ` --base-url ${url}`}`,
      );
  } else {
    log(
      `  Store:          ${config.cosmos.endpoint} (create a tenant and token with: npm run admin -- tenant create --name NAME)`,
    );
  }

  return {
    url,
    tenantUrl,
    defaultTenant,
    services,
    storeEndpoint,
    storeRequests: () => storeRequests,
    devOidc,
    jobs: {
      connectionString: jobs.connectionString,
      idle: () => jobs.idle(),
      pause: () => jobs.pause(),
      resume: () => jobs.resume(),
    },
    close: async () => {
      await timers?.stop();
      await devOidc?.close();
      await jobs.close();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await storeFile?.close();
      if (store) {
        store.closeAllConnections();
        await new Promise<void>((r) => store!.close(() => r()));
      }
      useServices(undefined);
    },
  };
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const fresh = process.argv.includes("--fresh") || process.env.LOCAL_STORE_FRESH === "1";
  startHost({
    dataFile: fresh ? undefined : join(dirname(findUp("package.json", here)), ".data", "local-store.json"),
    timers: process.env.LOCAL_TIMERS !== "0",
    ...(process.argv.includes("--routes") ? { routes: true } : {}),
  }).then(
    (host) => {
      const stop = () => host.close().then(() => process.exit(0));
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    },
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
