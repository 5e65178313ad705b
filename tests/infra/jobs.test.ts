import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Symbolic } from "./arm.js";
import { evaluate, ofType, repoRoot, single } from "./template.js";
import {
  EVENTS_QUEUE,
  JOBS_CONNECTION,
  JOBS_MAX_DEQUEUE_COUNT,
  JOBS_POISON_QUEUE,
  JOBS_QUEUE,
} from "../../shared/config.js";

const { resources } = evaluate();
const storageAccount = single(resources, "Microsoft.Storage/storageAccounts");
const settings = single(resources, "Microsoft.Web/sites/config").properties;
const identity = single(resources, "Microsoft.ManagedIdentity/userAssignedIdentities");
const runtime = (value: unknown) => (value instanceof Symbolic ? value.text : `not runtime: ${JSON.stringify(value)}`);

describe("background job queue", () => {
  it("creates the queues the workers trigger on (jobs, provisioning events) and their poison queues, in the host's storage account", () => {
    const queues = ofType(resources, "Microsoft.Storage/storageAccounts/queueServices/queues").map((q) =>
      String(q.name),
    );
    expect(queues.sort()).toEqual(
      [
        `{${String(storageAccount.name)}}/default/${JOBS_QUEUE}`,
        `{${String(storageAccount.name)}}/default/${JOBS_POISON_QUEUE}`,
        `{${String(storageAccount.name)}}/default/${EVENTS_QUEUE}`,
        `{${String(storageAccount.name)}}/default/${EVENTS_QUEUE}-poison`,
      ].sort(),
    );
  });

  it("connects the queue trigger and the code to it with the managed identity (named connection JobsQueue)", () => {
    expect(runtime(settings[`${JOBS_CONNECTION}__queueServiceUri`])).toBe(
      `reference(Microsoft.Storage/storageAccounts/${String(storageAccount.name)}).primaryEndpoints.queue`,
    );
    expect(settings[`${JOBS_CONNECTION}__credential`]).toBe("managedidentity");
    expect(runtime(settings[`${JOBS_CONNECTION}__clientId`])).toBe(
      `reference(Microsoft.ManagedIdentity/userAssignedIdentities/${String(identity.name)}).clientId`,
    );
    expect(settings).not.toHaveProperty(JOBS_CONNECTION);
  });

  it("matches host.json's queue settings, which the worker relies on to mark a job failed on its last delivery", () => {
    const host = JSON.parse(readFileSync(join(repoRoot, "host.json"), "utf8"));
    expect(host.extensions.queues).toMatchObject({
      maxDequeueCount: JOBS_MAX_DEQUEUE_COUNT,
      messageEncoding: "base64",
    });
  });
});
