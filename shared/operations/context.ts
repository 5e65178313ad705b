import type { Config } from "../config.js";
import type { AuditLogStore } from "../store/audit-log.js";
import type { JobStore } from "../store/jobs.js";
import type { MembershipStore } from "../store/memberships.js";
import type { JobQueue } from "../queue/jobs-queue.js";
import type { ResourceStore } from "../store/resources.js";
import type { SettingsStore } from "../store/settings.js";
import type { TenantStore } from "../store/tenants.js";
import type { TokenStore } from "../store/tokens.js";
import type { OAuthStore } from "../store/oauth.js";
import type { SessionStore } from "../store/sessions.js";
import type { EventStore } from "../store/events.js";
import type { SafetyNetStore } from "../store/safety-net.js";

/** Everything an operation may use, built once per process by the composition root (shared/services.ts). */
export interface Services {
  config: Config;
  tenants: TenantStore;
  tokens: TokenStore;
  /** OAuth clients of Entra provisioning and the access tokens issued to them. */
  oauth: OAuthStore;
  resources: ResourceStore;
  memberships: MembershipStore;
  auditLog: AuditLogStore;
  settings: SettingsStore;
  /** Sign-in: pending logins, browser sessions, invites. */
  sessions: SessionStore;
  /** Background jobs (operations/jobs.ts) and the queue of their steps (undefined where none is configured). */
  jobs: JobStore;
  jobQueue?: JobQueue;
  /** Event subscriptions and deliveries (operations/events.ts), and the queue that wakes their worker (undefined: none configured). */
  events: EventStore;
  eventQueue?: JobQueue;
  /** The deprovisioning safety net's hold and held deletes (operations/safety-net.ts). */
  safetyNet: SafetyNetStore;
  /** The clock; tests freeze it. */
  now: () => Date;
  /** Where problems that must not fail a request go (a log write that failed after the change landed). */
  report: (message: string, error?: unknown) => void;
}

/** Who makes a change: a SCIM token (Entra), or an admin (the CLI, the portal). */
export type Actor = { kind: "token"; tokenId: string; tokenName: string } | { kind: "admin"; id: string; name: string };

/** The admin CLI, as the provisioning log names it. */
export const ADMIN_CLI: Actor = { kind: "admin", id: "admin-cli", name: "admin-cli" };

/** The context of one operation: whose data, who asks, when, and with what. */
export interface OperationContext {
  tenantId: string;
  actor: Actor;
  now: Date;
  services: Services;
  /** The Tenant URL as clients see it, e.g. https://host/scim/v2 (for meta.location). */
  baseUrl: string;
}

/** How the provisioning log names an actor (the token fields of an event). */
export const actorFields = (actor: Actor) =>
  actor.kind === "token"
    ? { tokenName: actor.tokenName, tokenId: actor.tokenId }
    : { tokenName: actor.name, tokenId: actor.id };
