import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { randomUUID } from "node:crypto";
import azureFunctions from "@azure/functions";
import type { HttpResponseInit } from "@azure/functions";
import { createHttpServer } from "@vercel/cosmosdb-server";
import { loadConfig } from "../shared/config.js";
import { ensureContainers, openCosmos } from "../shared/store/cosmos.js";
import { createServices, useServices } from "../shared/services.js";
import type { Services } from "../shared/operations/context.js";
import { createToken } from "../shared/operations/tokens.js";
import { ADMIN_CLI } from "../shared/operations/context.js";
import { registrations, type Registration } from "../shared/http/registry.js";
import { SCIM_PREFIX } from "../shared/http/scim.js";
// Background jobs (queue emulator and queue triggers): see local/queue-host.ts.
import { queueRegistrations } from "../shared/queue/registry.js";
import { startLocalJobs, type QueueSettings } from "./queue-host.js";

/**
 * The local host: serves the very same function registrations as the Azure Functions host, over
 * HTTP, at http://localhost:7071/scim/v2 (the port and routes `func start` uses). Without
 * COSMOS_ENDPOINT it runs the embedded Cosmos-compatible store (@vercel/cosmosdb-server)
 * in-process on LOCAL_STORE_PORT, where the admin CLI reaches it too.
 */

/** The key the embedded store is opened with (it accepts any key; this one is not a secret). */
export const LOCAL_STORE_KEY = "bG9jYWwtc3RvcmUta2V5LW5vdC1hLXNlY3JldA==";
export const DEFAULT_LOCAL_STORE_PORT = 7081;

export interface HostOptions {
  env?: Record<string, string | undefined>;
  /** HTTP port of the SCIM host; 0 picks a free one. Default: PORT or 7071. */
  port?: number;
  /** Port of the embedded store; 0 picks a free one. Default: LOCAL_STORE_PORT or 7081. */
  storePort?: number;
  /** Clock for the services (tests freeze it). */
  now?: () => Date;
  log?: (line: string) => void;
  /** Port of the local queue emulator (Azurite); 0 picks a free one. Default: LOCAL_QUEUE_PORT or 7082. */
  queuePort?: number;
  /** Overrides of host.json's queue settings for the local queue triggers (tests shorten visibilityTimeout). */
  queueSettings?: Partial<QueueSettings>;
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

/** Imports every function file once (each registers itself), as the Functions host does via package.json "main". */
async function loadFunctions(): Promise<void> {
  const dir = join(here, "..", "functions");
  const ext = extname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith(ext) && !f.endsWith(".d.ts"));
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes("@azure/functions") && !String(args[0]).includes("Skipping call to register function")) warn(...args);
  };
  try {
    for (const file of files.sort()) await import(pathToFileURL(join(dir, file)).href);
  } finally {
    console.warn = warn;
  }
}

interface Route {
  registration: Registration;
  segments: string[];
  literals: number;
  catchAll: boolean;
}

function compileRoutes(): Route[] {
  return registrations
    .map((registration) => {
      const segments = registration.route.split("/").filter(Boolean);
      return {
        registration,
        segments,
        literals: segments.filter((s) => !s.startsWith("{")).length,
        catchAll: segments.some((s) => s.startsWith("{*")),
      };
    })
    .sort((a, b) => Number(a.catchAll) - Number(b.catchAll) || b.literals - a.literals || b.segments.length - a.segments.length);
}

/** Route templates as the Functions host reads them: case-insensitive literals, {name}, {*rest}. */
function match(route: Route, parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i];
    if (segment.startsWith("{*")) {
      params[segment.slice(2, -1)] = parts.slice(i).join("/");
      return params;
    }
    if (i >= parts.length) return undefined;
    if (segment.startsWith("{")) params[segment.slice(1, -1)] = parts[i];
    else if (segment.toLowerCase() !== parts[i].toLowerCase()) return undefined;
  }
  return parts.length === route.segments.length ? params : undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, response: HttpResponseInit): void {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((response.headers as Record<string, string>) ?? {})) headers[k] = v;
  const body = response.body === undefined || response.body === null ? undefined : String(response.body);
  res.writeHead(response.status ?? 200, headers);
  res.end(body);
}

export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(line));
  let store: Server | undefined;
  let storeRequests = 0;
  let storeEndpoint: string | undefined;
  let settings = { ...env };
  if (!env.COSMOS_ENDPOINT) {
    store = createHttpServer();
    store.on("request", () => storeRequests++);
    const port = await listen(store, options.storePort ?? Number(env.LOCAL_STORE_PORT || DEFAULT_LOCAL_STORE_PORT), "127.0.0.1");
    storeEndpoint = `http://127.0.0.1:${port}`;
    settings = { ...settings, COSMOS_ENDPOINT: storeEndpoint, COSMOS_KEY: LOCAL_STORE_KEY };
  }
  // --- background jobs: the queue emulator (before the configuration, which names the queue) ---
  const jobs = await startLocalJobs(settings, options.queuePort ?? (options.storePort === 0 ? 0 : undefined));
  settings = { ...settings, ...jobs.env };
  // --- end background jobs ---
  const config = loadConfig(settings);
  await ensureContainers(openCosmos(config.cosmos).client, config.cosmos.database);
  const services = createServices(config, options.now);
  useServices(services);
  await loadFunctions();
  const routes = compileRoutes();
  const hostJson = JSON.parse(readFileSync(findUp("host.json", here), "utf8"));
  const prefix = (hostJson.extensions?.http?.routePrefix ?? "api") as string;
  // --- background jobs: run the queue-triggered functions against the queue ---
  jobs.run(queueRegistrations, hostJson, options.queueSettings, log);
  // --- end background jobs ---

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
      let parts: string[];
      try {
        parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
      } catch {
        send(res, { status: 400, headers: { "Content-Type": "text/plain" }, body: `Malformed URL: ${url.pathname}` });
        return;
      }
      const prefixParts = prefix.split("/").filter(Boolean);
      const underPrefix = prefixParts.every((p, i) => parts[i]?.toLowerCase() === p.toLowerCase());
      const rest = parts.slice(prefixParts.length);
      const method = (req.method ?? "GET").toUpperCase();
      const found = underPrefix
        ? routes
            .filter((r) => r.registration.methods.includes(method as never))
            .map((r) => ({ route: r, params: match(r, rest) }))
            .find((m) => m.params)
        : undefined;
      if (!found) {
        send(res, { status: 404, headers: { "Content-Type": "text/plain" }, body: `Not found: ${url.pathname} (SCIM endpoints are under /${SCIM_PREFIX})` });
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
      const body = await readBody(req);
      const request = new azureFunctions.HttpRequest({
        method,
        url: url.href,
        headers,
        query: Object.fromEntries(url.searchParams),
        params: found.params!,
        ...(body.length > 0 ? { body: { bytes: body } } : {}),
      });
      const context = new azureFunctions.InvocationContext({
        invocationId: randomUUID(),
        functionName: found.route.registration.name,
        logHandler: (level, ...args) => (level === "error" ? console.error : console.log)(`[${found.route.registration.name}]`, ...args),
      });
      send(res, (await found.route.registration.handler(request, context)) as HttpResponseInit);
    } catch (error) {
      console.error("local host error:", error);
      send(res, { status: 500, headers: { "Content-Type": "text/plain" }, body: "local host error" });
    }
  });
  const port = await listen(server, options.port ?? Number(env.PORT || 7071), env.HOST || "127.0.0.1");
  const url = `http://localhost:${port}`;
  const tenantUrl = `${url}/${SCIM_PREFIX}`;

  let defaultTenant: RunningHost["defaultTenant"];
  if (store) {
    const now = services.now();
    const tenant = (await services.tenants.list())[0] ?? (await services.tenants.create("Default tenant", now));
    const ctx = { tenantId: tenant.id, actor: ADMIN_CLI, now, services, baseUrl: "" };
    const { secret } = await createToken(ctx, { name: "local", secret: env.SCIM_DEV_TOKEN || undefined });
    defaultTenant = { id: tenant.id, token: secret };
  }
  log(`SCIM service listening: Tenant URL ${tenantUrl}`);
  log(`Functions: ${routes.map((r) => `${r.registration.methods.join(",")} /${[prefix, r.registration.route].filter(Boolean).join("/")}`).join("\n           ")}`);
  if (jobs.env.JobsQueue) log(`Job queue:      Azurite (in memory) at ${jobs.env.JobsQueue.match(/QueueEndpoint=([^;]+)/)?.[1]}, queue triggers running`);
  if (defaultTenant) {
    log(`Embedded store: ${storeEndpoint} (in memory; it starts empty on every start)`);
    log(`Default tenant: ${defaultTenant.id}`);
    log(`Secret Token:   ${defaultTenant.token}`);
  } else {
    log(`Store: ${config.cosmos.endpoint} (create a tenant and token with: npm run admin -- tenant create --name NAME)`);
  }

  return {
    url,
    tenantUrl,
    defaultTenant,
    services,
    storeEndpoint,
    storeRequests: () => storeRequests,
    jobs: { connectionString: jobs.connectionString, idle: () => jobs.idle(), pause: () => jobs.pause(), resume: () => jobs.resume() },
    close: async () => {
      await jobs.close();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
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
  startHost().then(
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
