import type { AuditQuery } from "../store/audit-log.js";
import type { OperationContext, Services } from "./context.js";
import { tenantSettings } from "./settings.js";

/** The tenant's provisioning log, newest first, paged and filtered (within the tenant's log retention). */
export async function listAudit(ctx: OperationContext, query: AuditQuery) {
  const { auditRetentionDays } = await tenantSettings(ctx);
  return ctx.services.auditLog.list(ctx.tenantId, { ...query, now: ctx.now, retentionDays: auditRetentionDays });
}

const DAY_MS = 86_400_000;

/**
 * What Entra sends that the product's schema does not define, over the last `days` days: each
 * attribute (or schema URI) with how many writes carried it and when it was last seen, most
 * frequent first. The admin removes those attribute mappings in Entra, or ignores them knowingly.
 */
export async function ignoredAttributes(ctx: OperationContext, days = 30): Promise<{ attribute: string; count: number; lastSeen: string }[]> {
  const events = await ctx.services.auditLog.since(ctx.tenantId, new Date(ctx.now.getTime() - days * DAY_MS).toISOString(), ctx.now);
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

/**
 * Moves every outbox event that a write could not deliver at once to the log (the `audit-outbox`
 * timer runs this; in Azure a failed delivery is rare: the write delivers its own event right away).
 */
export async function deliverOutboxes(services: Services): Promise<{ tenants: number; events: number }> {
  const tenants = await services.auditLog.tenantsWithOutbox();
  let events = 0;
  for (const tenantId of tenants) events += await services.auditLog.deliver(tenantId);
  return { tenants: tenants.length, events };
}
