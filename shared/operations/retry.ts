import { UnavailableError } from "../store/errors.js";
import { StaleWriteError } from "../store/resources.js";

/** Attempts of a load → plan → write before giving up with 503 (too many concurrent changes). */
const MAX_ATTEMPTS = 30;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Optimistic concurrency, the one place it lives: loads what the write needs, plans the write with
 * pure rules, and writes the plan with its preconditions (the ETags of what was loaded). When the
 * store refuses the write because a document changed since it was loaded (StaleWriteError), the
 * whole load → plan → write runs again on fresh documents, after a short jittered pause (`first`:
 * what the caller has loaded already, for the first attempt); after
 * `attempts` the caller gets UnavailableError (503 with Retry-After). Any other error (a client's
 * If-Match that does not hold, a taken userName, a throttled store) goes straight to the caller.
 */
export async function withRetry<L, P, R>(
  what: string,
  load: () => Promise<L>,
  plan: (loaded: L) => P,
  write: (plan: P, loaded: L) => Promise<R>,
  first?: L,
  attempts = MAX_ATTEMPTS,
): Promise<R> {
  for (let n = 1; ; n++) {
    const loaded = n === 1 && first !== undefined ? first : await load();
    try {
      return await write(plan(loaded), loaded);
    } catch (error) {
      if (!(error instanceof StaleWriteError)) throw error;
      if (n >= attempts) throw new UnavailableError(`${what}: too many concurrent changes`, 1000);
      await pause(Math.random() * Math.min(250, 5 * 2 ** n));
    }
  }
}
