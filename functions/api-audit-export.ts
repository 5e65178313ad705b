import { apiFunction } from "../shared/http/admin.js";
import { auditCsv, MAX_EXPORT_ROWS } from "../shared/operations/audit.js";

/**
 * GET /api/admin/audit/export?operation=&resource=&status=&from=&to=: the filtered provisioning
 * log as a CSV download, newest first, at most MAX_EXPORT_ROWS (10,000) events; X-Total-Count says
 * how many matched and X-Export-Truncated is "true" when the file holds only the newest of them.
 */
export const exportApiAudit = apiFunction(
  "api-audit-export",
  { methods: ["GET"], route: "admin/audit/export" },
  async (req) => {
    const q = (name: string) => req.query.get(name);
    const { csv, total, truncated } = await auditCsv(req.context, {
      operation: q("operation"),
      resource: q("resource"),
      status: q("status"),
      from: q("from"),
      to: q("to"),
    });
    const stamp = req.context.now.toISOString().slice(0, 19).replace(/:/g, "-");
    return {
      file: {
        text: csv,
        contentType: "text/csv; charset=utf-8",
        fileName: `provisioning-log-${stamp}.csv`,
        headers: {
          "X-Total-Count": String(total),
          "X-Export-Truncated": String(truncated),
          "X-Export-Limit": String(MAX_EXPORT_ROWS),
        },
      },
    };
  },
);
