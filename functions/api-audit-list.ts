import { apiFunction } from "../shared/http/admin.js";
import { auditPage } from "../shared/operations/audit.js";

/** GET /api/admin/audit?operation=&resource=&status=&from=&to=&page=&pageSize=: the provisioning log, newest first (resource: an id, a userName or a name). */
export const listApiAudit = apiFunction("api-audit-list", { methods: ["GET"], route: "admin/audit" }, async (req) => {
  const q = (name: string) => req.query.get(name);
  return {
    body: await auditPage(req.context, {
      operation: q("operation"),
      resource: q("resource"),
      status: q("status"),
      from: q("from"),
      to: q("to"),
      page: q("page"),
      pageSize: q("pageSize"),
    }),
  };
});
