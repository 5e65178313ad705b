import azureFunctions from "@azure/functions";
import type { StorageQueueHandler } from "@azure/functions";

/** One Storage-queue-triggered function as registered with the Functions host. */
export interface QueueRegistration {
  name: string;
  queueName: string;
  /** The app setting (prefix) of the queue's connection. */
  connection: string;
  handler: StorageQueueHandler;
}

/** Every queue-triggered function registered in this process; the local host runs these. */
export const queueRegistrations: QueueRegistration[] = [];

/** Registers a Storage queue trigger (v4 model) and records it in `queueRegistrations`. */
export function registerQueue(registration: QueueRegistration): StorageQueueHandler {
  queueRegistrations.push(registration);
  azureFunctions.app.storageQueue(registration.name, { queueName: registration.queueName, connection: registration.connection, handler: registration.handler });
  return registration.handler;
}
