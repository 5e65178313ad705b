import { parseArgs } from "node:util";
import { startHost } from "../host/host.js";
import { seedGroupMembers } from "./bulk-seed.js";
import { openCosmos } from "../../shared/store/cosmos.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { mapRole, unmapRole } from "../../shared/operations/roles.js";
import { listJobs } from "../../shared/operations/jobs.js";

/**
 * `npm run bench:jobs`: a role-mapped group of many members (100,000 by default, written in bulk
 * straight into the store) is mapped to a role, renamed and deleted; prints, for each, the
 * latency and store calls of the request (Entra's PATCH and DELETE over HTTP, the CLI's role map
 * as an operation call), then how long the background job took to finish, its steps and the
 * store calls per step. A benchmark, not a test: it measures, it asserts nothing.
 *
 * `--traffic`: while each job runs, an Entra-like client sends a provisioning cycle's requests
 * one after another (a userName filter, a user PATCH, a member add and remove on a small group,
 * a group read) and their latencies are printed; the store-call columns then include them.
 */
const { values } = parseArgs({
  options: {
    members: { type: "string", default: "100000" },
    phases: { type: "string", default: "unmap,map,delete" },
    overlap: { type: "boolean", default: false },
    traffic: { type: "boolean", default: false },
  },
});
const MEMBERS = Number(values.members);
const PHASES = new Set(String(values.phases).split(","));

async function main(): Promise<void> {
  const host = await startHost({ port: 0, storePort: 0, queuePort: 0, env: {}, log: () => {} });
  const token = host.defaultTenant!.token;
  const tenantId = host.defaultTenant!.id;
  const ctx = () => ({ tenantId, actor: ADMIN_CLI, now: new Date(), services: host.services, baseUrl: "" });
  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${host.tenantUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
      body: body ? JSON.stringify(body) : undefined,
    });
  const scim = async (method: string, path: string, body?: unknown) => {
    const res = await send(method, path, body);
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const latencies = new Map<string, number[]>();
  let failures = 0;
  /** One Entra-like request, timed; a non-2xx answer is counted, never thrown. */
  const timed = async (kind: string, method: string, path: string, body?: unknown) => {
    const started = performance.now();
    const res = await send(method, path, body);
    await res.arrayBuffer();
    if (res.status >= 300) failures++;
    const list = latencies.get(kind) ?? [];
    list.push(performance.now() - started);
    latencies.set(kind, list);
  };
  const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
  /** Entra's requests, one after another, until `stop` says so. */
  const entraTraffic = async (stop: () => boolean, users: { id: string; userName: string }[], smallGroup: string) => {
    for (let i = 0; !stop(); i++) {
      const user = users[i % users.length]!;
      await timed(
        "GET /Users?filter=userName eq",
        "GET",
        `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`,
      );
      await timed("PATCH /Users (replace)", "PATCH", `/Users/${user.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Replace", path: "displayName", value: `Traffic ${i}` }],
      });
      await timed("PATCH /Groups (add member)", "PATCH", `/Groups/${smallGroup}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Add", path: "members", value: [{ value: user.id }] }],
      });
      await timed("PATCH /Groups (remove member)", "PATCH", `/Groups/${smallGroup}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Remove", path: "members", value: [{ value: user.id }] }],
      });
      await timed("GET /Groups/{id}", "GET", `/Groups/${smallGroup}?excludedAttributes=members`);
    }
  };
  console.log(
    `Jobs benchmark: a mapped group of ${MEMBERS} members, embedded store, ${new Date().toISOString()}; step size ${host.services.config.jobs.stepSize}, inline limit ${host.services.config.jobs.inlineMembers}`,
  );
  // Mapped before the group exists (no job yet); the members are seeded holding the role the mapping gives.
  await mapRole(ctx(), "Bench Big", "Manager", { pending: true });
  const group = await scim("POST", "/Groups", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    displayName: "Bench Big",
    externalId: "bench-big",
  });
  let t = performance.now();
  const container = openCosmos(host.services.config.cosmos).resources;
  const product = {
    password: false,
    role: "Manager",
    roleSource: {
      kind: "group",
      groupId: group.id,
      groupName: "Bench Big",
      mapping: { group: { id: group.id }, role: "Manager" },
    },
  };
  for (let done = 0; done < MEMBERS; done += 10_000)
    await seedGroupMembers(container, tenantId, group.id, Math.min(10_000, MEMBERS - done), {
      prefix: `b${done}`,
      lookups: false,
      product,
    });
  console.log(`seeded ${MEMBERS} users and memberships in bulk: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const trafficUsers: { id: string; userName: string }[] = [];
  let smallGroup = "";
  if (values.traffic) {
    for (let i = 0; i < 10; i++) {
      const userName = `traffic-${i}@contoso.example`;
      const user = await scim("POST", "/Users", {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        userName,
        active: true,
      });
      trafficUsers.push({ id: user.id, userName });
    }
    smallGroup = (
      await scim("POST", "/Groups", {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        displayName: "Traffic Small",
      })
    ).id;
  }

  const rows: string[][] = [
    [
      "action",
      "request ms",
      "request store calls",
      "job steps",
      "background s",
      "background store calls",
      "store calls/step",
      "Managers after",
      "members after",
    ],
  ];
  // The end state, read once the job is done: users holding the mapped role, and the group's memberships.
  const endState = async () => [
    String(await host.services.resources.countRole(tenantId, "Manager")),
    String(await host.services.jobs.countMembers(tenantId, group.id)),
  ];
  const measure = async (action: string, request: () => Promise<unknown>) => {
    // The worker waits while the request runs, so that its store calls are the request's alone.
    await host.jobs.pause();
    const before = host.storeRequests();
    t = performance.now();
    await request();
    const ms = performance.now() - t;
    const requestCalls = host.storeRequests() - before;
    host.jobs.resume();
    console.log(`${action}: request ${ms.toFixed(1)} ms, ${requestCalls} store calls`);
    if (values.overlap) {
      rows.push([action, ms.toFixed(1), String(requestCalls), "-", "-", "-", "-", "-", "-"]);
      return;
    }
    const bgStart = performance.now();
    const bgBefore = host.storeRequests();
    const progress = setInterval(async () => {
      const job = (await listJobs(ctx(), 1).catch(() => []))[0];
      const s = (performance.now() - bgStart) / 1000;
      const calls = host.storeRequests() - bgBefore;
      if (job)
        console.log(
          `  ... ${action}: ${job.state} ${job.processed}/${job.total ?? "?"} after ${s.toFixed(0)} s, ${job.steps} steps, ${calls} store calls (${job.steps ? (calls / job.steps).toFixed(1) : "-"}/step)`,
        );
    }, 30_000);
    let jobDone = false;
    const traffic = values.traffic ? entraTraffic(() => jobDone, trafficUsers, smallGroup) : Promise.resolve();
    await host.jobs.idle();
    jobDone = true;
    await traffic;
    clearInterval(progress);
    const bgSeconds = (performance.now() - bgStart) / 1000;
    const bgCalls = host.storeRequests() - bgBefore;
    const job = (await listJobs(ctx(), 1))[0];
    rows.push([
      action,
      ms.toFixed(1),
      String(requestCalls),
      String(job?.steps ?? 0),
      bgSeconds.toFixed(1),
      String(bgCalls),
      job?.steps ? (bgCalls / job.steps).toFixed(1) : "-",
      ...(await endState()),
    ]);
    console.log(
      `${action}: request ${ms.toFixed(1)} ms, ${requestCalls} store calls; job ${job?.state} ${job?.processed}/${job?.total} in ${job?.steps} steps, ${bgSeconds.toFixed(1)} s, ${bgCalls} store calls`,
    );
  };
  let name = "Bench Big";
  if (PHASES.has("unmap")) await measure("role unmap (CLI operation)", () => unmapRole(ctx(), name));
  if (PHASES.has("map")) await measure("role map (CLI operation)", () => mapRole(ctx(), name, "Manager"));
  if (PHASES.has("rename")) {
    await measure("rename (Entra PATCH)", () =>
      scim("PATCH", `/Groups/${group.id}`, {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [{ op: "Replace", path: "displayName", value: "Bench Big 2" }],
      }),
    );
    name = "Bench Big 2";
  }
  if (PHASES.has("remap")) await measure("role map again (CLI)", () => mapRole(ctx(), name, "User"));
  if (PHASES.has("delete")) await measure("delete (Entra DELETE)", () => scim("DELETE", `/Groups/${group.id}`));
  if (values.overlap) {
    // The jobs of every request above run at once; wait for all of them.
    const bgStart = performance.now();
    const bgBefore = host.storeRequests();
    const progress = setInterval(async () => {
      const jobs = await listJobs(ctx(), 10).catch(() => []);
      const steps = jobs.reduce((n, j) => n + j.steps, 0);
      const calls = host.storeRequests() - bgBefore;
      console.log(
        `  ... ${((performance.now() - bgStart) / 1000).toFixed(0)} s: ${jobs.map((j) => `${j.kind}/${j.reason} ${j.state} ${j.processed}/${j.total ?? "?"}`).join(", ")}; ${calls} store calls, ${steps} steps`,
      );
    }, 30_000);
    await host.jobs.idle();
    clearInterval(progress);
    const jobs = await listJobs(ctx(), 10);
    const steps = jobs.reduce((n, j) => n + j.steps, 0);
    const calls = host.storeRequests() - bgBefore;
    rows.push([
      "background (all jobs)",
      "-",
      "-",
      String(steps),
      ((performance.now() - bgStart) / 1000).toFixed(1),
      String(calls),
      (calls / steps).toFixed(1),
      ...(await endState()),
    ]);
  }
  if (values.traffic) {
    console.log(`\nEntra-like requests sent while the jobs ran (${failures} answered other than 2xx):`);
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const at = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
    for (const [kind, xs] of latencies) {
      const s = sorted(xs);
      console.log(
        `  ${kind.padEnd(32)} n=${String(s.length).padStart(5)}  median ${at(s, 0.5).toFixed(1)} ms  p95 ${at(s, 0.95).toFixed(1)} ms  max ${s[s.length - 1]!.toFixed(1)} ms`,
      );
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log("");
  for (const row of rows)
    console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
  await host.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
