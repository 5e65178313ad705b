import { AsyncLocalStorage } from "node:async_hooks";
import type { PluginConfig } from "@azure/cosmos";

/**
 * The store's typed errors. Store methods throw these, never an SDK error: `fromCosmos` turns
 * whatever @azure/cosmos throws into one of them (without the SDK's message, whose request URLs
 * can name a token's hash). Exactly one place maps them to SCIM errors: shared/operations/errors.ts.
 */
class StoreError extends Error {
  override readonly name: string = "StoreError";
}

/** The document does not exist (a genuine 404, never a failed read). */
export class NotFoundError extends StoreError {
  override readonly name = "NotFoundError";
  constructor(readonly what: string) {
    super(`${what} not found`);
  }
}

/** A unique value is held by another document. */
export class ConflictError extends StoreError {
  override readonly name = "ConflictError";
  constructor(
    readonly kind: string,
    readonly attribute: string,
    readonly value: string,
    readonly holderId: string,
    readonly caseExact: boolean,
  ) {
    super(`${kind} ${attribute} '${value}' is already used by ${kind} ${holderId}`);
  }
}

/** The document changed since the caller read it (If-Match), or a guarded write lost a race. */
export class PreconditionFailedError extends StoreError {
  override readonly name = "PreconditionFailedError";
  constructor(
    readonly what: string,
    readonly wanted?: string,
    readonly current?: string,
  ) {
    super(`${what} does not match the version the caller expected`);
  }
}

/** The store throttled the request (429) beyond what the SDK's own retries absorbed. */
export class ThrottledError extends StoreError {
  override readonly name = "ThrottledError";
  constructor(readonly retryAfterMs: number) {
    super(`the store is throttling requests; retry after ${retryAfterMs} ms`);
  }
}

/** The store is unavailable (503, timeouts, connection failures) or too contended to finish. */
export class UnavailableError extends StoreError {
  override readonly name = "UnavailableError";
  constructor(
    readonly reason: string,
    readonly retryAfterMs = 1000,
  ) {
    super(`the store is unavailable: ${reason}`);
  }
}

/** The tenant's logical partition is full (Cosmos DB caps one at 20 GB: 403 substatus 1014). */
export class PartitionFullError extends StoreError {
  override readonly name = "PartitionFullError";
  constructor() {
    super("the tenant's partition in the store is full");
  }
}

/** A query the store will not run as asked (too many matches to sort in memory). */
export class QueryTooLargeError extends StoreError {
  override readonly name = "QueryTooLargeError";
  constructor(
    readonly matches: number,
    readonly limit: number,
  ) {
    super(`the query matches ${matches} documents; at most ${limit} can be sorted`);
  }
}

/** An index page that starts deeper than the store pages (MAX_START_INDEX in resources.ts); cursors have no such limit. */
export class PageTooDeepError extends StoreError {
  override readonly name = "PageTooDeepError";
  constructor(
    readonly startIndex: number,
    readonly limit: number,
  ) {
    super(`startIndex ${startIndex} is beyond ${limit}`);
  }
}

/** The HTTP status an @azure/cosmos error carries (`code` or `statusCode`), if any. */
export function cosmosStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === "number") return e.code;
  if (typeof e.statusCode === "number") return e.statusCode;
  return undefined;
}

const substatusOf = (error: unknown) => {
  const e = error as { substatus?: unknown; headers?: Record<string, unknown> } | undefined;
  return Number(e?.substatus ?? e?.headers?.["x-ms-substatus"] ?? NaN);
};

const NETWORK = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|socket hang up|network/i;

/**
 * Translates anything the SDK threw into a typed store error; store errors pass through. A status
 * the store cannot explain (an unexpected 400, say) stays an Error without the SDK's message.
 */
export function fromCosmos(error: unknown): Error {
  if (error instanceof StoreError) return error;
  const status = cosmosStatus(error);
  const retryAfterInMs = Number((error as { retryAfterInMs?: unknown } | undefined)?.retryAfterInMs ?? NaN);
  switch (status) {
    case 404:
      return new NotFoundError("document");
    case 412:
      return new PreconditionFailedError("document");
    case 429:
      return new ThrottledError(Number.isFinite(retryAfterInMs) && retryAfterInMs > 0 ? retryAfterInMs : 1000);
    case 403:
      if (substatusOf(error) === 1014) return new PartitionFullError();
      break;
    case 408:
    case 410:
    case 449:
    case 500:
    case 502:
    case 503:
      return new UnavailableError(`the store answered ${status}`);
  }
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code;
  const text = `${typeof code === "string" ? code : ""} ${(error as { cause?: { code?: unknown } })?.cause?.code ?? ""} ${(error as Error)?.name ?? ""}`;
  if (NETWORK.test(text) || (error as Error)?.name === "AbortError" || (error as Error)?.name === "TimeoutError") {
    return new UnavailableError("the store could not be reached");
  }
  return new Error(`The store answered ${status ?? "with an unexpected error"}`);
}

/** Runs one store call and translates its failure (see `fromCosmos`). */
export async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw fromCosmos(error);
  }
}

/**
 * `items.batch` rethrows a failed transactional batch as a plain Error("Batch request error: ...")
 * without its status (429, 503, 403/1014, a timeout): read as it is, a throttled batch would be a
 * 500. This request plugin (installed first, by openCosmos) keeps the last network error of the
 * batch running in the current async context, and `callBatch` translates that one instead.
 */
const batchFailure = new AsyncLocalStorage<{ error?: unknown }>();

export const rememberBatchErrors: PluginConfig = {
  on: "request",
  plugin: async (context, _diagnostics, next) => {
    try {
      return await next(context);
    } catch (error) {
      const slot = batchFailure.getStore();
      if (slot) slot.error = error;
      throw error;
    }
  },
};

/** Runs a transactional batch; a whole-batch failure becomes the typed error of its real status. */
export async function callBatch<T>(run: () => Promise<T>): Promise<T> {
  const slot: { error?: unknown } = {};
  try {
    return await batchFailure.run(slot, run);
  } catch (error) {
    throw fromCosmos(slot.error ?? error);
  }
}
