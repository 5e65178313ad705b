import { fork, type ChildProcess } from "node:child_process";
import { request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { startHost } from "../host/host.js";

/**
 * `npm run build && node dist/local/tools/hostile.js`: sends hostile requests to the local host and prints,
 * for each, how long it took and how long a cheap request (GET /ServiceProviderConfig) sent 100 ms
 * after it took. A measurement, not a test: it asserts nothing.
 *
 * The host runs in a child process (started with `startHost`, port 0, embedded store), a fresh one
 * per case, so that a request that blocks the host's event loop cannot stop this script's clock,
 * and a case cut off at the cap does not slow the next one.
 */

const CAP_MS = Number(process.env.HOSTILE_CAP_MS ?? 30_000);
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

interface Ready {
  tenantUrl: string;
  token: string;
  userId: string;
}

async function serve(): Promise<void> {
  const host = await startHost({ port: 0, storePort: 0, env: {}, log: () => {} });
  const token = host.defaultTenant!.token;
  const res = await fetch(`${host.tenantUrl}/Users`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
    body: JSON.stringify({ schemas: [USER], userName: "target@contoso.com" }),
  });
  const { id } = (await res.json()) as { id: string };
  process.send!({ tenantUrl: host.tenantUrl, token, userId: id } satisfies Ready);
}

type Outcome = { ms: number; status: string };

async function timed(run: (signal: AbortSignal) => Promise<string>): Promise<Outcome> {
  const started = performance.now();
  try {
    const status = await run(AbortSignal.timeout(CAP_MS));
    return { ms: performance.now() - started, status };
  } catch (error) {
    const name = (error as Error).name;
    if (name === "TimeoutError" || name === "AbortError") return { ms: Infinity, status: "timeout" };
    return { ms: performance.now() - started, status: `error: ${(error as Error).message}` };
  }
}

async function fetchStatus(url: string, init: RequestInit, signal: AbortSignal): Promise<string> {
  const res = await fetch(url, { ...init, signal });
  const body = await res.text();
  let scimType = "";
  try {
    scimType = (JSON.parse(body) as { scimType?: string }).scimType ?? "";
  } catch {
    /* not JSON */
  }
  return `${res.status}${scimType ? ` ${scimType}` : ""}`;
}

/** A filter of `depth` nested parentheses alternating "or" and "and" (about 23 characters a level). */
export function nestedFilter(depth: number): string {
  let text = `userName eq "x0"`;
  for (let k = 1; k <= depth; k++) text = `(userName eq "x${k}" ${k % 2 ? "and" : "or"} ${text})`;
  return text;
}

const VALUE_FILTER = (i: number) => `emails[type eq "work"].value eq "v${i}@x"`;

/**
 * The costliest filters the limits allow (FILTER_LIMITS: depth 3, 20 comparisons, 1 value
 * filter at the top level): alternating nesting at the maximum depth with the remaining
 * comparisons or-ed on, without and with the value filter.
 */
export const WORST_ALLOWED = {
  comparisons: `${nestedFilter(3)} or ${Array.from({ length: 16 }, (_, i) => `userName eq "z${i}"`).join(" or ")}`,
  valueFilter: `${VALUE_FILTER(0)} or ${nestedFilter(3)} or ${Array.from({ length: 14 }, (_, i) => `userName eq "z${i}"`).join(" or ")}`,
};

function patchBody(n: number): string {
  const Operations = Array.from({ length: n }, (_, i) => ({
    op: "add",
    path: "emails",
    value: [{ value: `e${i}@x` }],
  }));
  return JSON.stringify({ schemas: [PATCH_OP], Operations });
}

/** A streamed body of `mb` MiB, sent without a token. */
function bigBody(mb: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(1 << 20).fill(0x20);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ >= mb) controller.close();
      else controller.enqueue(chunk);
    },
  });
}

/** Declares Content-Length: 50 MiB, sends 10 bytes and waits for an answer. */
function lyingLength(url: string, token: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/Users`,
      {
        method: "POST",
        headers: {
          Authorization: `Bearer ${token}`,
          "Content-Type": "application/scim+json",
          "Content-Length": String(50 << 20),
        },
        signal,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.statusCode)));
      },
    );
    req.on("error", reject);
    req.write('{"schemas"');
  });
}

interface Case {
  name: string;
  run(ready: Ready, signal: AbortSignal): Promise<string>;
}

const auth = (r: Ready) => ({ Authorization: `Bearer ${r.token}`, "Content-Type": "application/scim+json" });

const CASES: Case[] = [
  ...[5, 8, 10, 12].map((depth) => ({
    name: `filter depth ${depth} (${nestedFilter(depth).length} chars)`,
    run: (r: Ready, signal: AbortSignal) =>
      fetchStatus(
        `${r.tenantUrl}/Users?filter=${encodeURIComponent(nestedFilter(depth))}`,
        { headers: auth(r) },
        signal,
      ),
  })),
  ...Object.entries(WORST_ALLOWED).map(([kind, filter]) => ({
    name: `worst allowed filter, ${kind} (${filter.length} chars)`,
    run: (r: Ready, signal: AbortSignal) =>
      fetchStatus(`${r.tenantUrl}/Users?filter=${encodeURIComponent(filter)}`, { headers: auth(r) }, signal),
  })),
  {
    name: "PATCH 16,000 add emails ops",
    run: (r, signal) =>
      fetchStatus(
        `${r.tenantUrl}/Users/${r.userId}`,
        { method: "PATCH", headers: auth(r), body: patchBody(16_000) },
        signal,
      ),
  },
  {
    name: "PATCH 1,000 add emails ops",
    run: (r, signal) =>
      fetchStatus(
        `${r.tenantUrl}/Users/${r.userId}`,
        { method: "PATCH", headers: auth(r), body: patchBody(1_000) },
        signal,
      ),
  },
  {
    name: "300 MiB body, no token",
    run: (r, signal) =>
      fetchStatus(
        `${r.tenantUrl}/Users`,
        {
          method: "POST",
          headers: { "Content-Type": "application/scim+json" },
          body: bigBody(300),
          duplex: "half",
        } as RequestInit,
        signal,
      ),
  },
  { name: "Content-Length 50 MiB, 10 bytes sent", run: (r, signal) => lyingLength(r.tenantUrl, r.token, signal) },
];

function startChild(): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("message", (ready) => resolve({ child, ready: ready as Ready }));
    child.once("exit", (code) => reject(new Error(`host exited with ${code}`)));
  });
}

const show = (o: Outcome) => (o.ms === Infinity ? `> ${CAP_MS / 1000} s` : `${(o.ms / 1000).toFixed(2)} s`);

async function main(): Promise<void> {
  const header = ["request", "status", "time", "cheap request alongside"];
  const rows: string[][] = [header];
  const only = process.argv[2];
  for (const c of CASES) {
    if (only && !c.name.includes(only)) continue;
    const { child, ready } = await startChild();
    const hostile = timed((signal) => c.run(ready, signal));
    await new Promise((r) => setTimeout(r, 100));
    const cheap = timed((signal) =>
      fetchStatus(`${ready.tenantUrl}/ServiceProviderConfig`, { headers: auth(ready) }, signal),
    );
    const [h, k] = await Promise.all([hostile, cheap]);
    child.kill("SIGKILL");
    rows.push([c.name, h.status, show(h), `${show(k)} (${k.status})`]);
    console.error(`${c.name}: ${h.status} ${show(h)}; cheap ${show(k)}`);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));
}

if (process.argv.includes("--serve")) await serve();
else await main();
