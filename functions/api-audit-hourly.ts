import { apiFunction } from "../shared/http/admin.js";
import { auditHourly } from "../shared/operations/audit.js";

/** GET /api/admin/audit/hourly?days=7: Entra's requests and failures per hour, zeros included. */
export const getApiAuditHourly = apiFunction(
  "api-audit-hourly",
  { methods: ["GET"], route: "admin/audit/hourly" },
  async (req) => ({
    body: await auditHourly(req.context, req.query.get("days")),
  }),
);
