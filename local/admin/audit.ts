import { ignoredAttributes, listAudit } from "../../shared/operations/audit.js";
import type { Command, OptionTable } from "./command.js";
import { optional, positive, tenantContext } from "./command.js";

/** The provisioning log. */

export const auditOptions: OptionTable = {
  resource: { type: "string" },
  operation: { type: "string" },
  limit: { type: "string" },
  page: { type: "string" },
  days: { type: "string" },
};

export const auditCommands: Record<string, Command> = {
  "audit list": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const limit = positive(args, "limit", 50, 1000)!;
    const page = positive(args, "page", 1, 1_000_000)!;
    const { total, events } = await listAudit(ctx, { resourceId: optional(args, "resource"), operation: optional(args, "operation"), limit, page });
    const text =
      events
        .map(
          (e) =>
            `${e.time}  ${e.status}  ${e.operation} ${e.resourceType} ${e.resourceId ?? ""}  [${e.changedAttributes.join(", ")}]  by ${e.tokenName}${e.detail ? `  ${e.detail}` : ""}`,
        )
        .join("\n") || "No events.";
    return { data: events, text: total > page * limit ? `${text}\n(${total} events; next: --page ${page + 1})` : text };
  },

  "audit ignored": async (args, svc, now) => {
    const days = positive(args, "days", 30, 3650)!;
    const data = await ignoredAttributes(await tenantContext(args, svc, now), days);
    const lines = data.map((a) => `${a.attribute}  sent ${a.count} time(s), last ${a.lastSeen}`);
    const advice =
      "Entra sends these, and the product's schema does not define them: they are not stored. Remove their attribute mappings in Entra (Provisioning > Mappings) unless you mean to keep sending them.";
    return { data, text: lines.length ? `${lines.join("\n")}\n${advice}` : `Nothing Entra sent in the last ${days} days was ignored.` };
  },
};
