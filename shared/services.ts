import { loadConfig, type Config } from "./config.js";
import type { Services } from "./operations/context.js";
import { openCosmos } from "./store/cosmos.js";
import { AuditLogStore } from "./store/audit-log.js";
import { JobStore } from "./store/jobs.js";
import { MembershipStore } from "./store/memberships.js";
import { openJobQueue } from "./queue/jobs-queue.js";
import { ResourceStore } from "./store/resources.js";
import { SettingsStore } from "./store/settings.js";
import { TenantStore } from "./store/tenants.js";
import { TokenStore } from "./store/tokens.js";

/**
 * The composition root: builds every store on one Cosmos DB client from the configuration, once
 * per process. Adapters (functions/, local/) get the services from here and hand them to operations.
 */
export function createServices(config: Config, now: () => Date = () => new Date()): Services {
  const cosmos = openCosmos(config.cosmos);
  const memberships = new MembershipStore(cosmos.resources);
  return {
    config,
    tenants: new TenantStore(cosmos.tenants),
    tokens: new TokenStore(cosmos.tokens, config.tokenCacheMs),
    resources: new ResourceStore(cosmos.resources, memberships),
    memberships,
    auditLog: new AuditLogStore(cosmos.resources),
    settings: new SettingsStore(cosmos.tenants, config.tokenCacheMs),
    jobs: new JobStore(cosmos.resources),
    jobQueue: openJobQueue(config.jobs.queue),
    now,
    report: (message, error) => console.error(message, error),
  };
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
