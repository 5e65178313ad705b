import { UnavailableError, cosmosStatus, fromCosmos } from "./errors.js";

/**
 * Thrown inside `withRetries` to say "try again": another writer got there first (read again and
 * retry), or the store answered a transient status (503, 410, 449, 408) for part of a request.
 * `afterMs` is the delay the store asked for; `last` is what the caller gets when the attempts
 * run out (by default 503: too many concurrent changes).
 */
export class Retry extends Error {
  override readonly name = "Retry";
  constructor(
    readonly afterMs?: number,
    readonly last?: Error,
  ) {
    super("retry");
  }
}

export interface RetryOptions {
  /** Attempts before giving up with 503 (UnavailableError). */
  attempts: number;
  /** Longest back-off between attempts, in ms (full jitter, exponential from 5 ms). */
  maxDelayMs?: number;
  /** What the caller was doing, for the error when the attempts run out. */
  what: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The store's one retry loop, for optimistic concurrency: `attempt(n)` runs (n from 1) until it
 * returns; throwing `Retry` runs it again after a jittered back-off; anything else propagates. When
 * the attempts are used up the caller gets UnavailableError (503 with Retry-After): the resource
 * is being changed by too many requests at once. Throttling is not retried here: the SDK's retry
 * policy (see cosmos.ts) already waited as long as a request may, for bulk operations too.
 */
export async function withRetries<T>(options: RetryOptions, attempt: (n: number) => Promise<T>): Promise<T> {
  const maxDelay = options.maxDelayMs ?? 250;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof Retry)) throw error;
      if (n >= options.attempts)
        throw error.last ?? new UnavailableError(`${options.what}: too many concurrent changes`, 1000);
      await pause(error.afterMs ?? Math.random() * Math.min(maxDelay, 5 * 2 ** n));
    }
  }
}

/**
 * Runs a read again when the store was briefly unavailable (503, timeouts): a read changes nothing,
 * so repeating it is always safe, and with one region the SDK does not repeat it (it retries only
 * 429s). Three attempts, 10 and 20 ms apart; then the caller gets the UnavailableError (503).
 * Writes are not repeated here: one whose reply was lost may have landed, and its caller decides.
 */
export async function idempotent<T>(run: () => Promise<T>): Promise<T> {
  return withRetries({ attempts: 3, what: "reading" }, async (n) => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof UnavailableError) throw new Retry(10 * n, error);
      throw error;
    }
  });
}

/** Runs a read: a genuine 404 is `undefined`; every other failure is an error, never "not there". */
export async function read<T>(run: () => Promise<{ resource?: T; statusCode?: number }>): Promise<T | undefined> {
  return idempotent(async () => {
    try {
      const response = await run();
      return response.resource;
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw fromCosmos(error);
    }
  });
}
