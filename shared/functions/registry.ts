import azureFunctions from "@azure/functions";
import type { HttpHandler, HttpMethod, RetryOptions, StorageQueueHandler, TimerHandler } from "@azure/functions";

/**
 * The one place that registers functions with the Functions host (v4 model) and records them, so
 * the local host serves and runs exactly what Azure does: HTTP routes, queue triggers and timers.
 * No other file calls `app.http`, `app.storageQueue`, `app.timer` or `app.setup`.
 */

/** One HTTP function (route relative to host.json's routePrefix, which is empty). */
export interface HttpRegistration {
  name: string;
  methods: HttpMethod[];
  route: string;
  handler: HttpHandler;
}

/** One Storage-queue-triggered function. */
export interface QueueRegistration {
  name: string;
  queueName: string;
  /** The app setting (prefix) of the queue's connection. */
  connection: string;
  handler: StorageQueueHandler;
}

/** One timer-triggered function. */
export interface TimerRegistration {
  name: string;
  /** NCRONTAB, six fields: second minute hour day month day-of-week (UTC unless WEBSITE_TIME_ZONE). */
  schedule: string;
  /** The host's retry policy for a run that throws; none: a failed run waits for the next occurrence. */
  retry?: RetryOptions;
  handler: TimerHandler;
}

export type FunctionRegistration =
  | ({ kind: "http" } & HttpRegistration)
  | ({ kind: "queue" } & QueueRegistration)
  | ({ kind: "timer" } & TimerRegistration);

const registered: FunctionRegistration[] = [];

/** Every function registered in this process, in order of registration. */
export function registrations(): readonly FunctionRegistration[];
export function registrations(kind: "http"): HttpRegistration[];
export function registrations(kind: "queue"): QueueRegistration[];
export function registrations(kind: "timer"): TimerRegistration[];
export function registrations(
  kind?: FunctionRegistration["kind"],
): readonly (HttpRegistration | QueueRegistration | TimerRegistration)[] {
  return kind ? registered.filter((r) => r.kind === kind) : registered;
}

function record(registration: FunctionRegistration): void {
  if (registered.some((r) => r.name === registration.name))
    throw new Error(`A function named "${registration.name}" is already registered.`);
  registered.push(registration);
}

/** Registers an HTTP function (anonymous: each wrapper authenticates) and records it. */
export function registerHttp(registration: HttpRegistration): HttpHandler {
  record({ kind: "http", ...registration });
  azureFunctions.app.http(registration.name, {
    methods: registration.methods,
    route: registration.route,
    authLevel: "anonymous",
    handler: registration.handler,
  });
  return registration.handler;
}

/** Registers a Storage queue trigger and records it; host.json's `extensions.queues` governs its deliveries. */
export function registerQueue(registration: QueueRegistration): StorageQueueHandler {
  record({ kind: "queue", ...registration });
  azureFunctions.app.storageQueue(registration.name, {
    queueName: registration.queueName,
    connection: registration.connection,
    handler: registration.handler,
  });
  return registration.handler;
}

/** Registers a timer trigger and records it. Never runs on start-up: every instance start would run it again. */
export function registerTimer(registration: TimerRegistration): TimerHandler {
  record({ kind: "timer", ...registration });
  azureFunctions.app.timer(registration.name, {
    schedule: registration.schedule,
    runOnStartup: false,
    ...(registration.retry ? { retry: registration.retry } : {}),
    handler: registration.handler,
  });
  return registration.handler;
}

/**
 * The app's start-up options, called once by the entry point after every function file has
 * registered. Request bodies arrive as streams (Functions host 4.28+), so a body over the limit is
 * refused while it arrives, and an unauthenticated request is answered before its body is read.
 */
export function setupApp(): void {
  azureFunctions.app.setup({ enableHttpStream: true });
}
