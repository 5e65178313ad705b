import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createHttpServer } from "@vercel/cosmosdb-server";
import type { CosmosClientOptions } from "@azure/cosmos";
import { Readable } from "node:stream";

/**
 * The embedded Cosmos-compatible store (@vercel/cosmosdb-server), changed where it would not keep
 * up with a real tenant:
 * - a query sent with a partition key (every query of the service is: one tenant's partition)
 *   reads only that partition's documents, as Cosmos DB does, instead of scanning every tenant's;
 * - equality and IN on a document path (`c.kind = @kind`, `c.groupId = @id`,
 *   `ARRAY_CONTAINS(@ids, c.userId)`, `c.norm.userName IN (...)`) are answered from an index kept
 *   with each write, the way Cosmos DB's index serves them: the library's own query engine then
 *   runs the whole query on the few documents the index names, so results are those of a scan
 *   (tests/local/embedded-store-index.test.ts compares both on random data and queries);
 * - `ORDER BY c.id` with TOP reads the partition in id order (kept sorted as ids come and go) and
 *   stops once the page is full, instead of filtering and sorting the whole partition;
 * - every document written or deleted is reported to a listener (the journal of store-file.ts).
 * Anything else still scans the partition.
 */

type Doc = Record<string, unknown>;

interface StoredItem {
  read(): Doc | null;
}

/** What this file keeps on each collection's documents (the library's `Items`). */
interface Extras {
  state: StoreState;
  name: string;
  /** Equality indexes, built on first use: path (JSON) -> value key -> rids. */
  indexes: Map<string, { path: string[]; byValue: Map<string, Set<string>> }>;
  /** Ids of a partition in ascending order, built on first use. */
  sortedIds: Map<unknown, string[]>;
}

interface ItemsInternals {
  _data: Map<string, StoredItem> | { values(): Iterable<StoredItem> };
  _byPartition?: Map<unknown, Map<string, StoredItem>>;
  _scim?: Extras;
  _getPartition(data: Doc): unknown;
  _getQuery(sql: string): CompiledQuery;
  _set(data: Doc): Doc;
  delete(idOrRid: string, partition: unknown): void;
  query(params: QueryParams, options: QueryOptions): QueryResult | null;
  _item(keyPath: string, value: unknown, partition: unknown): StoredItem;
  _ridCount: number;
  _rid(count: number): string;
  _self(rid: string): string;
}

interface CollectionsInternals {
  _parent: StoredItem;
  _newItem(data: Doc): { documents: ItemsInternals };
}

interface QueryParams {
  query: string;
  parameters?: { name: string; value: unknown }[];
}
interface QueryOptions {
  maxItemCount?: number | null;
  continuation?: unknown;
}
interface QueryResult {
  result: unknown[];
  continuation: unknown;
}
interface CompiledQuery {
  ast: { body: AstNode };
}

interface JsNode {
  type: string;
  [key: string]: unknown;
}
type AstNode = { type: string; [key: string]: unknown };

/** One document written (`put`, as stored) or deleted (`del`: its id), in a partition (`pk`) of a collection named "database/collection". */
export type DocumentChange =
  { collection: string; pk: unknown; put: Doc } | { collection: string; pk: unknown; del: string };

interface StoreState {
  indexed: boolean;
  collections: Map<string, ItemsInternals>;
  listener?: (change: DocumentChange) => void;
  restoring: boolean;
  /** Documents the query engine was given, over every query with a partition key (tests read it). */
  documentsRead: number;
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
    const accumulator =
      first?.type === "SpreadElement" &&
      (first.argument as JsNode).type === "Identifier" &&
      (first.argument as JsNode).name === "$";
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
            callee: {
              type: "MemberExpression",
              object: el.argument,
              property: { type: "Identifier", name: "forEach" },
              computed: false,
            },
            arguments: [{ type: "ArrowFunctionExpression", params: [item], body: push([item]) }],
          }
        : push([el]),
    );
    return { type: "SequenceExpression", expressions: [...appends, $] };
  }
}

/** The request being served: which store, and the partition key of a query (x-ms-documentdb-partitionkey). */
const requestScope = new AsyncLocalStorage<{
  state: StoreState;
  partition?: { key: unknown };
  /** An atomic transactional batch: how to undo each operation done so far. */
  batch?: (() => void)[];
}>();
const states = new WeakMap<Server, StoreState>();

// --- the index -------------------------------------------------------------------------------

/** A value as the index keys it: only strings, numbers, booleans and null (what `=` and IN compare by identity). */
function valueKey(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return `s${value}`;
    case "number":
      return `n${value}`;
    case "boolean":
      return `b${value}`;
    default:
      return value === null ? "z" : undefined;
  }
}

/** The value at a path, read as the compiled query reads `c.a.b` (`typeof x === "object" && x ? x[key] : undefined`). */
function valueAt(doc: unknown, path: string[]): unknown {
  let v = doc;
  for (const key of path) v = typeof v === "object" && v ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

function indexAdd(extras: Extras, doc: Doc, rid: string): void {
  for (const { path, byValue } of extras.indexes.values()) {
    const key = valueKey(valueAt(doc, path));
    if (key === undefined) continue;
    let rids = byValue.get(key);
    if (!rids) byValue.set(key, (rids = new Set()));
    rids.add(rid);
  }
}

function indexRemove(extras: Extras, doc: Doc, rid: string): void {
  for (const { path, byValue } of extras.indexes.values()) {
    const key = valueKey(valueAt(doc, path));
    if (key === undefined) continue;
    const rids = byValue.get(key);
    rids?.delete(rid);
    if (rids?.size === 0) byValue.delete(key);
  }
}

function indexOf(items: ItemsInternals, extras: Extras, path: string[]): Map<string, Set<string>> {
  const name = JSON.stringify(path);
  let index = extras.indexes.get(name);
  if (!index) {
    index = { path, byValue: new Map() };
    const byValue = index.byValue;
    for (const [rid, item] of items._data as Map<string, StoredItem>) {
      const key = valueKey(valueAt(item.read(), path));
      if (key === undefined) continue;
      let rids = byValue.get(key);
      if (!rids) byValue.set(key, (rids = new Set()));
      rids.add(rid);
    }
    extras.indexes.set(name, index);
  }
  return index.byValue;
}

/** First position in `ids` whose id is >= `id` (or > `id` when `after`). */
function bound(ids: string[], id: string, after: boolean): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < id || (after && ids[mid] === id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sortedIdsOf(items: ItemsInternals, extras: Extras, partition: unknown): string[] {
  let ids = extras.sortedIds.get(partition);
  if (!ids) {
    ids = [...(items._byPartition?.get(partition)?.values() ?? [])]
      .map((item) => item.read()!.id as string)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    extras.sortedIds.set(partition, ids);
  }
  return ids;
}

// --- query plans -------------------------------------------------------------------------------

type Operand = { param: string } | { value: unknown };

/** What a query's top-level WHERE conjunction says that the index can serve. */
interface Plan {
  /** Each: the document's value at `path` is one of `values` (`=`, IN) or one of the elements of `array` (ARRAY_CONTAINS). */
  conditions: ({ path: string[]; values: Operand[] } | { path: string[]; array: Operand })[];
  /** `c.id > @x`, ... */
  idRange: { op: string; operand: Operand }[];
  /** `ORDER BY c.id` (or DESC) with TOP, on a query whose rows are its documents in that order. */
  ordered?: { descending: boolean; top: Operand };
}

const plans = new WeakMap<CompiledQuery, Plan | null>();

function operandOf(node: AstNode): Operand | undefined {
  switch (node.type) {
    case "parameter_name":
      return { param: node.name as string };
    case "string_constant":
    case "number_constant":
    case "boolean_constant":
      return { value: node.value };
    case "null_constant":
      return { value: null };
    default:
      return undefined;
  }
}

/** `c.a["b"].c` as ["a", "b", "c"] when it starts at the query's alias. */
function pathOf(node: AstNode, alias: string): string[] | undefined {
  const path: string[] = [];
  let n = node;
  while (n.type === "scalar_member_expression") {
    const property = n.property as AstNode;
    if (property.type === "identifier" && !n.computed) path.unshift(property.name as string);
    else if (property.type === "string_constant" && n.computed) path.unshift(property.value as string);
    else return undefined;
    n = n.object as AstNode;
  }
  return n.type === "identifier" && n.name === alias && path.length > 0 ? path : undefined;
}

const AGGREGATES = /"name":"(COUNT|SUM|MIN|MAX|AVG)"/i;
const KNOWN_QUERY_PARTS = new Set(["type", "top", "select", "from", "where", "orderBy"]);

function planOf(query: CompiledQuery): Plan | null {
  if (plans.has(query)) return plans.get(query)!;
  const plan = makePlan(query.ast.body);
  plans.set(query, plan);
  return plan;
}

function makePlan(body: AstNode): Plan | null {
  if (body.type !== "select_query" || Object.entries(body).some(([k, v]) => !KNOWN_QUERY_PARTS.has(k) && v))
    return null;
  const from = body.from as AstNode | null;
  const source = from?.source as AstNode | undefined;
  const collection = source?.expression as AstNode | undefined;
  if (
    !source ||
    collection?.type !== "collection_expression" ||
    (collection.expression as AstNode).type !== "identifier"
  )
    return null;
  const alias = ((source.alias as AstNode | null)?.name ?? (collection.expression as AstNode).name) as string;
  const plan: Plan = { conditions: [], idRange: [] };
  const conjuncts: AstNode[] = [];
  const where = (body.where as AstNode | null)?.condition as AstNode | undefined;
  const flatten = (n: AstNode) => {
    if (n.type === "scalar_binary_expression" && String(n.operator).toUpperCase() === "AND") {
      flatten(n.left as AstNode);
      flatten(n.right as AstNode);
    } else conjuncts.push(n);
  };
  if (where) flatten(where);
  for (const c of conjuncts) {
    if (c.type === "scalar_binary_expression") {
      const op = c.operator as string;
      for (const [l, r, flipped] of [
        [c.left, c.right, false],
        [c.right, c.left, true],
      ] as [AstNode, AstNode, boolean][]) {
        const path = pathOf(l, alias);
        const operand = operandOf(r);
        if (!path || !operand) continue;
        if (op === "=") plan.conditions.push({ path, values: [operand] });
        else if (path.length === 1 && path[0] === "id" && [">", ">=", "<", "<="].includes(op)) {
          const mirrored = { ">": "<", ">=": "<=", "<": ">", "<=": ">=" }[op]!;
          plan.idRange.push({ op: flipped ? mirrored : op, operand });
        }
        break;
      }
    } else if (
      c.type === "scalar_in_expression" &&
      !Object.keys(c).some((k) => !["type", "value", "list"].includes(k))
    ) {
      const path = pathOf(c.value as AstNode, alias);
      const values = (c.list as AstNode[]).map(operandOf);
      if (path && values.every((v) => v !== undefined)) plan.conditions.push({ path, values: values as Operand[] });
    } else if (
      c.type === "scalar_function_expression" &&
      String((c.name as AstNode).name).toUpperCase() === "ARRAY_CONTAINS"
    ) {
      const [array, item, ...rest] = c.arguments as AstNode[];
      const path = item && pathOf(item, alias);
      const operand = array && operandOf(array);
      if (path && operand && rest.length === 0) plan.conditions.push({ path, array: operand });
    }
  }
  const orders = ((body.orderBy as AstNode | null)?.expressions ?? []) as AstNode[];
  const top = (body.top as AstNode | null)?.value as AstNode | undefined;
  const select = body.select as AstNode;
  const topOperand = top && operandOf(top);
  const idOrder = orders.length === 1 && JSON.stringify(pathOf(orders[0]!.expression as AstNode, alias)) === '["id"]';
  const plain =
    (from!.joins as unknown[]).length === 0 &&
    !AGGREGATES.test(JSON.stringify(select)) &&
    !Object.entries(select).some(([k, v]) => k === "distinct" && v);
  if (idOrder && topOperand && plain)
    plan.ordered = { descending: String(orders[0]!.order).toUpperCase() === "DESC", top: topOperand };
  return plan.conditions.length > 0 || plan.ordered ? plan : null;
}

const NOT_BOUND = Symbol("not bound");

function resolve(operand: Operand, params: QueryParams): unknown {
  if ("value" in operand) return operand.value;
  const found = params.parameters?.find((p) => p.name === operand.param);
  return found ? found.value : NOT_BOUND;
}

/** The documents a query can match, by the index: a set of rids per value (disjoint: a document has one value at a path). */
interface Candidates {
  sets: Set<string>[];
  size: number;
}

/**
 * The documents a query can match, from the index: those of the indexed condition naming the
 * fewest, or undefined when no condition applies. A superset of the matches, never fewer: the
 * query itself still tests every condition.
 */
function candidates(items: ItemsInternals, extras: Extras, plan: Plan, params: QueryParams): Candidates | undefined {
  let best: Candidates | undefined;
  for (const condition of plan.conditions) {
    let values: unknown[];
    if ("array" in condition) {
      const array = resolve(condition.array, params);
      if (!Array.isArray(array)) continue;
      values = array;
    } else values = condition.values.map((v) => resolve(v, params));
    const keys = values.map(valueKey);
    if (keys.some((k) => k === undefined)) continue;
    const index = indexOf(items, extras, condition.path);
    const sets = [...new Set(keys as string[])]
      .map((k) => index.get(k))
      .filter((s): s is Set<string> => s !== undefined);
    const size = sets.reduce((n, s) => n + s.size, 0);
    if (!best || size < best.size) best = { sets, size };
  }
  return best;
}

/**
 * The candidates' documents in this partition. In any order: the query engine sorts what it reads
 * by `_rid` (or by the ORDER BY), so the order it is given never shows in an answer.
 */
function candidateDocs(found: Candidates, partition: Map<string, StoredItem>): StoredItem[] {
  const docs: StoredItem[] = [];
  for (const rids of found.sets) {
    for (const rid of rids) {
      const item = partition.get(rid);
      if (item) docs.push(item);
    }
  }
  return docs;
}

/** Runs the library's query over `docs` only. */
function runOn(
  items: ItemsInternals,
  docs: StoredItem[] | Map<string, StoredItem>,
  run: () => QueryResult | null,
): QueryResult | null {
  const all = items._data;
  if (items._scim) items._scim.state.documentsRead += Array.isArray(docs) ? docs.length : docs.size;
  items._data = { values: () => docs.values() };
  try {
    return run();
  } finally {
    items._data = all;
  }
}

function indexedQuery(
  items: ItemsInternals,
  extras: Extras,
  plan: Plan,
  partitionKey: unknown,
  partition: Map<string, StoredItem>,
  params: QueryParams,
  options: QueryOptions,
  run: (options: QueryOptions) => QueryResult | null,
): QueryResult | null {
  const found = candidates(items, extras, plan, params);
  const top = plan.ordered ? resolve(plan.ordered.top, params) : undefined;
  // Few candidates, or no order to follow: the query runs on the candidates.
  if (
    !plan.ordered ||
    typeof top !== "number" ||
    !Number.isInteger(top) ||
    top < 0 ||
    (found && found.size <= 4 * top + 64)
  ) {
    return runOn(items, found ? candidateDocs(found, partition) : partition, () => run(options));
  }
  // ORDER BY c.id with TOP: documents in id order from the range's start, more each round until
  // the page is full. The first k documents in id order hold the first `top` matches whenever
  // they hold `top` matches at all.
  const ids = sortedIdsOf(items, extras, partitionKey);
  let lo = 0;
  let hi = ids.length;
  for (const { op, operand } of plan.idRange) {
    const id = resolve(operand, params);
    if (typeof id !== "string") return runOn(items, partition, () => run(options));
    if (op === ">") lo = Math.max(lo, bound(ids, id, true));
    if (op === ">=") lo = Math.max(lo, bound(ids, id, false));
    if (op === "<") hi = Math.min(hi, bound(ids, id, false));
    if (op === "<=") hi = Math.min(hi, bound(ids, id, true));
  }
  const docs: StoredItem[] = [];
  let at = plan.ordered.descending ? hi - 1 : lo;
  const step = plan.ordered.descending ? -1 : 1;
  let want = Math.max(2 * top, 64);
  for (;;) {
    while (docs.length < want && at >= lo && at < hi) {
      const item = items._item("/id", ids[at]!, partitionKey);
      at += step;
      const doc = item.read();
      if (!doc || (found && !found.sets.some((s) => s.has(doc._rid as string)))) continue;
      docs.push(item);
    }
    const result = runOn(items, docs, () => run(options));
    if (at < lo || at >= hi) return result;
    const rows =
      !options.continuation && !result!.continuation
        ? result!.result.length
        : runOn(items, docs, () => run({}))!.result.length;
    if (rows >= top) return result;
    want *= 4;
  }
}

// --- the patches -----------------------------------------------------------------------------

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
  // Each collection's documents are tagged with the store they belong to when the collection is made.
  const Collections = (
    require("@vercel/cosmosdb-server/lib/account/collections.js") as { default: { prototype: CollectionsInternals } }
  ).default;
  const originalNewItem = Collections.prototype._newItem;
  Collections.prototype._newItem = function (this: CollectionsInternals, data) {
    const collection = originalNewItem.call(this, data);
    const state = requestScope.getStore()?.state;
    if (state && data) {
      const name = `${(this._parent.read() as Doc).id}/${data.id}`;
      collection.documents._scim = { state, name, indexes: new Map(), sortedIds: new Map() };
      state.collections.set(name, collection.documents);
    }
    return collection;
  };

  rollBackFailedBatches(require);

  const Items = (require("@vercel/cosmosdb-server/lib/account/items.js") as { default: { prototype: ItemsInternals } })
    .default;
  const proto = Items.prototype;
  const partitions = (self: ItemsInternals) => (self._byPartition ??= new Map());
  const originalSet = proto._set;
  proto._set = function (this: ItemsInternals, data) {
    const stored = originalSet.call(this, data);
    const rid = stored._rid as string;
    const key = this._getPartition(stored);
    let inPartition = partitions(this).get(key);
    if (!inPartition) partitions(this).set(key, (inPartition = new Map()));
    const item = (this._data as Map<string, StoredItem>).get(rid)!;
    const extras = this._scim;
    if (extras) {
      indexAdd(extras, stored, rid);
      const ids = extras.sortedIds.get(key);
      if (ids && !inPartition.has(rid)) {
        const id = stored.id as string;
        const at = bound(ids, id, false);
        if (ids[at] !== id) ids.splice(at, 0, id);
      }
      if (!extras.state.restoring) extras.state.listener?.({ collection: extras.name, pk: key, put: stored });
    }
    inPartition.set(rid, item);
    return stored;
  };
  const originalDelete = proto.delete;
  proto.delete = function (this: ItemsInternals, idOrRid, partition) {
    const doc = this._item("/id", idOrRid, partition).read();
    originalDelete.call(this, idOrRid, partition);
    if (!doc) return;
    const rid = doc._rid as string;
    const key = this._getPartition(doc);
    partitions(this).get(key)?.delete(rid);
    const extras = this._scim;
    if (extras) {
      indexRemove(extras, doc, rid);
      const ids = extras.sortedIds.get(key);
      if (ids) {
        const at = bound(ids, doc.id as string, false);
        if (ids[at] === doc.id) ids.splice(at, 1);
      }
      if (!extras.state.restoring) extras.state.listener?.({ collection: extras.name, pk: key, del: doc.id as string });
    }
  };
  const originalQuery = proto.query;
  proto.query = function (this: ItemsInternals, params, options) {
    const scope = requestScope.getStore()?.partition;
    if (!scope) return originalQuery.call(this, params, options);
    const partition = partitions(this).get(scope.key) ?? new Map<string, StoredItem>();
    const run = (opts: QueryOptions) => originalQuery.call(this, params, opts);
    const extras = this._scim;
    const plan = extras?.state.indexed ? planOf(this._getQuery(params.query)) : null;
    // Run the library's own query over this partition's documents only (or the index's candidates).
    if (!extras || !plan) return runOn(this, partition, () => run(options));
    return indexedQuery(this, extras, plan, scope.key, partition, params, options, run);
  };
}

type BatchOperation = (collection: BatchCollection, input: BatchInput) => { statusCode: number };
interface BatchInput {
  id?: string;
  partitionKey?: unknown;
  resourceBody?: Doc;
}
interface BatchCollection {
  document(id: string, partitionKey: unknown): { read(): Doc | undefined };
}

/**
 * Transactional batches all or nothing, as in Cosmos DB: the library runs a batch's operations one
 * by one and leaves the ones before a failed operation written. Each write operation of an atomic
 * batch (the request scope says so) records how to undo itself; the first failed one undoes them,
 * last first. (A restored document gets a new _etag; no client ever saw the batch's own.)
 */
function rollBackFailedBatches(require: NodeJS.Require): void {
  const ops = require("@vercel/cosmosdb-server/lib/handler/_document-operations.js") as Record<string, BatchOperation>;
  const { parsePartitionKey } = require("@vercel/cosmosdb-server/lib/utils/get-partition-from-header.js") as {
    parsePartitionKey: (header: unknown, id: string) => unknown;
  };
  const original = { ...ops } as Record<
    "createOperation" | "replaceOperation" | "upsertOperation" | "deleteOperation",
    BatchOperation
  >;
  for (const name of ["createOperation", "replaceOperation", "upsertOperation", "deleteOperation"] as const) {
    ops[name] = (collection, input) => {
      const undo = requestScope.getStore()?.batch;
      if (!undo) return original[name](collection, input);
      const id = (input.id ?? input.resourceBody?.id) as string;
      const before = collection.document(id, parsePartitionKey(input.partitionKey, id)).read();
      const result = original[name](collection, input);
      if (result.statusCode >= 400) {
        for (const step of undo.splice(0).reverse()) step();
        return result;
      }
      const pk = input.partitionKey;
      const kept = before ? ({ ...before } as Doc) : undefined;
      undo.push(() =>
        kept
          ? name === "deleteOperation"
            ? original.createOperation(collection, { partitionKey: pk, resourceBody: kept })
            : original.replaceOperation(collection, { partitionKey: pk, resourceBody: kept })
          : original.deleteOperation(collection, { id, partitionKey: pk }),
      );
      return result;
    };
  }
}

function partitionKeyOf(req: IncomingMessage): { key: unknown } | undefined {
  const header = req.headers["x-ms-documentdb-partitionkey"];
  if (
    typeof header !== "string" ||
    req.method !== "POST" ||
    String(req.headers["x-ms-documentdb-isquery"]).toLowerCase() !== "true"
  )
    return undefined;
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

export interface EmbeddedStoreOptions {
  /** Serve equality, IN and ORDER BY c.id from the index (default); false: scan every partition (tests compare both). */
  indexed?: boolean;
}

/** An embedded store server whose queries with a partition key read that partition only, through the index. */
export function createEmbeddedStore(options: EmbeddedStoreOptions = {}): Server {
  patchItems();
  const state: StoreState = {
    indexed: options.indexed ?? true,
    collections: new Map(),
    restoring: false,
    documentsRead: 0,
  };
  // Keep-alive, as Cosmos DB's gateway keeps connections: without it the library answers
  // `Connection: close` and every store round trip opens a new TCP connection (a third of a lookup's CPU).
  const server = createHttpServer({ keepAlive: true });
  states.set(server, state);
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
    const atomic = String(req.headers["x-ms-cosmos-batch-atomic"]).toLowerCase() === "true";
    requestScope.run({ state, partition: partitionKeyOf(req), ...(atomic ? { batch: [] } : {}) }, () =>
      handler!(req, res),
    );
  });
  return server;
}

/** The documents of an embedded store, for its file (store-file.ts): read, restored, and watched as they change. */
export interface EmbeddedDocuments {
  /** Its collections, as "database/collection" (those created so far). */
  collections(): string[];
  /** Every document of a collection as stored (system properties included), with its partition key. */
  documents(collection: string): { pk: unknown; doc: Doc }[];
  /**
   * Puts documents back as they were (their `_etag` and `_ts` kept, a new `_rid`), without
   * reporting them as changes; a document with the same id in its partition is replaced (unless
   * `replace` is false: the caller knows there is none).
   */
  restore(collection: string, docs: Iterable<Doc>, replace?: boolean): number;
  /** Deletes a document if it is there, without reporting it as a change. */
  remove(collection: string, pk: unknown, id: string): void;
  /** Reports every document written or deleted from now on, synchronously (undefined: stop). */
  watch(listener: ((change: DocumentChange) => void) | undefined): void;
  /** How many documents queries with a partition key have read so far (what the index saves). */
  documentsRead(): number;
}

export function embeddedDocuments(server: Server): EmbeddedDocuments {
  const state = states.get(server);
  if (!state) throw new Error("not an embedded store server");
  const items = (collection: string) => {
    const found = state.collections.get(collection);
    if (!found) throw new Error(`the embedded store has no collection ${collection}`);
    return found;
  };
  return {
    collections: () => [...state.collections.keys()],
    documents(collection) {
      const source = items(collection);
      return [...(source._data as Map<string, StoredItem>).values()].map((item) => {
        const doc = item.read()!;
        return { pk: source._getPartition(doc), doc };
      });
    },
    restore(collection, docs, replace = true) {
      const target = items(collection);
      let count = 0;
      state.restoring = true;
      try {
        for (const doc of docs) {
          const partition = target._getPartition(doc);
          if (replace && target._item("/id", doc.id as string, partition).read())
            target.delete(doc.id as string, partition);
          target._ridCount += 1;
          const _rid = target._rid(target._ridCount);
          target._set({ ...doc, _rid, _self: target._self(_rid) });
          count++;
        }
      } finally {
        state.restoring = false;
      }
      return count;
    },
    remove(collection, pk, id) {
      const target = items(collection);
      state.restoring = true;
      try {
        if (target._item("/id", id, pk).read()) target.delete(id, pk);
      } finally {
        state.restoring = false;
      }
    },
    watch(listener) {
      state.listener = listener;
    },
    documentsRead: () => state.documentsRead,
  };
}

type InProcessClient = NonNullable<CosmosClientOptions["httpClient"]>;
type PipelineRequest = Parameters<InProcessClient["sendRequest"]>[0];
type PipelineResponse = Awaited<ReturnType<InProcessClient["sendRequest"]>>;

/** Response headers as the SDK's pipeline reads them (names lowercased). */
function pipelineHeaders(values: Map<string, string>): PipelineResponse["headers"] {
  return {
    get: (name) => values.get(name.toLowerCase()),
    has: (name) => values.has(name.toLowerCase()),
    set: (name, value) => void values.set(name.toLowerCase(), String(value)),
    delete: (name) => void values.delete(name.toLowerCase()),
    toJSON: () => Object.fromEntries(values),
    [Symbol.iterator]: () => values.entries(),
  };
}

/**
 * An HTTP client for the Cosmos SDK that hands each request to the embedded store's handler in
 * this process, without a socket: the same handler, headers and bodies as over HTTP (and counted
 * by the server's "request" listeners), without two HTTP exchanges per store call. The SDK's own
 * work (signing, retries, plugins, parsing) is unchanged. The store still listens for the admin CLI.
 */
export function inProcessClient(server: Server): InProcessClient {
  return {
    sendRequest: (request: PipelineRequest) =>
      new Promise<PipelineResponse>((resolve, reject) => {
        if (request.body !== undefined && request.body !== null && typeof request.body !== "string") {
          reject(new Error("the in-process store client sends only string bodies"));
          return;
        }
        const url = new URL(request.url);
        const body = request.body ? [Buffer.from(request.body)] : [];
        const req = Object.assign(Readable.from(body), {
          method: request.method,
          url: url.pathname + url.search,
          headers: { ...request.headers.toJSON(), host: url.host, "content-length": String(body[0]?.length ?? 0) },
        });
        const headers = new Map<string, string>();
        const res = {
          statusCode: 200,
          finished: false,
          setHeader: (name: string, value: unknown) => void headers.set(name.toLowerCase(), String(value)),
          getHeader: (name: string) => headers.get(name.toLowerCase()),
          writeHead(status: number, more: Record<string, unknown> = {}) {
            res.statusCode = status;
            for (const [k, v] of Object.entries(more)) res.setHeader(k, v);
            return res;
          },
          end(text?: string | Buffer) {
            res.finished = true;
            resolve({
              request,
              status: res.statusCode,
              headers: pipelineHeaders(headers),
              bodyAsText: text === undefined ? "" : String(text),
            });
          },
        };
        server.emit("request", req, res);
      }),
  };
}
