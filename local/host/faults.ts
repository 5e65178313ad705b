import type { PluginConfig, RequestContext, Response } from "@azure/cosmos";

/**
 * A fault-injecting layer between @azure/cosmos and the store, as an SDK request plugin (it sees
 * every network request, inside the SDK's own retry policies, so the SDK reacts to an injected
 * fault exactly as to a real one). It answers what a real Cosmos DB account answers under load:
 *
 * - 429 with `x-ms-retry-after-ms` on a whole request, and on single operations of a bulk request
 *   (the other operations run; the throttled ones do not);
 * - 503, and timeouts, before the request reaches the store (nothing was done);
 * - a lost reply: the request ran, the answer is 503 (the caller cannot know it landed);
 * - reads that see an older version (a lagging replica; see `ReplicaLedger`);
 * - a full logical partition (403 substatus 1014) on every write while `partitionFull` is set.
 *
 * The schedule is seeded (mulberry32), so a run is reproducible. Used by tests/faults and the
 * benchmark (`npm run bench -- --faults 0.2`); production code never loads it.
 */

export interface FaultOptions {
  /** Share of store requests that fail (0..1). */
  rate: number;
  seed?: number;
  /** The delay a 429 asks for (ms). Default 5. */
  retryAfterMs?: number;
  /** Serve reads from a lagging replica: reads see the state of `behind` writes ago. */
  lag?: { ledger: ReplicaLedger; behind: number };
  /** Record this client's writes in a ledger (the other instance's lagging reads use it). */
  ledger?: ReplicaLedger;
}

interface FaultStats {
  requests: number;
  injected: Record<
    "throttled" | "throttledOps" | "unavailable" | "timeout" | "lostReply" | "stale" | "partitionFull",
    number
  >;
}

export interface FaultLayer {
  plugin: PluginConfig;
  stats: FaultStats;
  /** Every write answers 403/1014 while set. */
  partitionFull: boolean;
  /** Pauses injection (setup steps). */
  enabled: boolean;
}

/** A seeded generator of numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Every write of every instance, in order, so that a lagging replica can answer a read with the
 * version of a document `behind` writes ago (or "not found" for one created since).
 */
export class ReplicaLedger {
  private seq = 0;
  private readonly history = new Map<string, { seq: number; doc: unknown | null }[]>();

  record(key: string, doc: unknown | null): void {
    const list = this.history.get(key) ?? [];
    list.push({ seq: ++this.seq, doc });
    this.history.set(key, list);
  }

  /** undefined: the replica is up to date for this key; otherwise what it still sees (null: nothing). */
  staleVersion(key: string, behind: number): { doc: unknown | null } | undefined {
    const list = this.history.get(key);
    if (!list || list.length === 0) return undefined;
    const horizon = this.seq - behind;
    if (list[list.length - 1]!.seq <= horizon) return undefined;
    const older = [...list].reverse().find((v) => v.seq <= horizon);
    return { doc: older ? older.doc : null };
  }
}

interface BatchOp {
  operationType: string;
  id?: string;
  resourceBody?: { id?: string };
}

interface OpResult {
  statusCode: number;
  subStatusCode?: number;
  retryAfterMilliseconds?: number;
  resourceBody?: unknown;
  requestCharge?: number;
}

const WRITES = new Set(["create", "upsert", "replace", "patch", "delete"]);
const CONSISTENCY = "x-ms-consistency-level";

function storeError(code: number, message: string, extra: { retryAfterMs?: number; substatus?: number } = {}): Error {
  const headers: Record<string, string> = {};
  if (extra.retryAfterMs !== undefined) headers["x-ms-retry-after-ms"] = String(extra.retryAfterMs);
  if (extra.substatus !== undefined) headers["x-ms-substatus"] = String(extra.substatus);
  return Object.assign(new Error(message), {
    code,
    body: { code: String(code), message },
    headers,
    ...(extra.retryAfterMs !== undefined ? { retryAfterInMs: extra.retryAfterMs } : {}),
    ...(extra.substatus !== undefined ? { substatus: extra.substatus } : {}),
  });
}

function timeoutError(): Error {
  return Object.assign(new Error("Timeout Error! (injected)"), { name: "TimeoutError", code: "TimeoutError" });
}

const containerOf = (path = "") => /^\/?(dbs\/[^/]+\/colls\/[^/]+)/.exec(path)?.[1] ?? path;
const idOf = (path = "") => decodeURIComponent(/\/docs\/([^/]+)$/.exec(path)?.[1] ?? "");
const keyOf = (container: string, id: string) => `${container}|${id}`;
const parse = (body: unknown): unknown =>
  typeof body === "string" ? JSON.parse(body) : Buffer.isBuffer(body) ? JSON.parse(body.toString("utf8")) : body;

export function faultLayer(options: FaultOptions): FaultLayer {
  const random = mulberry32(options.seed ?? 1);
  const retryAfterMs = options.retryAfterMs ?? 5;
  const stats: FaultStats = {
    requests: 0,
    injected: { throttled: 0, throttledOps: 0, unavailable: 0, timeout: 0, lostReply: 0, stale: 0, partitionFull: 0 },
  };
  const ledger = options.ledger ?? options.lag?.ledger;
  const layer: FaultLayer = {
    stats,
    partitionFull: false,
    enabled: true,
    plugin: { on: "request", plugin: undefined as never },
  };

  const recordWrites = (ctx: RequestContext, response: Response<unknown>, ops?: BatchOp[]) => {
    if (!ledger) return;
    const container = containerOf(ctx.path);
    if (ctx.operationType === "batch" && ops) {
      const results = (response.result ?? []) as OpResult[];
      ops.forEach((op, i) => {
        const r = results[i];
        if (!r || r.statusCode >= 400 || op.operationType === "Read") return;
        const id = op.id ?? op.resourceBody?.id;
        if (id)
          ledger.record(
            keyOf(container, id),
            op.operationType === "Delete" ? null : (r.resourceBody ?? op.resourceBody),
          );
      });
      return;
    }
    if (!WRITES.has(ctx.operationType ?? "")) return;
    const id =
      ctx.operationType === "create" || ctx.operationType === "upsert"
        ? (response.result as { id?: string })?.id
        : idOf(ctx.path);
    if (id) ledger.record(keyOf(container, id), ctx.operationType === "delete" ? null : response.result);
  };

  const lagged = (ctx: RequestContext) => options.lag !== undefined && ctx.headers?.[CONSISTENCY] !== "Strong";

  layer.plugin.plugin = async (ctx: RequestContext, _diagnostics, next) => {
    if (ctx.resourceType !== "docs") return next(ctx);
    stats.requests++;
    const isBatch = ctx.operationType === "batch";
    const atomic = isBatch && String(ctx.headers?.["x-ms-cosmos-batch-atomic"]) === "true";
    const ops = isBatch ? (parse(ctx.body) as BatchOp[]) : undefined;
    const writes = isBatch ? ops!.some((o) => o.operationType !== "Read") : WRITES.has(ctx.operationType ?? "");

    if (layer.partitionFull && writes) {
      stats.injected.partitionFull++;
      if (!isBatch || atomic)
        throw storeError(403, "Partition key reached maximum size of 20 GB (injected)", { substatus: 1014 });
      // Bulk: its writes fail one by one, its reads run.
      return withOpFaults(ctx, next, ops!, (op) =>
        op.operationType === "Read" ? undefined : { statusCode: 403, subStatusCode: 1014 },
      );
    }

    if (layer.enabled && options.rate > 0 && random() < options.rate) {
      const kind = random();
      if (kind < 0.5) {
        if (isBatch && !atomic && ops!.length > 1 && random() < 0.5) {
          // Some operations of a bulk request are throttled; the others run.
          return withOpFaults(ctx, next, ops!, () =>
            random() < 0.5 ? { statusCode: 429, subStatusCode: 3200, retryAfterMilliseconds: retryAfterMs } : undefined,
          );
        }
        stats.injected.throttled++;
        throw storeError(429, "Request rate is large (injected)", { retryAfterMs, substatus: 3200 });
      }
      if (kind < 0.7) {
        stats.injected.unavailable++;
        throw storeError(503, "Service is currently unavailable (injected)");
      }
      if (kind < 0.9) {
        stats.injected.timeout++;
        throw timeoutError();
      }
      stats.injected.lostReply++;
      const response = await next(ctx);
      recordWrites(ctx, response, ops);
      throw storeError(503, "Service is currently unavailable (injected, after the request ran)");
    }

    if (lagged(ctx) && ctx.operationType === "read") {
      const stale = options.lag!.ledger.staleVersion(keyOf(containerOf(ctx.path), idOf(ctx.path)), options.lag!.behind);
      if (stale) {
        stats.injected.stale++;
        if (stale.doc === null)
          throw storeError(404, "Entity with the specified id does not exist in the system (stale replica)");
        return {
          headers: { etag: (stale.doc as { _etag?: string })._etag ?? "" },
          result: stale.doc,
          code: 200,
        } as Response<unknown>;
      }
    }
    const response = await next(ctx);
    recordWrites(ctx, response, ops);
    if (lagged(ctx) && isBatch && !atomic && ops) {
      const results = (response.result ?? []) as OpResult[];
      ops.forEach((op, i) => {
        if (op.operationType !== "Read" || !op.id) return;
        const stale = options.lag!.ledger.staleVersion(keyOf(containerOf(ctx.path), op.id), options.lag!.behind);
        if (!stale) return;
        stats.injected.stale++;
        results[i] = stale.doc === null ? { statusCode: 404 } : { statusCode: 200, resourceBody: stale.doc };
      });
    }
    return response;
  };

  /** Runs a bulk request without the operations `fault` answers for, then puts its answers in their places. */
  async function withOpFaults(
    ctx: RequestContext,
    next: (ctx: RequestContext) => Promise<Response<unknown>>,
    ops: BatchOp[],
    fault: (op: BatchOp) => OpResult | undefined,
  ) {
    const answers = ops.map(fault);
    const run = ops.filter((_, i) => answers[i] === undefined);
    stats.injected.throttledOps += answers.filter((a) => a?.statusCode === 429).length;
    let ran: OpResult[] = [];
    let response: Response<unknown> = { headers: {}, result: [], code: 207 } as Response<unknown>;
    if (run.length > 0) {
      // In place: the SDK's plugin chain hands the original context to the network call, not the one passed to next().
      const body = ctx.body;
      ctx.body = JSON.stringify(run);
      try {
        response = await next(ctx);
      } finally {
        ctx.body = body;
      }
      recordWrites(ctx, response, run);
      ran = [...((response.result ?? []) as OpResult[])];
    }
    const result = answers.map((a) => a ?? ran.shift()!);
    return { ...response, code: 207, result } as Response<unknown>;
  }

  return layer;
}
