import { describe, expect, it } from "vitest";
import { withRetry } from "../../shared/operations/retry.js";
import { StaleWriteError } from "../../shared/store/resources.js";
import { ConflictError, PreconditionFailedError, UnavailableError } from "../../shared/store/errors.js";

/** Optimistic concurrency: one helper reruns load → plan → write when the loaded document went stale. */

describe("withRetry", () => {
  it("loads and plans again on fresh data after a stale write, and writes the new plan", async () => {
    const steps: string[] = [];
    let version = 0;
    const written = await withRetry(
      "updating User u1",
      async () => (steps.push(`load ${++version}`), version),
      (loaded) => (steps.push(`plan ${loaded}`), `next of ${loaded}`),
      async (plan) => {
        steps.push(`write ${plan}`);
        if (plan === "next of 1") throw new StaleWriteError("User u1");
        return plan;
      },
    );
    expect(written).toBe("next of 2");
    expect(steps).toStrictEqual(["load 1", "plan 1", "write next of 1", "load 2", "plan 2", "write next of 2"]);
  });

  it("uses what the caller loaded already for the first attempt", async () => {
    let loads = 0;
    const out = await withRetry(
      "x",
      async () => ++loads,
      (n) => n,
      async (n) => n,
      41,
    );
    expect({ out, loads }).toStrictEqual({ out: 41, loads: 0 });
  });

  it("gives up with 503 (UnavailableError, Retry-After) when every attempt is stale", async () => {
    let writes = 0;
    const error = await withRetry(
      "updating Group g1",
      async () => undefined,
      () => undefined,
      async () => {
        writes++;
        throw new StaleWriteError("Group g1");
      },
      undefined,
      4,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect({
      reason: (error as UnavailableError).reason,
      retryAfterMs: (error as UnavailableError).retryAfterMs,
      writes,
    }).toStrictEqual({
      reason: "updating Group g1: too many concurrent changes",
      retryAfterMs: 1000,
      writes: 4,
    });
  });

  it.each([
    ["a client's If-Match that does not hold (412)", new PreconditionFailedError("User u1", 'W/"a"', 'W/"b"')],
    ["a taken userName (409)", new ConflictError("User", "userName", "ann@contoso.com", "u2", false)],
  ])("does not retry %s", async (_, refusal) => {
    let attempts = 0;
    const error = await withRetry(
      "x",
      async () => ++attempts,
      () => {
        throw refusal;
      },
      async () => undefined,
    ).catch((e: unknown) => e);
    expect({ error, attempts }).toStrictEqual({ error: refusal, attempts: 1 });
  });
});
