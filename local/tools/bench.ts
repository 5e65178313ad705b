import { parseArgs } from "node:util";
import { startHost, type RunningHost } from "../host/host.js";
import { measureColdStart, printColdStart } from "./cold-start.js";
import { faultLayer, type FaultLayer } from "../host/faults.js";

/**
 * `npm run bench`: replays an Entra-like provisioning cycle against the local host over HTTP and
 * prints, per operation type, throughput, p50/p99 latency and store round trips per request
 * (requests the embedded store served while that SCIM request ran; requests are sequential).
 * First it prints the cold start (see cold-start.ts); `--cold-start` prints only that.
 * A benchmark, not a test: it asserts nothing, it measures.
 *
 * `--faults 0.2` puts the fault layer (local/host/faults.ts) between the service and the store: a fifth
 * of the store's requests fail the way Cosmos DB fails under load (429s on requests and on bulk
 * operations, 503s, timeouts, lost replies), seeded by `--seed`. The client then behaves like
 * Entra: it retries 429 and 503 after Retry-After (at most 5 times); the table adds those retries
 * and the 5xx answers the client saw (a 500 is never retried and is always a bug).
 */

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "1000" },
    groups: { type: "string", default: "50" },
    "member-adds": { type: "string", default: "5000" },
    updates: { type: "string", default: "1000" },
    disables: { type: "string", default: "200" },
    "scale-to": { type: "string", default: "10000" },
    lookups: { type: "string", default: "500" },
    "cold-start": { type: "boolean", default: false },
    faults: { type: "string", default: "0" },
    seed: { type: "string", default: "1" },
  },
});
const { "cold-start": coldStartOnly, ...counts } = values;
const N = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])) as Record<
  keyof typeof counts,
  number
>;

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

interface Sample {
  ms: number;
  store: number;
  /** Times the client re-sent the request (429/503 with Retry-After). */
  retries: number;
  /** 5xx answers the client saw, retried ones included. */
  errors5xx: number;
  /** 500s among them: a store failure the service did not understand (always a bug). */
  errors500: number;
}

const MAX_CLIENT_RETRIES = 5;
let faults: FaultLayer | undefined;

const samples = new Map<string, Sample[]>();
const wall = new Map<string, number>();

let host: RunningHost;
let token: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SCIM replies of every shape
async function call(op: string, method: string, path: string, body?: unknown, expect = [200, 201, 204]): Promise<any> {
  const before = host.storeRequests();
  const started = performance.now();
  let retries = 0;
  let errors5xx = 0;
  let errors500 = 0;
  for (;;) {
    const res = await fetch(`${host.tenantUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/scim+json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 500) errors5xx++;
    if (res.status === 500) errors500++;
    const retryAfter = res.headers.get("retry-after");
    if ((res.status === 429 || res.status === 503) && retryAfter && retries < MAX_CLIENT_RETRIES) {
      retries++;
      // Entra waits at least the Retry-After it is given; the bench waits a hundredth of it, so a run stays short.
      await new Promise((r) => setTimeout(r, Number(retryAfter) * 10));
      continue;
    }
    const ms = performance.now() - started;
    const list = samples.get(op) ?? [];
    list.push({ ms, store: host.storeRequests() - before, retries, errors5xx, errors500 });
    samples.set(op, list);
    if (!expect.includes(res.status)) {
      if (faults) return undefined;
      throw new Error(`${op}: ${method} ${path} answered ${res.status}: ${text}`);
    }
    return text ? JSON.parse(text) : undefined;
  }
}

async function phase(op: string, run: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await run();
  wall.set(op, (wall.get(op) ?? 0) + performance.now() - started);
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const user = (i: number) => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
  externalId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  userName: `user${i}@bench.example`,
  active: true,
  emails: [{ primary: true, type: "work", value: `user${i}@bench.example` }],
  name: { givenName: `Given${i}`, familyName: `Family${i}` },
  [ENTERPRISE]: { employeeNumber: String(i) },
});
const lookupPath = (i: number) => `/Users?filter=${encodeURIComponent(`userName eq "USER${i}@bench.example"`)}`;

function report(): void {
  const rows = [...samples.entries()].map(([op, list]) => {
    const ms = list.map((s) => s.ms).sort((a, b) => a - b);
    const store = list.map((s) => s.store).sort((a, b) => a - b);
    return {
      op,
      n: list.length,
      opsPerSec: (list.length / ((wall.get(op) ?? ms.reduce((a, b) => a + b, 0)) / 1000)).toFixed(0),
      p50: pct(ms, 50).toFixed(1),
      p99: pct(ms, 99).toFixed(1),
      storeP50: pct(store, 50),
      storeMax: store[store.length - 1],
      retries: list.reduce((a, x) => a + x.retries, 0),
      errors5xx: list.reduce((a, x) => a + x.errors5xx, 0),
      errors500: list.reduce((a, x) => a + x.errors500, 0),
      failed: list.filter((x) => x.errors5xx > x.retries).length,
    };
  });
  const head = [
    "operation",
    "requests",
    "ops/s",
    "p50 ms",
    "p99 ms",
    "store ops p50",
    "store ops max",
    ...(faults ? ["retries", "5xx seen", "500s", "failed"] : []),
  ];
  const table = [
    head,
    ...rows.map((r) =>
      [
        r.op,
        r.n,
        r.opsPerSec,
        r.p50,
        r.p99,
        r.storeP50,
        r.storeMax,
        ...(faults ? [r.retries, r.errors5xx, r.errors500, r.failed] : []),
      ].map(String),
    ),
  ];
  const widths = head.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
  for (const row of table)
    console.log(
      row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "),
    );
}

async function main(): Promise<void> {
  printColdStart(measureColdStart());
  if (coldStartOnly) return;
  console.log();
  faults = N.faults > 0 ? faultLayer({ rate: N.faults, seed: N.seed }) : undefined;
  if (faults) faults.enabled = false;
  host = await startHost({
    port: 0,
    storePort: 0,
    env: {},
    log: () => {},
    storePlugins: faults ? [faults.plugin] : undefined,
  });
  token = host.defaultTenant!.token;
  if (faults) faults.enabled = true;
  console.log(
    `Benchmark against ${host.tenantUrl} (embedded store${faults ? `, ${N.faults * 100}% of store requests failing, seed ${N.seed}` : ""}), ${new Date().toISOString()}`,
  );
  const ids: string[] = [];

  await phase("user lookup (miss)", async () => {});
  for (let i = 0; i < N.users; i++) {
    await phase("user lookup (miss)", () => call("user lookup (miss)", "GET", lookupPath(i)));
    await phase("user create", async () => {
      const created = await call("user create", "POST", "/Users", user(i));
      if (created) ids.push(created.id);
    });
  }
  const groupIds: string[] = [];
  for (let g = 0; g < N.groups; g++) {
    const filter = encodeURIComponent(`displayName eq "Team ${g}"`);
    await phase("group lookup (miss)", () =>
      call("group lookup (miss)", "GET", `/Groups?excludedAttributes=members&filter=${filter}`),
    );
    await phase("group create", async () => {
      const created = await call("group create", "POST", "/Groups", {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        displayName: `Team ${g}`,
        externalId: `grp-${g}`,
      });
      if (created) groupIds.push(created.id);
    });
  }
  const perRequest = 5;
  for (let k = 0; k < N["member-adds"]; k += perRequest) {
    const group = groupIds[Math.floor(k / perRequest) % groupIds.length];
    const value = Array.from({ length: perRequest }, (_, j) => ({ $ref: null, value: ids[(k + j) % ids.length] }));
    await phase("group add 5 members", () =>
      call("group add 5 members", "PATCH", `/Groups/${group}`, {
        schemas: [PATCH],
        Operations: [{ op: "Add", path: "members", value }],
      }),
    );
  }
  for (let u = 0; u < N.updates; u++) {
    const id = ids[u % ids.length];
    const body =
      u % 2 === 0
        ? {
            schemas: [PATCH],
            Operations: [
              { op: "Replace", path: "displayName", value: `Display ${u}` },
              { op: "Replace", path: 'emails[type eq "work"].value', value: `changed${u}@bench.example` },
              { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: `E${u}` },
            ],
          }
        : {
            schemas: [PATCH],
            Operations: [
              {
                op: "replace",
                value: {
                  displayName: `Display ${u}`,
                  "name.givenName": `G${u}`,
                  [`${ENTERPRISE}:employeeNumber`]: `R${u}`,
                },
              },
            ],
          };
    const op = u % 2 === 0 ? "user update (default dialect)" : "user update (RFC dialect)";
    await phase(op, () => call(op, "PATCH", `/Users/${id}`, body));
  }
  for (let d = 0; d < N.disables; d++) {
    await phase("user disable", () =>
      call("user disable", "PATCH", `/Users/${ids[d]}`, {
        schemas: [PATCH],
        Operations: [{ op: "Replace", path: "active", value: "False" }],
      }),
    );
  }
  for (let i = 0; i < N.lookups; i++) {
    const op = `user lookup (hit) @${N.users}`;
    await phase(op, () => call(op, "GET", lookupPath((i * 7919) % N.users)));
  }
  for (let i = 0; i < N.lookups; i++) {
    await phase(`user get by id @${N.users}`, () =>
      call(`user get by id @${N.users}`, "GET", `/Users/${ids[(i * 7919) % ids.length]}`),
    );
  }
  console.log(`Growing the tenant to ${N["scale-to"]} users...`);
  for (let i = N.users; i < N["scale-to"]; i++) await call("(fill) user create", "POST", "/Users", user(i));
  for (let i = 0; i < N.lookups; i++) {
    const op = `user lookup (hit) @${N["scale-to"]}`;
    await phase(op, () => call(op, "GET", lookupPath((i * 7919) % N["scale-to"])));
  }
  for (let i = 0; i < N.lookups; i++) {
    const op = `user get by id @${N["scale-to"]}`;
    await phase(op, () => call(op, "GET", `/Users/${ids[(i * 7919) % ids.length]}`));
  }
  samples.delete("(fill) user create");
  report();
  if (faults)
    console.log(`\nStore requests ${faults.stats.requests}; injected: ${JSON.stringify(faults.stats.injected)}`);
  const ratio = (op: string) => {
    const p50 = (n: number) =>
      pct(
        samples
          .get(`${op} @${n}`)!
          .map((s) => s.ms)
          .sort((a, b) => a - b),
        50,
      );
    return (p50(N["scale-to"]) / p50(N.users)).toFixed(2);
  };
  console.log(
    `\nLookup p50 at ${N["scale-to"]} users / p50 at ${N.users} users: ${ratio("user lookup (hit)")}x (target <= 1.5x)`,
  );
  console.log(`Control, read by id (one point read): ${ratio("user get by id")}x`);
  await host.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
