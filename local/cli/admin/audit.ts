import { writeFileSync } from "node:fs";
import {
  auditCsv,
  auditFilters,
  auditView,
  ignoredAttributes,
  listAudit,
  MAX_EXPORT_ROWS,
} from "../../../shared/operations/audit.js";
import type { Args, Command, OptionTable } from "./command.js";
import { optional, positive, tenantContext } from "./command.js";

/** The provisioning log. */

export const auditOptions: OptionTable = {
  resource: { type: "string" },
  operation: { type: "string" },
  status: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  limit: { type: "string" },
  page: { type: "string" },
  days: { type: "string" },
  out: { type: "string" },
};

/** The filters `audit list` and `audit export` share with the admin API (`GET /api/admin/audit`). */
const filtersOf = (args: Args) => ({
  operation: optional(args, "operation"),
  resource: optional(args, "resource"),
  status: optional(args, "status"),
  from: optional(args, "from"),
  to: optional(args, "to"),
});

/** "Job title: Engineer → Manager" per change; names only when the event kept no values. */
function changesLine(e: ReturnType<typeof auditView>): string {
  return e.changes
    .map((c) => (c.valuesKept ? `${c.label}: ${c.old ?? "(none)"} → ${c.new ?? "(none)"}` : c.label))
    .join(", ");
}

export const auditCommands: Record<string, Command> = {
  "audit list": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const limit = positive(args, "limit", 50, 1000)!;
    const page = positive(args, "page", 1, 1_000_000)!;
    const { total, events } = await listAudit(ctx, { ...(await auditFilters(ctx, filtersOf(args))), limit, page });
    const text =
      events
        .map(auditView)
        .map(
          (e) =>
            `${e.time}  ${e.status}  ${e.operation} ${e.resourceType} ${e.resourceId ?? ""}${e.resourceName ? ` (${e.resourceName})` : ""}  [${changesLine(e)}]  by ${e.tokenName}${e.detail ? `  ${e.detail}` : ""}`,
        )
        .join("\n") || "No events.";
    return { data: events, text: total > page * limit ? `${text}\n(${total} events; next: --page ${page + 1})` : text };
  },

  "audit export": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const { csv, rows, total, truncated } = await auditCsv(ctx, filtersOf(args));
    const out = optional(args, "out");
    const note = truncated
      ? `; ${total} matched, the file holds the newest ${MAX_EXPORT_ROWS}: narrow the filters (--from/--to) for the rest`
      : "";
    if (!out) return { data: { rows, total, truncated }, text: csv.trimEnd() };
    writeFileSync(out, csv);
    return { data: { rows, total, truncated, file: out }, text: `Wrote ${rows} event(s) to ${out}${note}.` };
  },

  "audit ignored": async (args, svc, now) => {
    const days = positive(args, "days", 30, 3650)!;
    const data = await ignoredAttributes(await tenantContext(args, svc, now), days);
    const lines = data.map((a) => `${a.attribute}  sent ${a.count} time(s), last ${a.lastSeen}`);
    const advice =
      "Entra sends these, and the product's schema does not define them: they are not stored. Remove their attribute mappings in Entra (Provisioning > Mappings) unless you mean to keep sending them.";
    return {
      data,
      text: lines.length
        ? `${lines.join("\n")}\n${advice}`
        : `Nothing Entra sent in the last ${days} days was ignored.`,
    };
  },
};
