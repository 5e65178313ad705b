import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import azureFunctions from "@azure/functions";
import { JOBS_MAX_DEQUEUE_COUNT } from "../../shared/config.js";
import { queueSettings } from "../../local/host/queue-host.js";

/** The one registry of HTTP, queue and timer functions (shared/functions/registry.ts). */

const { app } = azureFunctions;
const calls = {
  http: vi.spyOn(app, "http").mockImplementation(() => {}),
  queue: vi.spyOn(app, "storageQueue").mockImplementation(() => {}),
  timer: vi.spyOn(app, "timer").mockImplementation(() => {}),
  setup: vi.spyOn(app, "setup").mockImplementation(() => {}),
};
const root = new URL("../../", import.meta.url);
const files = readdirSync(new URL("functions/", root))
  .filter((f) => f.endsWith(".ts"))
  .sort();
const { registrations, setupApp } = await import("../../shared/functions/registry.js");
for (const file of files) await import(new URL(`functions/${file}`, root).href);
const importedAllWithoutSetup = calls.setup.mock.calls.length === 0;

const namesOf = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map((c) => c[0]).sort();

describe("the function registry", () => {
  it("records every function file's function, of all three kinds", () => {
    const names = registrations().map((r) => r.name);
    for (const file of files) expect(names).toContain(file.replace(/\.ts$/, ""));
    expect(registrations("timer").map(({ name, schedule }) => ({ name, schedule }))).toEqual([
      { name: "audit-outbox", schedule: "0 */5 * * * *" },
      { name: "events-sweep", schedule: "0 * * * * *" },
      { name: "jobs-sweep", schedule: "0 */5 * * * *" },
      { name: "token-expiry-check", schedule: "0 0 6 * * *" },
    ]);
    expect(registrations("queue").map(({ name, queueName }) => ({ name, queueName }))).toEqual([
      { name: "events-dispatch", queueName: "scim-events" },
      { name: "jobs-poison", queueName: "scim-jobs-poison" },
      { name: "jobs-step", queueName: "scim-jobs" },
    ]);
    expect(registrations("http").find((r) => r.name === "users-get")).toMatchObject({
      methods: ["GET"],
      route: "scim/v2/Users/{id}",
    });
  });

  it("registers with the Functions host exactly what it records: nothing goes around it", () => {
    expect(namesOf(calls.http)).toEqual(
      registrations("http")
        .map((r) => r.name)
        .sort(),
    );
    expect(namesOf(calls.queue)).toEqual(
      registrations("queue")
        .map((r) => r.name)
        .sort(),
    );
    expect(namesOf(calls.timer)).toEqual(
      registrations("timer")
        .map((r) => r.name)
        .sort(),
    );
  });

  it("registers timers never to run on start-up, with their retry policy", () => {
    const options = Object.fromEntries(calls.timer.mock.calls.map(([name, o]) => [name, o]));
    for (const o of Object.values(options)) expect(o).toMatchObject({ runOnStartup: false });
    expect(options["audit-outbox"]?.retry).toMatchObject({ strategy: "exponentialBackoff", maxRetryCount: 3 });
    expect(options["jobs-sweep"]).not.toHaveProperty("retry");
  });

  it("refuses a second function under a name already registered", async () => {
    const { registerTimer } = await import("../../shared/functions/registry.js");
    expect(() => registerTimer({ name: "jobs-sweep", schedule: "0 0 * * * *", handler: async () => {} })).toThrow(
      'A function named "jobs-sweep" is already registered.',
    );
  });

  it("sets the app up only when the entry point calls setupApp, not when a file is imported", () => {
    expect(importedAllWithoutSetup).toBe(true);
    setupApp();
    expect(calls.setup.mock.calls).toEqual([[{ enableHttpStream: true }]]);
    // The entry point of the deployed bundle (written by local/build/build.mjs) calls it after the imports.
    const build = readFileSync(new URL("local/build/build.mjs", root), "utf8");
    expect(build).toMatch(/import \{ setupApp \} from "\.\/shared\/functions\/registry\.ts";[\s\S]*"setupApp\(\);"/);
  });

  it("is the only file that calls app.http, app.storageQueue, app.timer or app.setup", () => {
    const sources = [
      ...files.map((f) => `functions/${f}`),
      ...readdirSync(new URL("shared/", root), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith(".ts"))
        .map((f) => `shared/${f}`),
      ...readdirSync(new URL("local/", root), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith(".ts"))
        .map((f) => `local/${f}`),
    ];
    const direct = sources.filter((f) =>
      /\bapp\.(http|storageQueue|timer|setup|generic|get|post|put|patch|deleteRequest)\(/.test(
        readFileSync(new URL(f, root), "utf8"),
      ),
    );
    expect(direct).toEqual(["shared/functions/registry.ts"]);
  });
});

describe("maxDequeueCount", () => {
  it("is host.json's value: the worker's constant and the local queue triggers agree with it", () => {
    const hostJson = JSON.parse(readFileSync(new URL("host.json", root), "utf8"));
    expect(hostJson.extensions.queues.maxDequeueCount).toBe(JOBS_MAX_DEQUEUE_COUNT);
    expect(queueSettings(hostJson).maxDequeueCount).toBe(JOBS_MAX_DEQUEUE_COUNT);
  });
});
