import type { InvocationContext } from "@azure/functions";
import { JOBS_CONNECTION, JOBS_QUEUE, JOBS_MAX_DEQUEUE_COUNT } from "../shared/config.js";
import { registerQueue } from "../shared/functions/registry.js";
import { services } from "../shared/services.js";
import { runJobStep, type JobMessage } from "../shared/operations/jobs.js";

/**
 * The background worker: one message of the `scim-jobs` queue is one bounded step of a job
 * (operations/jobs.ts). A thrown error makes the host deliver the message again after
 * host.json's visibilityTimeout; after maxDequeueCount deliveries it goes to `scim-jobs-poison`
 * and the job shows failed with the error.
 */
export async function runJob(message: unknown, context: InvocationContext): Promise<void> {
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  const outcome = await runJobStep(services(), message as JobMessage, {
    dequeueCount,
    maxDequeueCount: JOBS_MAX_DEQUEUE_COUNT,
  });
  context.debug(`job ${(message as JobMessage).jobId} step ${(message as JobMessage).step}: ${outcome}`);
}

registerQueue({ name: "jobs-step", queueName: JOBS_QUEUE, connection: JOBS_CONNECTION, handler: runJob });
