import type { AuditQuery } from "../store/audit-log.js";
import type { OperationContext } from "./context.js";

/** The tenant's provisioning log, newest first, paged and filtered. */
export function listAudit(ctx: OperationContext, query: AuditQuery) {
  return ctx.services.auditLog.list(ctx.tenantId, query);
}

const DAY_MS = 86_400_000;

/**
 * What Entra sends that the product's schema does not define, over the last `days` days: each
 * attribute (or schema URI) with how many writes carried it and when it was last seen, most
 * frequent first. The admin removes those attribute mappings in Entra, or ignores them knowingly.
 */
export async function ignoredAttributes(ctx: OperationContext, days = 30): Promise<{ attribute: string; count: number; lastSeen: string }[]> {
  const events = await ctx.services.auditLog.since(ctx.tenantId, new Date(ctx.now.getTime() - days * DAY_MS).toISOString());
  const seen = new Map<string, { attribute: string; count: number; lastSeen: string }>();
  for (const event of events) {
    for (const attribute of event.ignoredAttributes ?? []) {
      const entry = seen.get(attribute) ?? { attribute, count: 0, lastSeen: event.time };
      entry.count += 1;
      if (event.time > entry.lastSeen) entry.lastSeen = event.time;
      seen.set(attribute, entry);
    }
  }
  return [...seen.values()].sort((a, b) => b.count - a.count || a.attribute.localeCompare(b.attribute));
}
