import type { InvocationContext, Timer } from "@azure/functions";
import { registerTimer } from "../shared/functions/registry.js";
import { services } from "../shared/services.js";
import { deliverOutboxes } from "../shared/operations/audit.js";

/** Every five minutes (NCRONTAB). */
export const AUDIT_OUTBOX_SCHEDULE = "0 */5 * * * *";

/**
 * Delivers provisioning-log events that stayed in a tenant's outbox (a write delivers its own
 * event at once; this catches the ones whose delivery failed). The log shows outbox events in the
 * meantime, so nothing is missing while they wait. Store failures throw: the host retries.
 */
export async function deliverAuditOutbox(_timer: Timer, context: InvocationContext): Promise<void> {
  const { tenants, events } = await deliverOutboxes(services());
  if (events > 0)
    context.info(`Moved ${events} provisioning-log event(s) of ${tenants} tenant(s) from the outbox to the log.`);
}

registerTimer({
  name: "audit-outbox",
  schedule: AUDIT_OUTBOX_SCHEDULE,
  retry: {
    strategy: "exponentialBackoff",
    maxRetryCount: 3,
    minimumInterval: { seconds: 30 },
    maximumInterval: { minutes: 5 },
  },
  handler: deliverAuditOutbox,
});
