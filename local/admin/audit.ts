import { listAudit } from "../../shared/operations/audit.js";
import type { Command, OptionTable } from "./command.js";
import { optional, positive, tenantContext } from "./command.js";

/** The provisioning log. */

export const auditOptions: OptionTable = {
  resource: { type: "string" },
  operation: { type: "string" },
  limit: { type: "string" },
  page: { type: "string" },
};

export const auditCommands: Record<string, Command> = {
  "audit list": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const limit = positive(args, "limit", 50, 1000)!;
    const page = positive(args, "page", 1, 1_000_000)!;
    const { total, events } = await listAudit(ctx, { resourceId: optional(args, "resource"), operation: optional(args, "operation"), limit, page });
    const text =
      events
        .map((e) => `${e.time}  ${e.status}  ${e.operation} ${e.resourceType} ${e.resourceId ?? ""}  [${e.changedAttributes.join(", ")}]  by ${e.tokenName}${e.detail ? `  ${e.detail}` : ""}`)
        .join("\n") || "No events.";
    return { data: events, text: total > page * limit ? `${text}\n(${total} events; next: --page ${page + 1})` : text };
  },
};
