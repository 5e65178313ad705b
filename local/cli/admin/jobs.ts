import { listJobs, retryJob, type JobView } from "../../../shared/operations/jobs.js";
import type { Command, OptionTable } from "./command.js";
import { UsageError, optional, required, tenantContext } from "./command.js";

/** Admin commands for background jobs: progress of role recomputations and group deletes. */

export const jobOptions: OptionTable = {
  job: { type: "string" },
};

const progress = (j: JobView) => `${j.processed}/${j.total ?? "?"}`;

function table(jobs: JobView[]): string {
  const head = ["kind", "group", "state", "processed", "started", "finished", "id", "error"];
  const rows = jobs.map((j) => [
    j.kind,
    j.groupName ?? j.groupId,
    j.state,
    progress(j),
    j.startedAt ?? "-",
    j.finishedAt ?? "-",
    j.id,
    j.error ?? "",
  ]);
  const widths = head.map((_, i) => Math.max(...[head, ...rows].map((r) => r[i]!.length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export const jobCommands: Record<string, Command> = {
  "jobs list": async (args, svc, now) => {
    const limitText = optional(args, "limit");
    const limit = limitText === undefined ? 50 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new UsageError(`--limit must be a whole number from 1 to 1000 (got "${limitText}")`);
    const jobs = await listJobs(await tenantContext(args, svc, now), limit);
    return { data: jobs, text: jobs.length ? table(jobs) : "No background jobs." };
  },

  "jobs retry": async (args, svc, now) => {
    const job = await retryJob(await tenantContext(args, svc, now), required(args, "job"));
    return { data: job, text: `Job ${job.id} is ${job.state} again from step ${job.steps} (${progress(job)}).` };
  },
};
