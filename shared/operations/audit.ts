import type { AuditQuery } from "../store/audit-log.js";
import type { OperationContext } from "./context.js";

/** The tenant's provisioning log, newest first, paged and filtered. */
export function listAudit(ctx: OperationContext, query: AuditQuery) {
  return ctx.services.auditLog.list(ctx.tenantId, query);
}
