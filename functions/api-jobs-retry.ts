import { apiFunction } from "../shared/http/admin.js";
import { retryJob } from "../shared/operations/jobs.js";

/** POST /api/admin/jobs/{id}/retry: starts a failed job again from the step that failed. */
export const retryApiJob = apiFunction(
  "api-jobs-retry",
  { methods: ["POST"], route: "admin/jobs/{id}/retry" },
  async (req) => ({
    body: { job: await retryJob(req.context, req.params.id!) },
  }),
);
