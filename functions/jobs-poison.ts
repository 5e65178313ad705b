import type { InvocationContext } from "@azure/functions";
import { JOBS_CONNECTION, JOBS_POISON_QUEUE } from "../shared/config.js";
import { registerQueue } from "../shared/functions/registry.js";
import { services } from "../shared/services.js";
import { failPoisoned, type JobMessage } from "../shared/operations/jobs.js";

/** A step the host gave up on (moved to `scim-jobs-poison` after maxDequeueCount deliveries): its job shows failed. */
export async function failPoisonedJob(message: unknown, context: InvocationContext): Promise<void> {
  const m = message as JobMessage;
  context.warn(
    `Job ${m.jobId} of tenant ${m.tenantId}: step ${m.step} failed on every delivery; the job is failed (retry with: npm run admin -- jobs retry --tenant ${m.tenantId} --job ${m.jobId}).`,
  );
  await failPoisoned(services(), m);
}

registerQueue({
  name: "jobs-poison",
  queueName: JOBS_POISON_QUEUE,
  connection: JOBS_CONNECTION,
  handler: failPoisonedJob,
});
