import { describe, expect, it } from "vitest";
import { callBatch, fromCosmos, rememberBatchErrors } from "../../shared/store/errors.js";
import { toScimError } from "../../shared/operations/errors.js";

const SECRET_URL = "https://acct.documents.azure.com/dbs/scim/colls/tokens/docs/Hk9sT0tlbkhhc2g";
const sdkError = (code: number | string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`Request failed: ${SECRET_URL}`), { code, ...extra });

describe("fromCosmos and the SCIM mapping", () => {
  it.each<[string, unknown, string, number | undefined, string | null]>([
    ["404", sdkError(404), "NotFoundError", 404, null],
    ["412", sdkError(412), "PreconditionFailedError", 412, null],
    ["429 with a delay", sdkError(429, { retryAfterInMs: 2500 }), "ThrottledError", 429, "3"],
    ["503", sdkError(503), "UnavailableError", 503, "1"],
    ["410 (partition moved)", sdkError(410), "UnavailableError", 503, "1"],
    ["449 (retry with)", sdkError(449), "UnavailableError", 503, "1"],
    ["408", sdkError(408), "UnavailableError", 503, "1"],
    ["403/1014 (partition full)", sdkError(403, { substatus: 1014 }), "PartitionFullError", 507, null],
    [
      "a timeout",
      Object.assign(new Error(SECRET_URL), { name: "TimeoutError", code: "TimeoutError" }),
      "UnavailableError",
      503,
      "1",
    ],
    ["a reset connection", Object.assign(new Error(SECRET_URL), { code: "ECONNRESET" }), "UnavailableError", 503, "1"],
    ["an unexpected 400", sdkError(400), "Error", undefined, null],
  ])("translates %s, without the SDK's message", (_, raw, name, status, retryAfter) => {
    const typed = fromCosmos(raw);
    expect(typed.name).toBe(name);
    expect(typed.message).not.toContain("documents.azure.com");
    expect(typed.message).not.toContain("Hk9sT0tlbkhhc2g");
    const scim = toScimError(raw);
    expect(scim?.status).toBe(status);
    if (scim) expect(JSON.stringify(scim)).not.toContain("Hk9sT0tlbkhhc2g");
    expect((scim?.headers as Record<string, string> | undefined)?.["Retry-After"] ?? null).toBe(retryAfter);
  });

  it("gives a transactional batch the status of its real failure, which the SDK rethrows without it", async () => {
    const failing = () =>
      rememberBatchErrors.plugin({} as never, {} as never, async () => {
        throw sdkError(429, { retryAfterInMs: 1000 });
      });
    const error = await callBatch(async () => {
      await failing().catch(() => undefined);
      throw new Error(`Batch request error: ${SECRET_URL}`);
    }).catch((e: Error) => e);
    expect(error.name).toBe("ThrottledError");
    expect(error.message).not.toContain("Hk9sT0tlbkhhc2g");
  });
});
