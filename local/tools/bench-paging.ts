import { parseArgs } from "node:util";
import { startHost, type RunningHost } from "../host/host.js";
import { seedGroupMembers } from "./bulk-seed.js";
import { openCosmos } from "../../shared/store/cosmos.js";
import { encodeCursor, queryBinding } from "../../shared/scim/cursor.js";

/**
 * `npm run bench:paging`: account discovery at depth. Writes `--users` users (100,000 by default)
 * in bulk straight into the store, then lists them over HTTP the way Entra's account discovery does
 * (`GET /Users?startIndex=...&count=25`) and by RFC 9865 cursor, and prints, at page 1, 1,000 and
 * 4,000 of 25 (and 10,000 with at least 250,000 users), the store round trips and time of:
 *  - the index page reached by a jump (no page of this query served near it: the gap is read ids only),
 *  - the next index page in sequence (the previous page's end is remembered: one page query),
 *  - a cursor page there (its cursor names the last id of the previous page).
 * Each is the median of `--repeat` requests (3). A benchmark, not a test: it measures.
 */
const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    count: { type: "string", default: "25" },
    repeat: { type: "string", default: "3" },
  },
});
const USERS = Number(values.users);
const COUNT = Number(values.count);
const REPEAT = Number(values.repeat);
const PAGES = [1, 1000, 4000, ...(USERS >= 250_000 ? [10_000] : [])].filter((p) => p * COUNT <= USERS);

interface Sample {
  calls: number;
  ms: number;
  ids: string[];
  nextCursor?: string;
}

async function main(): Promise<void> {
  const host: RunningHost = await startHost({ port: 0, storePort: 0, env: {}, log: () => {} });
  const token = host.defaultTenant!.token;
  const tenantId = host.defaultTenant!.id;
  const get = async (path: string): Promise<Sample> => {
    const before = host.storeRequests();
    const started = performance.now();
    const res = await fetch(`${host.tenantUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { Resources?: { id: string }[]; nextCursor?: string };
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body)}`);
    return {
      calls: host.storeRequests() - before,
      ms,
      ids: body.Resources!.map((r) => r.id),
      nextCursor: body.nextCursor,
    };
  };
  const median = async (run: () => Promise<Sample>): Promise<Sample> => {
    const samples: Sample[] = [];
    for (let i = 0; i < REPEAT; i++) samples.push(await run());
    const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return { ...samples[0]!, calls: mid(samples.map((s) => s.calls)), ms: mid(samples.map((s) => s.ms)) };
  };
  const indexPage = (page: number) => get(`/Users?startIndex=${(page - 1) * COUNT + 1}&count=${COUNT}`);

  console.log(`Paging benchmark: ${USERS} users, pages of ${COUNT}, embedded store, ${new Date().toISOString()}`);
  const container = openCosmos(host.services.config.cosmos).resources;
  let t = performance.now();
  for (let done = 0; done < USERS; done += 10_000) {
    await seedGroupMembers(container, tenantId, "none", Math.min(10_000, USERS - done), {
      prefix: `u${done}`,
      lookups: false,
      memberships: false,
    });
  }
  console.log(`seeded ${USERS} users in bulk: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  // Warm the token and settings caches, so that the first measured request pays for neither.
  await get(`/Users?count=1`);

  const rows: string[][] = [
    ["page (of 25)", "index jump: calls", "ms", "index in sequence: calls", "ms", "cursor: calls", "ms"],
  ];
  const binding = queryBinding(tenantId, "User", { descending: false });
  for (const page of PAGES) {
    t = performance.now();
    let jump: Sample | undefined;
    let previousLast: string | undefined;
    if (page > 1) {
      // The jump lands on the page before, so that the measured page continues from its end.
      jump = await indexPage(page - 1);
      previousLast = jump.ids[jump.ids.length - 1];
    }
    const sequential = await median(() => indexPage(page));
    const cursor = previousLast
      ? encodeCursor(binding, { position: (page - 1) * COUNT, after: previousLast }, new Date())
      : "";
    const byCursor = await median(() => get(`/Users?cursor=${cursor}&count=${COUNT}`));
    if (byCursor.ids.join() !== sequential.ids.join())
      throw new Error(`page ${page}: the cursor page and the index page differ`);
    rows.push([
      String(page),
      jump ? String(jump.calls) : "-",
      jump ? jump.ms.toFixed(0) : "-",
      String(sequential.calls),
      sequential.ms.toFixed(0),
      String(byCursor.calls),
      byCursor.ms.toFixed(0),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "));
  console.log(
    `\nindex jump: the page before, with no page of the query served near it (the gap read ids only, 10,000 per round trip); in sequence: the page after it; cursor: the same page by cursor. Medians of ${REPEAT}.`,
  );
  await host.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
