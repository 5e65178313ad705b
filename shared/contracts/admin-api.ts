/**
 * The admin API's response shapes (docs/admin-api.md), declared once: the operations that produce
 * them annotate their results with these types, and the portal (portal/src/api.ts) imports them.
 * Type-only and self-contained: no imports, no runtime code, nothing of Node, so both the server's
 * and the portal's compiler read this file.
 */

export type LoginType = "password" | "entra";

/** How a stored role mapping names its group: by id (and object ID), or pending by name. */
type MappedGroupRef = { id: string; externalId?: string } | { pending: string };

/** Where a user's role comes from (`GET /api/me`, `GET /api/admin/users/{id}`). */
export type RoleSource =
  | { kind: "default" }
  | { kind: "group"; groupId: string; groupName?: string; mapping: { group: MappedGroupRef; role: string } }
  | { kind: "kept"; reason: "last-admin"; computed: string; since: string }
  /** Granted by an admin or by an invite; group changes never lower it. */
  | { kind: "admin"; grantedBy: string; since: string };

interface TeamRef {
  id: string;
  name: string;
}

/** A user as the portal lists it (`GET /api/admin/users`). */
export interface UserSummary {
  id: string;
  userName: string;
  displayName: string | null;
  status: "active" | "disconnected";
  loginTypes: LoginType[];
  objectId: string | null;
  role: string;
  teams: TeamRef[];
}

/** A user deleted through SCIM, kept (read-only) until purgeAt (`GET /api/admin/users?view=deleted`). */
export interface DeletedUser {
  id: string;
  userName: string;
  displayName: string | null;
  status: "deleted";
  objectId: string | null;
  deletedAt: string | null;
  purgeAt: string | null;
}

/** `GET /api/admin/users`: one page of users, or of deleted users with `view=deleted`. */
export interface UserPage {
  total: number;
  page: number;
  pageSize: number;
  sort: "userName" | "created" | "lastModified";
  order: "asc" | "desc";
  view: "current" | "deleted";
  users: UserSummary[] | DeletedUser[];
}

/** `GET /api/me`. */
export interface Me {
  user: UserSummary & { roleSource: RoleSource };
  tenant: { id: string; name: string; entraTenantId: string | null };
  isAdmin: boolean;
  csrfToken: string;
  tenantUrl: string;
}

/** A SCIM token as the portal shows it (never its secret or hash). */
export interface Token {
  id: string;
  name: string;
  createdAt: string;
  /** Null for a token without an expiry (created before expiries were required). */
  expiresAt: string | null;
  lastUsedAt: string | null;
  status: "active" | "expired" | "revoked";
  expiresSoon: boolean;
  expiresInDays: number | null;
  audience: string | null;
  revokedAt: string | null;
}

/** `GET /api/admin/tokens`. */
export interface TokenList {
  tenantUrl: string;
  tokens: Token[];
}

/** `POST /api/admin/tokens` → 201: the secret is shown this once. */
export interface TokenCreated {
  token: Token;
  secret: string;
  tenantUrl: string;
}

export interface AuditChange {
  attribute: string;
  label: string;
  old: string | null;
  new: string | null;
  valuesKept: boolean;
  truncated: boolean;
  redacted: boolean;
}

/** An event of the provisioning log as the portal shows it (every field present, null when absent). */
export interface AuditEvent {
  id: string;
  time: string;
  tokenName: string;
  tokenId: string;
  operation: string;
  resourceType: string;
  resourceId: string | null;
  /** The resource's name when the event happened (userName, group displayName) and a User's displayName. */
  resourceName: string | null;
  resourceDisplayName: string | null;
  changedAttributes: string[];
  /** Each changed attribute with its display name and, when the event kept them, old and new values. */
  changes: AuditChange[];
  /** Changed attributes beyond the event's cap, whose values were not kept. */
  changesOmitted: number;
  members: { added: number; removed: number } | null;
  status: number;
  detail: string | null;
  ignoredAttributes: string[] | null;
  patchDialect: "default" | "rfc" | null;
}

/** `GET /api/admin/audit`. */
export interface AuditPage {
  events: AuditEvent[];
  page: number;
  pageSize: number;
  total: number;
  hasMore: boolean;
}

/** `GET /api/admin/audit/operations`: what the log's operation filter offers. */
export interface AuditOperationInfo {
  operation: string;
  group: string;
}

export interface HourBucket {
  hour: string;
  requests: number;
  failures: number;
}

/** `GET /api/admin/audit/hourly`. */
export interface AuditHourly {
  hours: HourBucket[];
}

/** `GET /api/admin/users/{id}` (and what `PUT`/`DELETE /api/admin/users/{id}/entra` answer). */
export interface UserDetail extends UserSummary {
  roleSource: RoleSource;
  /** Per login type: whether the user can sign in with it now (active, its own credential, the type switched on). */
  canSignIn: Record<LoginType, boolean>;
  objectIdHolders: string[];
  history: AuditEvent[];
  /** Every stored SCIM attribute (core, and extensions under their URN), as Entra sent them. */
  attributes: Record<string, unknown>;
  manager: { id: string; userName: string | null; displayName: string | null } | null;
  groups: { id: string; displayName: string }[];
  meta: { created: string; lastModified: string };
}

export interface Group {
  id: string;
  displayName: string;
  externalId: string | null;
  members: number;
}

/** `GET /api/admin/groups`. */
export interface GroupList {
  groups: Group[];
  total: number;
  truncated: boolean;
}

/** A mapping's group as the API shows it: `group` names it back (its id, or the pending name); `groupName` is its current name. */
export interface MappedGroup {
  group: string;
  groupId: string | null;
  groupName: string | null;
  members: number | null;
  pending: boolean;
}

export interface Team {
  id: string;
  name: string;
  /** Product teams only. */
  createdAt?: string;
  source: "entra" | "product";
  members: number;
  groups: MappedGroup[];
}

/** `GET /api/admin/teams`. */
export interface TeamList {
  teams: Team[];
}

/** What deleting a product team changes (`GET /api/admin/teams/{id}/delete-preview`): its mappings, their groups, the users who lose it. */
export interface TeamDeletePreview {
  team: { id: string; name: string };
  mappings: number;
  groups: MappedGroup[];
  users: number;
}

export interface RoleMapping extends MappedGroup {
  role: string;
}

/** `GET /api/admin/roles`. */
export interface RoleList {
  roles: string[];
  defaultRole: string;
  mappings: RoleMapping[];
}

/** `POST /api/admin/roles/preview`. */
export interface RolePreview {
  count: number;
  changes: { userId: string; userName: string; from: string; to: string }[];
  /** Users in the group. */
  members: number;
}

/** What map and unmap answer: roles changed inside the request, and the background jobs of large groups. */
export interface MappingChange {
  changed: number;
  jobs: { id: string; groupId: string }[];
}

/** `POST /api/admin/roles/map`. */
export interface RoleMapped extends MappingChange {
  mapping: { group: string; groupName: string | null; role: string; pending: boolean };
}

/** `POST /api/admin/roles/unmap`. */
export interface RoleUnmapped extends MappingChange {
  group: string;
  groups: MappedGroup[];
}

/** An active OAuth client secret expiring soon (Connection health). */
interface OAuthSecretExpiring {
  clientId: string;
  clientName: string;
  secretId: string;
  expiresAt: string;
  expiresInDays: number;
}

/** `GET /api/admin/health`: is Entra provisioning working, and what needs attention. */
export interface Health {
  lastRequestAt: string | null;
  lastSuccessAt: string | null;
  requests24h: number;
  failures24h: number;
  failureShare: number;
  patchDialects: Record<string, number>;
  expiringTokens: Token[];
  activeTokens: number;
  /** Active OAuth clients: Entra may authenticate with one of these instead of a token. */
  activeOAuthClients: number;
  /** Active OAuth client secrets expiring within 30 days. */
  oauthSecretsExpiring: OAuthSecretExpiring[];
  ignoredAttributes: { attribute: string; count: number; lastSeen: string }[];
  objectIdConflicts: { objectId: string; userIds: string[] }[];
}

/** A client secret; its value is returned only once, when it is created. */
export interface OAuthSecret {
  id: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  status: "active" | "expired" | "revoked";
  revokedAt: string | null;
  expiresSoon: boolean;
  expiresInDays: number;
}

/** A federated credential: a workload identity whose tokens the client accepts instead of a secret. */
export interface FederatedCredential {
  id: string;
  issuer: string;
  entraTenantId: string | null;
  subject: string;
  audiences: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

/** An OAuth client as the admin sees it: never a secret or a hash. */
export interface OAuthClient {
  clientId: string;
  name: string;
  createdAt: string;
  status: "active" | "revoked";
  revokedAt: string | null;
  accessTokenLifetimeMinutes: number;
  /** The latest use of any of its credentials. */
  lastUsedAt: string | null;
  secrets: OAuthSecret[];
  federatedCredentials: FederatedCredential[];
}

/** `GET /api/admin/oauth`: what Entra needs, and the clients (newest first). */
export interface OAuthSetup {
  tenantUrl: string;
  tokenEndpoint: string;
  scope: string;
  clients: OAuthClient[];
}

/** `POST /api/admin/oauth/clients` → 201. */
export interface OAuthClientCreated {
  client: OAuthClient;
  clientSecret: string;
  secretExpiresAt: string;
  tokenEndpoint: string;
  scope: string;
  tenantUrl: string;
}

/** `POST /api/admin/oauth/clients/{clientId}/secrets` → 201. */
export interface OAuthSecretCreated {
  client: OAuthClient;
  clientSecret: string;
  secret: OAuthSecret;
}

export type JobState = "queued" | "running" | "done" | "failed";

/** A background job (`GET /api/admin/jobs`): roles recomputed or memberships removed for a large group, in steps. */
export interface Job {
  id: string;
  kind: "recompute-roles" | "delete-group";
  reason: string;
  groupId: string;
  groupName?: string;
  state: JobState;
  processed: number;
  total?: number;
  steps: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  failedAttempts: number;
  startedBy: string;
}

/** Why a user holds a role (`GET /api/admin/admins`). */
export type RoleReason =
  | { kind: "invite"; grantedBy: string; since: string }
  | { kind: "granted"; grantedBy: string; since: string }
  | { kind: "mapping"; groupId: string; groupName: string | null; mapping: { group: MappedGroupRef; role: string } }
  | { kind: "kept"; since: string; computed: string }
  | { kind: "default" };

/** An Admin, why, and whether Demote is offered (`refusal` says why not). */
export interface AdminRow {
  id: string;
  userName: string;
  displayName: string | null;
  status: "active" | "disconnected";
  canSignIn: boolean;
  reason: RoleReason;
  /** Whether Demote is offered, and if not, why (the problem detail a demotion would get). */
  demotable: boolean;
  refusal: string | null;
  /** The role the user has once demoted, and why (its groups, or the default role). */
  afterDemotion: { role: string; reason: RoleReason } | null;
}

/** `GET /api/admin/admins`. */
export interface AdminList {
  role: string;
  admins: AdminRow[];
}

/** `POST /api/admin/admins/{id}/demote`. */
export interface AdminDemoted {
  user: { id: string; userName: string };
  role: string;
  reason: RoleReason;
  stillAdmin: boolean;
}

/** `POST /api/admin/admins`. */
export interface AdminGranted {
  user: { id: string; userName: string };
  role: string;
  reason: RoleReason;
  canSignIn: boolean;
}

/** An open invite (`GET /api/admin/invites`): never its code or link. */
export interface InviteRow {
  id: string;
  userName: string | null;
  createdAt: string;
  expiresAt: string;
  createdBy: string | null;
}

/** `GET /api/admin/login-types` (`PUT` answers `loginTypes` only). */
export interface LoginTypes {
  loginTypes: LoginType[];
  available: LoginType[];
  /** Per type: the active users who have it, and those of them without the other type. */
  users: Record<LoginType, { users: number; onlyThisType: number }>;
}

/** How a subscription receives events: pushed as RFC 9967 SETs (RFC 8935), pushed as signed JSON webhooks, or polled (RFC 8936). */
export type EventFormat = "set" | "webhook" | "poll";

/** `full`: events carry the resource's SCIM representation; `notice`: only its id and what changed (RFC 9967 `:full` / `:notice`). */
export type EventContent = "full" | "notice";

/** One event subscription of a tenant (`GET /api/admin/events/subscriptions`): never its secret. */
export interface SubscriptionView {
  id: string;
  format: EventFormat;
  content: EventContent;
  /** Where pushes go (`set`, `webhook`); none for `poll`. */
  url?: string;
  description?: string;
  paused: boolean;
  created: string;
  createdBy: string;
  /** When the signing secret was last rotated (the previous one still signs for 24 hours). */
  secretRotated?: string;
  stats: { pending: number; delivered: number; dead: number; lastDeliveredAt?: string; lastError?: string };
}

/** `POST /api/admin/events/subscriptions` and `.../{id}/rotate`: the signing secret, shown this once. */
export interface SubscriptionCreated {
  subscription: SubscriptionView;
  secret: string;
}

export type DeliveryState = "pending" | "delivered" | "dead";

/** One delivery of one event to one subscription (`GET /api/admin/events/deliveries`). */
export interface DeliveryView {
  id: string;
  subscriptionId: string;
  eventId: string;
  /** A provisioning event type (store/event-feed.ts), or `test` for a test event. */
  eventType: string;
  resourceType: "User" | "Group" | "Test";
  resourceId: string;
  eventTime: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt?: string;
  deliveredAt?: string;
  /** From the change to the subscriber's answer (or the poller's acknowledgement). */
  latencyMs?: number;
  lastStatus?: number;
  lastError?: string;
}

/** `GET /api/admin/events/deliveries`. */
export interface DeliveryList {
  total: number;
  deliveries: DeliveryView[];
}

/** The deprovisioning safety net of a tenant (`GET /api/admin/safety-net`). */
export interface SafetyNetView {
  settings: { enabled: boolean; sharePercent: number; minUsers: number };
  /** The last hour: users disconnected and deleted, the active users it is measured against, and the limit. */
  window: { from: string; disconnected: number; deleted: number; activeUsers: number; threshold: number };
  /** Present while deletes are held. */
  hold?: {
    since: string;
    cause: string;
    /** The held deletes, the first 1,000 of them; `total` counts them all. */
    held: { userId: string; userName: string; firstHeldAt: string; attempts: number }[];
    total: number;
  };
  /** Present while a release is in force: until then every user delete goes through. */
  release?: { at: string; until: string; by: string; held: number };
}
