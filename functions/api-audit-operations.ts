import { apiFunction } from "../shared/http/admin.js";
import { auditOperations } from "../shared/operations/audit.js";

/** GET /api/admin/audit/operations: every operation the provisioning log records, with its group (SCIM, Admin, ...), for the log's filter. */
export const listApiAuditOperations = apiFunction(
  "api-audit-operations",
  { methods: ["GET"], route: "admin/audit/operations" },
  async () => ({
    body: { operations: auditOperations() },
  }),
);
