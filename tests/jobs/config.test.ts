import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../shared/config.js";
import { queueSettings } from "../../local/host/queue-host.js";

const base = { COSMOS_ENDPOINT: "https://acct.documents.azure.com:443/" };

describe("background job settings", () => {
  it("default to 200 members per step and groups of up to 100 members inline, with no queue", () => {
    expect(loadConfig(base).jobs).toEqual({ queue: undefined, stepSize: 200, inlineMembers: 100 });
  });

  it.each([
    [
      { JobsQueue__queueServiceUri: "https://st.queue.core.windows.net/", JobsQueue__clientId: "c1" },
      { serviceUri: "https://st.queue.core.windows.net/", clientId: "c1" },
    ],
    [{ JobsQueue: "UseDevelopmentStorage=true" }, { connectionString: "UseDevelopmentStorage=true" }],
  ])("read the queue connection %j", (env, queue) => {
    expect(loadConfig({ ...base, ...env }).jobs.queue).toEqual(queue);
  });

  it("list every invalid job setting at once", () => {
    let error: unknown;
    try {
      loadConfig({ ...base, JobsQueue__queueServiceUri: "queue", JOBS_STEP_SIZE: "5000", JOBS_INLINE_MEMBERS: "0" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'JobsQueue__queueServiceUri must be an http(s) URL (got "queue")',
      'JOBS_INLINE_MEMBERS must be a positive whole number (got "0")',
      "JOBS_STEP_SIZE must be at most 1000 (a step must finish well within the queue's visibility timeout)",
    ]);
  });
});

describe("local queue trigger settings", () => {
  it("read host.json's extensions.queues, with the host's defaults for what it leaves out", () => {
    expect(
      queueSettings({
        extensions: {
          queues: { batchSize: 4, maxDequeueCount: 5, visibilityTimeout: "00:00:10", maxPollingInterval: "00:00:02" },
        },
      }),
    ).toEqual({
      batchSize: 4,
      maxDequeueCount: 5,
      visibilityTimeoutSeconds: 10,
      maxPollingIntervalMs: 2000,
    });
    expect(queueSettings({})).toEqual({
      batchSize: 16,
      maxDequeueCount: 5,
      visibilityTimeoutSeconds: 0,
      maxPollingIntervalMs: 60_000,
    });
  });
});
