import type { InvocationContext } from "@azure/functions";
import { EVENTS_QUEUE, JOBS_CONNECTION } from "../shared/config.js";
import { registerQueue } from "../shared/functions/registry.js";
import { services } from "../shared/services.js";
import { runEventMessage } from "../shared/operations/event-delivery.js";

/**
 * The event worker: a message of the `scim-events` queue either dispatches a tenant's pending
 * events into deliveries or delivers one subscription's due deliveries (operations/event-delivery.ts).
 * A thrown error (the store failed) makes the host deliver the message again; the minute sweep
 * (events-sweep.ts) finds anything a lost or poisoned message left behind.
 */
export async function runEvents(message: unknown, context: InvocationContext): Promise<void> {
  const outcome = await runEventMessage(services(), message);
  context.debug(`events ${JSON.stringify(message)}: ${outcome}`);
}

registerQueue({ name: "events-dispatch", queueName: EVENTS_QUEUE, connection: JOBS_CONNECTION, handler: runEvents });
