import { fork } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { Agent, createServer, request } from "node:http";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { PluginConfig } from "@azure/cosmos";
import { DEFAULT_DATABASE, openCosmos } from "../../shared/store/cosmos.js";
import { seedGroupMembers } from "./bulk-seed.js";
import { startHost, type RunningHost } from "../host/host.js";
import { LOCAL_STORE_KEY } from "../host/local-store.js";

/**
 * `npm run bench:local-store`: the local store at size, on the default persistent host (as
 * `npm start` runs it, with its data in a temporary directory). It creates users through the SCIM
 * API (8 at a time, like Entra) and measures creates/s at 0-1,000 users, then grows the tenant by
 * seeding users straight into the store (each one a member of one big group) and measures, at each
 * size: creates/s, `userName eq` lookup latency, a member add and remove PATCH on the big group;
 * at the end, the restart time (until the host answers) and that every user is still there.
 * At each size it also measures `userName eq` lookups/s (8 concurrent, from a child process so the
 * client does not share the host's event loop), the store round trips of a create, a lookup, a
 * member add and a member remove, and, in the same run, a bare Node http server answering the same
 * bytes as a lookup (the ceiling of this machine for that client).
 * A benchmark, not a test: it measures and prints, it asserts nothing.
 */

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "5000,20000" },
    window: { type: "string", default: "500" },
    concurrency: { type: "string", default: "8" },
    lookups: { type: "string", default: "200" },
    patches: { type: "string", default: "20" },
    /** No data file (as `npm start -- --fresh`): what the queries cost without the persistence. */
    "in-memory": { type: "boolean", default: false },
    /** Seconds of each lookups/s measurement. */
    "rate-seconds": { type: "string", default: "5" },
    /** Internal: run as the load client (child process) against this URL. */
    "load-client": { type: "string" },
    token: { type: "string" },
    paths: { type: "string" },
    /** Only the lookups/s at 1,000 users, measured this many times (each beside the bare server): for profiling and A/B runs. */
    "lookup-runs": { type: "string" },
    /** With --lookup-runs or --member-runs: a CPU profile of the host during each measured window only (not the creates or the seeding), written to FILE.<run>[.add|.remove].cpuprofile. */
    profile: { type: "string" },
    /** Only member adds and removes on a big group, measured this many times (for profiling and A/B runs). */
    "member-runs": { type: "string" },
    /** With --member-runs: how many members the big group has (seeded straight into the store). */
    members: { type: "string", default: "10000" },
    /** Internal: with --load-client, PATCH this group: add (or with --patch-op remove, remove) each id in --paths, one at a time. */
    "patch-group": { type: "string" },
    "patch-op": { type: "string", default: "add" },
  },
});
const sizes = values.sizes.split(",").map(Number);
const WINDOW = Number(values.window);
const CONCURRENCY = Number(values.concurrency);

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

let host: RunningHost;
let token: string;
let created = 0;
const createdIds: string[] = [];
const rows: string[][] = [];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SCIM replies of every shape
async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${host.tenantUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/scim+json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const user = (i: number) => ({
  schemas: [USER],
  externalId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  userName: `user${i}@bench.example`,
  active: true,
  displayName: `User ${i}`,
  emails: [{ primary: true, type: "work", value: `user${i}@bench.example` }],
  name: { givenName: `Given${i}`, familyName: `Family${i}` },
});

const lookupPath = (i: number) => `/Users?filter=${encodeURIComponent(`userName eq "USER${i}@bench.example"`)}`;
const addMember = (id: string) => ({
  schemas: [PATCH],
  Operations: [{ op: "Add", path: "members", value: [{ value: id }] }],
});
const removeMember = (id: string) => ({
  schemas: [PATCH],
  Operations: [{ op: "Remove", path: `members[value eq "${id}"]` }],
});

const p50 = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;

/** Creates `count` users through the API, CONCURRENCY at a time; returns creates per second. */
async function createUsers(count: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        const i = created++;
        createdIds.push((await call("POST", "/Users", user(i))).id);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function timed(n: number, run: (i: number) => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await run(i);
    ms.push(performance.now() - started);
  }
  return p50(ms);
}

async function usersStored(): Promise<number> {
  return (await call("GET", "/Users?count=0")).totalResults;
}

/**
 * The load client (`--load-client URL`, in a child process): GETs the given paths round-robin,
 * CONCURRENCY at a time over keep-alive connections, for `--rate-seconds`; sends requests/s back.
 */
async function loadClient(): Promise<void> {
  const base = new URL(values["load-client"]!);
  const paths = JSON.parse(values.paths!) as string[];
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const headers: Record<string, string> = values.token ? { Authorization: `Bearer ${values.token}` } : {};
  const get = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        { agent, host: base.hostname, port: base.port, path: base.pathname.replace(/\/$/, "") + path, headers },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`GET ${path} answered ${res.statusCode}`)),
          );
        },
      );
      req.on("error", reject);
      req.end();
    });
  if (values["patch-group"]) {
    process.send!(
      await memberPatches(
        base,
        values["patch-group"],
        values["patch-op"] === "remove" ? removeMember : addMember,
        paths,
        agent,
        headers,
      ),
    );
    agent.destroy();
    return;
  }
  const end = performance.now() + Number(values["rate-seconds"]) * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = w; performance.now() < end; i += CONCURRENCY, done++) await get(paths[i % paths.length]!);
    }),
  );
  process.send!(done / ((performance.now() - started) / 1000));
  agent.destroy();
}

/** The member client: PATCHes the group with `patchOf(id)` for each of `ids`, one request at a time; the latencies in ms. */
async function memberPatches(
  base: URL,
  groupId: string,
  patchOf: (id: string) => unknown,
  ids: string[],
  agent: Agent,
  headers: Record<string, string>,
): Promise<number[]> {
  const send = (body: unknown) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const payload = JSON.stringify(body);
      const req = request(
        {
          agent,
          method: "PATCH",
          host: base.hostname,
          port: base.port,
          path: `${base.pathname.replace(/\/$/, "")}/Groups/${groupId}`,
          headers: {
            ...headers,
            "Content-Type": "application/scim+json",
            "Content-Length": Buffer.byteLength(payload),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 204 || res.statusCode === 200
              ? resolve(performance.now() - started)
              : reject(new Error(`PATCH answered ${res.statusCode}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  const ms: number[] = [];
  for (const id of ids) ms.push(await send(patchOf(id)));
  return ms;
}

/** Requests/s the load client (a child process) gets from `url` over `paths`. */
function rateOf(url: string, paths: string[], bearer?: string): Promise<number> {
  return loadClientRun(url, paths, bearer).then(Number);
}

/** Runs the load client (a child process) and resolves with what it sends back. */
function loadClientRun(url: string, paths: string[], bearer?: string, extra: string[] = []): Promise<unknown> {
  const args = [
    "--load-client",
    url,
    "--paths",
    JSON.stringify(paths),
    "--concurrency",
    String(CONCURRENCY),
    "--rate-seconds",
    values["rate-seconds"],
    ...extra,
  ];
  // execArgv: [] so that a profiled host (node --cpu-prof) does not profile its load client too.
  const child = fork(fileURLToPath(import.meta.url), [...args, ...(bearer ? ["--token", bearer] : [])], {
    execArgv: [],
  });
  return new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`the load client exited with ${code}`))));
  });
}

/** A bare Node http server answering `body` (with the lookup's content type) to every request. */
async function bareServer(body: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, {
      "Content-Type": "application/scim+json; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
    });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Store round trips one request makes (the embedded store counts the requests it serves). */
async function storeCalls(run: () => Promise<unknown>): Promise<number> {
  const before = host.storeRequests();
  await run();
  return host.storeRequests() - before;
}

function print(): void {
  const head = [
    "users stored",
    "creates/s",
    "userName eq p50 ms",
    "member add p50 ms",
    "member remove p50 ms",
    "user's groups p50 ms",
    "user delete p50 ms",
    "group members",
    "lookups/s (8 concurrent)",
    "bare Node req/s",
    "store calls create/lookup/add/remove",
  ];
  const table = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const row of table)
    console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-local-store-"));
  const dataFile = join(dir, "local-store.json");
  let restoredLine = "";
  const start = () =>
    startHost({
      port: 0,
      storePort: 0,
      env: {},
      log: (line) => (line.includes("documents restored") ? (restoredLine = line) : undefined),
      dataFile: values["in-memory"] ? undefined : dataFile,
    });
  try {
    host = await start();
    token = host.defaultTenant!.token;
    const tenantId = host.defaultTenant!.id;
    const container = openCosmos({
      endpoint: host.storeEndpoint!,
      key: LOCAL_STORE_KEY,
      database: DEFAULT_DATABASE,
    }).resources;
    console.log(
      `Local store benchmark: ${values["in-memory"] ? "in-memory host" : `persistent host, data in ${dataFile}`}, ${CONCURRENCY} concurrent creates, ${new Date().toISOString()}`,
    );
    const group = await call("POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: "Big group",
    });
    let members = 0;
    let stored = 0;
    const measure = async (label: string, createRate: number) => {
      const lookup = await timed(Number(values.lookups), (i) => call("GET", lookupPath((i * 7919) % created)));
      const candidates = createdIds.slice(-Number(values.patches));
      let add = 0;
      let remove = 0;
      if (members > 0) {
        add = await timed(candidates.length, (i) => call("PATCH", `/Groups/${group.id}`, addMember(candidates[i]!)));
        remove = await timed(candidates.length, (i) =>
          call("PATCH", `/Groups/${group.id}`, removeMember(candidates[i]!)),
        );
      }
      // Queries by membership key: a user's groups (c.userId = @id), and a delete (its memberships, then the batch).
      const groupsOf = await timed(candidates.length, (i) => call("GET", `/Users/${candidates[i]}?attributes=groups`));
      const deletes = createdIds.splice(-candidates.length);
      const remove1 = await timed(deletes.length, (i) => call("DELETE", `/Users/${deletes[i]}`));
      const lookupPaths = Array.from({ length: 500 }, (_, i) => lookupPath((i * 7919) % created));
      const rate = await rateOf(host.tenantUrl, lookupPaths, token);
      const bare = await bareServer(JSON.stringify(await call("GET", lookupPaths[0]!)));
      const ceiling = await rateOf(bare.url, lookupPaths).finally(() => bare.close());
      const extra = createdIds.at(-1)!;
      const calls = [
        await storeCalls(() => call("POST", "/Users", user(created++))),
        await storeCalls(() => call("GET", lookupPaths[1]!)),
        members > 0 ? await storeCalls(() => call("PATCH", `/Groups/${group.id}`, addMember(extra))) : NaN,
        members > 0 ? await storeCalls(() => call("PATCH", `/Groups/${group.id}`, removeMember(extra))) : NaN,
      ];
      rows.push([
        label,
        createRate.toFixed(0),
        lookup.toFixed(1),
        add ? add.toFixed(1) : "-",
        remove ? remove.toFixed(1) : "-",
        groupsOf.toFixed(1),
        remove1.toFixed(1),
        String(members),
        rate.toFixed(0),
        ceiling.toFixed(0),
        calls.map((c) => (Number.isNaN(c) ? "-" : String(c))).join("/"),
      ]);
      console.error(`  ${rows.at(-1)!.join("  ")}`);
    };
    const first = Math.min(1000, sizes[0] ?? 1000);
    await measure(`0-${first}`, await createUsers(first));
    stored = first;
    for (const size of sizes) {
      // A size the first window already reached (--sizes 1000,...) is measured there.
      if (size <= stored) continue;
      const seed = size - WINDOW - stored;
      const seedStarted = performance.now();
      for (let done = 0; done < seed;) {
        const n = Math.min(5000, seed - done);
        await seedGroupMembers(container, tenantId, group.id, n, { prefix: `seed-${size}-${done}` });
        done += n;
        members += n;
      }
      stored += Math.max(0, seed);
      console.error(`  seeded ${seed} users in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
      const rate = await createUsers(WINDOW);
      stored += WINDOW;
      await measure(`${stored - WINDOW}-${stored}`, rate);
    }
    if (values["in-memory"]) {
      print();
      await host.close();
      return;
    }
    const before = await usersStored();
    await host.close();
    const restartStarted = performance.now();
    host = await start();
    const restartSeconds = (performance.now() - restartStarted) / 1000;
    token = host.defaultTenant!.token;
    const after = await usersStored();
    print();
    const onDisk = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    const documents = /(\d+) documents restored/.exec(restoredLine)?.[1];
    console.log(
      `\nRestart with ${before} users (${documents} documents, ${(onDisk / 1e6).toFixed(0)} MB on disk): ${restartSeconds.toFixed(2)} s until the host answers; ${after} users there after it.`,
    );
    await host.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `--lookup-runs N`: 1,000 users created through the API on the persistent host, then N times the
 * `userName eq` lookups/s and the bare server's req/s, back to back; prints each pair and the medians.
 */
async function lookupRuns(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-local-store-"));
  try {
    host = await startHost({
      port: 0,
      storePort: 0,
      env: {},
      log: () => {},
      dataFile: values["in-memory"] ? undefined : join(dir, "local-store.json"),
    });
    token = host.defaultTenant!.token;
    await createUsers(1000);
    const paths = Array.from({ length: 500 }, (_, i) => lookupPath((i * 7919) % created));
    const bare = await bareServer(JSON.stringify(await call("GET", paths[0]!)));
    const rates: number[] = [];
    const ceilings: number[] = [];
    const session = values.profile ? new Session() : undefined;
    for (let run = 0; run < Number(values["lookup-runs"]); run++) {
      if (session) {
        session.connect();
        await session.post("Profiler.enable");
        await session.post("Profiler.start");
      }
      rates.push(await rateOf(host.tenantUrl, paths, token));
      if (session) {
        writeFileSync(
          `${values.profile}.${run + 1}.cpuprofile`,
          JSON.stringify((await session.post("Profiler.stop")).profile),
        );
        session.disconnect();
      }
      ceilings.push(await rateOf(bare.url, paths));
      console.log(
        `run ${run + 1}: lookups/s ${rates.at(-1)!.toFixed(0)}, bare Node req/s ${ceilings.at(-1)!.toFixed(0)}`,
      );
    }
    console.log(
      `median: lookups/s ${p50(rates).toFixed(0)}, bare Node req/s ${p50(ceilings).toFixed(0)} (1,000 users, ${CONCURRENCY} concurrent)`,
    );
    await bare.close();
    await host.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `--member-runs N`: a group of `--members` members seeded straight into the store, `--patches`
 * users created through the API, then N times: each of them added to the group, then each removed,
 * one PATCH at a time from a child process (with --profile, the host's CPU profile of the adds and
 * of the removes, FILE.<run>.add.cpuprofile and FILE.<run>.remove.cpuprofile). Prints, per run, the
 * p50 latencies and the host's CPU per PATCH (process.cpuUsage over the window, divided by the
 * PATCHes), and once the store calls of one add and one remove, by kind, and the settings reads.
 */
async function memberRuns(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-local-store-"));
  // Records the services' store calls while `recording` (an SDK request plugin: retries count too).
  let recording: string[] | undefined;
  const recorder: PluginConfig = {
    on: "request",
    plugin: (context, _diagnostics, next) => {
      recording?.push(
        `${context.method} ${context.operationType} ${String(context.path ?? "").replace(/^\/dbs\/[^/]+\//, "")}`,
      );
      return next(context);
    },
  };
  try {
    const start = () =>
      startHost({
        port: 0,
        storePort: 0,
        env: {},
        log: () => {},
        storePlugins: [recorder],
        dataFile: values["in-memory"] ? undefined : join(dir, "local-store.json"),
      });
    host = await start();
    token = host.defaultTenant!.token;
    const tenantId = host.defaultTenant!.id;
    const container = openCosmos({
      endpoint: host.storeEndpoint!,
      key: LOCAL_STORE_KEY,
      database: DEFAULT_DATABASE,
    }).resources;
    const group = await call("POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: "Big group",
    });
    const seedStarted = performance.now();
    for (let done = 0; done < Number(values.members); done += 5000) {
      await seedGroupMembers(container, tenantId, group.id, Math.min(5000, Number(values.members) - done), {
        prefix: `seed-${done}`,
      });
    }
    console.log(`${values.members} members seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
    await createUsers(Number(values.patches));
    const ids = [...createdIds];
    // Warm-up (the SDK's first calls read partition key ranges), then one add and one remove recorded.
    await call("PATCH", `/Groups/${group.id}`, addMember(ids[0]!));
    await call("PATCH", `/Groups/${group.id}`, removeMember(ids[0]!));
    for (const [label, body] of [
      ["add", addMember(ids[0]!)],
      ["remove", removeMember(ids[0]!)],
    ] as const) {
      recording = [];
      const before = host.storeRequests();
      await call("PATCH", `/Groups/${group.id}`, body);
      const served = host.storeRequests() - before;
      const settingsReads = recording.filter((c) => /^GET read colls\/tenants\/docs\//.test(c)).length;
      console.log(
        `store calls per member ${label}: ${served} (the store served), ${recording.length} (the SDK sent), settings reads ${settingsReads}`,
      );
      for (const c of recording) console.log(`  ${c.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "<id>")}`);
      recording = undefined;
    }
    const session = values.profile ? new Session() : undefined;
    const medians = { add: [] as number[], remove: [] as number[], addCpu: [] as number[], removeCpu: [] as number[] };
    for (let run = 0; run < Number(values["member-runs"]); run++) {
      const line: string[] = [];
      for (const op of ["add", "remove"] as const) {
        if (session) {
          session.connect();
          await session.post("Profiler.enable");
          await session.post("Profiler.start");
        }
        const cpu = process.cpuUsage();
        const ms = (await loadClientRun(host.tenantUrl, ids, token, [
          "--patch-group",
          group.id,
          "--patch-op",
          op,
        ])) as number[];
        const used = process.cpuUsage(cpu);
        if (session) {
          writeFileSync(
            `${values.profile}.${run + 1}.${op}.cpuprofile`,
            JSON.stringify((await session.post("Profiler.stop")).profile),
          );
          session.disconnect();
        }
        const perPatch = (used.user + used.system) / 1000 / ms.length;
        medians[op].push(p50(ms));
        medians[`${op}Cpu`].push(perPatch);
        line.push(`${ms.length} ${op}s p50 ${p50(ms).toFixed(1)} ms, host CPU ${perPatch.toFixed(2)} ms each`);
      }
      console.log(`run ${run + 1} (a ${values.members}-member group): ${line.join("; ")}`);
    }
    console.log(
      `median: add p50 ${p50(medians.add).toFixed(1)} ms, host CPU ${p50(medians.addCpu).toFixed(2)} ms; remove p50 ${p50(medians.remove).toFixed(1)} ms, host CPU ${p50(medians.removeCpu).toFixed(2)} ms`,
    );
    await host.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

(values["load-client"]
  ? loadClient()
  : values["lookup-runs"]
    ? lookupRuns()
    : values["member-runs"]
      ? memberRuns()
      : main()
).catch((error) => {
  console.error(error);
  process.exit(1);
});
