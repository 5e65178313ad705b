import { apiFunction } from "../shared/http/admin.js";
import { jobsLimit, listJobs } from "../shared/operations/jobs.js";

/** GET /api/admin/jobs?limit=: the tenant's background jobs, newest first (default 50, at most 200). */
export const listApiJobs = apiFunction("api-jobs-list", { methods: ["GET"], route: "admin/jobs" }, async (req) => ({
  body: { jobs: await listJobs(req.context, jobsLimit(req.query.get("limit"))) },
}));
