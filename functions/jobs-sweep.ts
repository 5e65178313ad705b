import type { InvocationContext, Timer } from "@azure/functions";
import { registerTimer } from "../shared/functions/registry.js";
import { services } from "../shared/services.js";
import { sweepStalledJobs } from "../shared/operations/jobs.js";

/** Every 5 minutes (NCRONTAB). */
export const JOBS_SWEEP_SCHEDULE = "0 */5 * * * *";

/**
 * Sends again the current step of every unfinished job that has not moved for 10 minutes: a
 * message lost between a job's commit and the send of its next step (or a request whose send
 * failed after its change landed). A duplicate is harmless: the worker drops steps already done.
 */
export async function sweepJobs(_timer: Timer, context: InvocationContext): Promise<void> {
  const resent = await sweepStalledJobs(services());
  if (resent > 0) context.warn(`Sent again the current step of ${resent} stalled background job(s).`);
}

registerTimer({ name: "jobs-sweep", schedule: JOBS_SWEEP_SCHEDULE, handler: sweepJobs });
