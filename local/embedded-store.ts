import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createHttpServer } from "@vercel/cosmosdb-server";

/**
 * The embedded Cosmos-compatible store (@vercel/cosmosdb-server) with one change: a query sent
 * with a partition key (every query of the service is: one tenant's partition) reads only that
 * partition's documents, as Cosmos DB does, instead of scanning every tenant's. Without it one
 * tenant's list or filter costs time proportional to all tenants' documents, and a big tenant
 * stalls the others. Documents are kept per partition as they are written, so this costs no scan.
 */

interface StoredItem {
  read(): Record<string, unknown> | null;
}

interface ItemsInternals {
  _data: Map<string, StoredItem>;
  _byPartition?: Map<unknown, Map<string, StoredItem>>;
  _getPartition(data: Record<string, unknown>): unknown;
  _set(data: Record<string, unknown>): Record<string, unknown>;
  delete(idOrRid: string, partition: unknown): void;
  query(params: unknown, options: unknown): unknown;
  _item(keyPath: string, value: unknown, partition: unknown): StoredItem;
}

interface JsNode {
  type: string;
  [key: string]: unknown;
}

/**
 * The query compiler (@zeit/cosmosdb-query) turns `FROM c` (and each JOIN) into
 * `docs.reduce(($, c) => [...$, { c }], [])`, which copies the accumulated array for every
 * document: a query costs time quadratic in the partition's size (a partition of 40,000
 * documents took about 40 s per query, 200,000 would take over an hour). The same code with
 * `($.push({ c }), $)` is linear and means the same: the accumulator is a fresh `[]` per run.
 * A JOIN's `[...$, ...items]` becomes `(items.forEach(($item) => $.push($item)), $)`.
 */
function linearAccumulators(node: unknown): void {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    node.forEach((child, i) => (node[i] = rewritten(child)));
    return;
  }
  for (const [key, child] of Object.entries(node)) (node as Record<string, unknown>)[key] = rewritten(child);

  function rewritten(child: unknown): unknown {
    linearAccumulators(child);
    const n = child as JsNode | null;
    if (n?.type !== "ArrayExpression") return child;
    const [first, ...rest] = n.elements as JsNode[];
    const accumulator = first?.type === "SpreadElement" && (first.argument as JsNode).type === "Identifier" && (first.argument as JsNode).name === "$";
    if (!accumulator) return child;
    const $ = { type: "Identifier", name: "$" };
    const push = (args: unknown[]) => ({
      type: "CallExpression",
      callee: { type: "MemberExpression", object: $, property: { type: "Identifier", name: "push" }, computed: false },
      arguments: args,
    });
    // A JOIN appends a spread array: pushed one by one (a spread into a call is limited by the stack).
    const item = { type: "Identifier", name: "$item" };
    const appends = rest.map((el) =>
      el.type === "SpreadElement"
        ? {
            type: "CallExpression",
            callee: { type: "MemberExpression", object: el.argument, property: { type: "Identifier", name: "forEach" }, computed: false },
            arguments: [{ type: "ArrowFunctionExpression", params: [item], body: push([item]) }],
          }
        : push([el]),
    );
    return { type: "SequenceExpression", expressions: [...appends, $] };
  }
}

/** The partition key of the request being served (from the x-ms-documentdb-partitionkey header). */
const partitionOfRequest = new AsyncLocalStorage<{ key: unknown }>();

let patched = false;

function patchItems(): void {
  if (patched) return;
  patched = true;
  const require = createRequire(import.meta.url);
  const queryLib = require.resolve("@zeit/cosmosdb-query", { paths: [require.resolve("@vercel/cosmosdb-server")] });
  const fromQueryLib = createRequire(queryLib);
  const createQuery = (fromQueryLib(queryLib) as { default: (sql: string) => object }).default;
  const transform = (fromQueryLib("./transformer.js") as { default: (ast: unknown) => JsNode }).default;
  const generate = (fromQueryLib("@babel/generator") as { default: (ast: JsNode) => { code: string } }).default;
  Object.defineProperty(Object.getPrototypeOf(createQuery("SELECT * FROM c")), "code", {
    get(this: { ast: unknown; _code: string | null }) {
      if (!this._code) {
        const js = transform(this.ast);
        linearAccumulators(js);
        this._code = generate(js).code;
      }
      return this._code;
    },
  });
  const Items = (require("@vercel/cosmosdb-server/lib/account/items.js") as { default: { prototype: ItemsInternals } }).default;
  const proto = Items.prototype;
  const partitions = (self: ItemsInternals) => (self._byPartition ??= new Map());
  const originalSet = proto._set;
  proto._set = function (this: ItemsInternals, data) {
    const stored = originalSet.call(this, data);
    const rid = stored._rid as string;
    const key = this._getPartition(stored);
    let inPartition = partitions(this).get(key);
    if (!inPartition) partitions(this).set(key, (inPartition = new Map()));
    inPartition.set(rid, this._data.get(rid)!);
    return stored;
  };
  const originalDelete = proto.delete;
  proto.delete = function (this: ItemsInternals, idOrRid, partition) {
    const doc = this._item("/id", idOrRid, partition).read();
    originalDelete.call(this, idOrRid, partition);
    if (doc)
      partitions(this)
        .get(this._getPartition(doc))
        ?.delete(doc._rid as string);
  };
  const originalQuery = proto.query;
  proto.query = function (this: ItemsInternals, params, options) {
    const scope = partitionOfRequest.getStore();
    if (!scope) return originalQuery.call(this, params, options);
    // Run the library's own query over this partition's documents only.
    const all = this._data;
    this._data = partitions(this).get(scope.key) ?? new Map();
    try {
      return originalQuery.call(this, params, options);
    } finally {
      this._data = all;
    }
  };
}

function partitionKeyOf(req: IncomingMessage): { key: unknown } | undefined {
  const header = req.headers["x-ms-documentdb-partitionkey"];
  if (typeof header !== "string" || req.method !== "POST" || String(req.headers["x-ms-documentdb-isquery"]).toLowerCase() !== "true") return undefined;
  try {
    const parsed = JSON.parse(header) as unknown[];
    return Array.isArray(parsed) && parsed.length === 1 ? { key: parsed[0] } : undefined;
  } catch {
    return undefined;
  }
}

/** A query plan for a query that needs no cross-partition work (no ORDER BY, aggregate, DISTINCT or GROUP BY merging). */
const PLAIN_QUERY_PLAN = {
  partitionedQueryExecutionInfoVersion: 2,
  queryInfo: {
    distinctType: "None",
    top: null,
    offset: null,
    limit: null,
    orderBy: [],
    orderByExpressions: [],
    groupByExpressions: [],
    groupByAliases: [],
    aggregates: [],
    groupByAliasToAggregateType: {},
    rewrittenQuery: "",
    hasSelectValue: false,
    hasNonStreamingOrderBy: false,
  },
  queryRanges: [{ min: "", max: "FF", isMinInclusive: true, isMaxInclusive: false }],
};

/** An embedded store server whose queries with a partition key read that partition only. */
export function createEmbeddedStore(): Server {
  patchItems();
  const server = createHttpServer();
  const [handler] = server.listeners("request") as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (String(req.headers["x-ms-cosmos-is-query-plan-request"]).toLowerCase() === "true") {
      // The library has no query planner: it would run the query across every partition just to
      // answer the plan request. The SDK asks for a plan on every fetchAll but uses it only when
      // a partition says the query needs one, which this store never does: answer a plain plan.
      req.resume();
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(PLAIN_QUERY_PLAN));
      return;
    }
    const scope = partitionKeyOf(req);
    if (scope) partitionOfRequest.run(scope, () => handler!(req, res));
    else handler!(req, res);
  });
  return server;
}
