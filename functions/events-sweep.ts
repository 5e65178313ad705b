import type { InvocationContext, Timer } from "@azure/functions";
import { registerTimer } from "../shared/functions/registry.js";
import { services } from "../shared/services.js";
import { sweepEvents } from "../shared/operations/event-delivery.js";

/** Every minute (NCRONTAB). */
export const EVENTS_SWEEP_SCHEDULE = "0 * * * * *";

/**
 * Wakes the event worker for every tenant with pending events and every subscription with due
 * deliveries: a notification lost after its change landed, retries whose back-off ran out, and a
 * subscriber that was left alone after it stopped answering.
 */
export async function sweepEventFeed(_timer: Timer, context: InvocationContext): Promise<void> {
  const { tenants, subscriptions } = await sweepEvents(services());
  if (tenants + subscriptions > 0)
    context.debug(`Event sweep: ${tenants} tenant(s) with pending events, ${subscriptions} subscription(s) due.`);
}

registerTimer({ name: "events-sweep", schedule: EVENTS_SWEEP_SCHEDULE, handler: sweepEventFeed });
