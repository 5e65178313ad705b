import { EVENTS_QUEUE, loadConfig, type Config } from "./config.js";
import type { Services } from "./operations/context.js";
import { openCosmos, type ClientOptions } from "./store/cosmos.js";
import { AuditLogStore } from "./store/audit-log.js";
import { JobStore } from "./store/jobs.js";
import { MembershipStore } from "./store/memberships.js";
import { openJobQueue } from "./queue/jobs-queue.js";
import { ResourceStore } from "./store/resources.js";
import { SettingsStore } from "./store/settings.js";
import { TenantStore } from "./store/tenants.js";
import { TokenStore } from "./store/tokens.js";
import { OAuthStore } from "./store/oauth.js";
import { SessionStore } from "./store/sessions.js";
import { EventStore } from "./store/events.js";
import { SafetyNetStore } from "./store/safety-net.js";
import { EventSignal } from "./store/event-feed.js";
import { notifyEvents } from "./operations/events.js";

/**
 * The composition root: builds every store on one Cosmos DB client from the configuration, once
 * per process. Adapters (functions/, local/) get the services from here and hand them to operations.
 */
export function createServices(
  config: Config,
  now: () => Date = () => new Date(),
  client: ClientOptions = {},
): Services {
  const cosmos = openCosmos(config.cosmos, client);
  // Writes that land with provisioning events wake the event worker (operations/events.ts).
  const signal = new EventSignal();
  const memberships = new MembershipStore(cosmos.resources);
  const auditLog = new AuditLogStore(cosmos.auditLog, cosmos.resources);
  const built: Services = {
    config,
    tenants: new TenantStore(cosmos.tenants),
    tokens: new TokenStore(cosmos.tokens, config.tokenCacheMs),
    oauth: new OAuthStore(cosmos.oauth, config.tokenCacheMs),
    resources: new ResourceStore(cosmos.resources, memberships, auditLog, signal),
    memberships,
    auditLog,
    settings: new SettingsStore(cosmos.tenants, config.tokenCacheMs),
    sessions: new SessionStore(cosmos.sessions),
    jobs: new JobStore(cosmos.resources, auditLog, signal),
    jobQueue: openJobQueue(config.jobs.queue),
    events: new EventStore(cosmos.resources),
    eventQueue: openJobQueue(config.jobs.queue, EVENTS_QUEUE),
    safetyNet: new SafetyNetStore(cosmos.resources),
    now,
    report: (message, error) => console.error(message, error),
  };
  signal.listen((tenantId) => notifyEvents(built, tenantId));
  return built;
}

let current: Services | undefined;

/** The process's services: built from process.env on first use unless `useServices` set them. */
export function services(): Services {
  current ??= createServices(loadConfig(process.env));
  return current;
}

/** Replaces the process's services (the local host and tests). */
export function useServices(next: Services | undefined): void {
  current = next;
}
