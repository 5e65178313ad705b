/**
 * The only module that talks HTTP. Every call follows docs/admin-api.md: same-origin cookies,
 * `X-CSRF-Token` (from `GET /api/me`) on every POST/PUT/DELETE, RFC 9457 problem details on error.
 */

export interface FieldError {
  field: string;
  detail: string;
}

/** A failed call: the server's problem details, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly retryAfter: string | null = null,
  ) {
    super(detail || title);
  }

  /** The field error for `field`, if the server named one. */
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.detail;
  }
}

let csrfToken: string | null = null;
const unauthorizedListeners = new Set<() => void>();

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any call answers 401 (the session ended): the shell shows the sign-in page. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

const refusedListeners = new Set<(detail: string) => void>();

/**
 * Called with the server's reason when a call's 403 ended the session (the account was disconnected
 * or deleted in Entra mid-session): GET /api/me then answers 401. A 403 that leaves the session
 * (not an Admin, a CSRF refusal) calls nothing.
 */
export function onSessionRefused(listener: (detail: string) => void): () => void {
  refusedListeners.add(listener);
  return () => refusedListeners.delete(listener);
}

async function checkSessionAfter(refusal: ApiError): Promise<void> {
  try {
    const me = await fetch("/api/me", { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (me.status === 401) refusedListeners.forEach((l) => l(refusal.detail));
  } catch {
    /* offline: the next call says so */
  }
}

const fallbackDetail: Record<number, string> = {
  401: "You are not signed in (or your session ended). Sign in again.",
  403: "Only an Admin of this tenant can do this. Ask an Admin to map your Entra group to the Admin role.",
  404: "It no longer exists: it may have been deleted. Go back and reload the list.",
  429: "Too many requests. Wait a moment and try again.",
};

async function toError(res: Response): Promise<ApiError> {
  let body: Partial<{ title: string; detail: string; errors: FieldError[] }> = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    /* not JSON: fall back to the status text */
  }
  const retryAfter = res.headers.get("Retry-After");
  const detail =
    body.detail ??
    fallbackDetail[res.status] ??
    (res.status >= 500 ? `The server failed (${res.status}). Try again; if it persists, contact support.` : `The request was refused (${res.status}).`);
  return new ApiError(
    res.status,
    body.title ?? (res.statusText || `Error ${res.status}`),
    retryAfter && res.status === 429 ? `${detail} (retry after ${retryAfter} s)` : detail,
    Array.isArray(body.errors) ? body.errors : [],
    retryAfter,
  );
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(0, "Network error", "Could not reach the server. Check your connection and try again.");
  }
  if (!res.ok) {
    const error = await toError(res);
    if (res.status === 401 && path !== "/api/me") unauthorizedListeners.forEach((l) => l());
    if (res.status === 403 && path !== "/api/me") void checkSessionAfter(error);
    throw error;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>("GET", path, undefined, signal),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
  del: <T>(path: string) => request<T>("DELETE", path),
};

/** Builds `path?k=v&...`, leaving out empty values. */
export function withQuery(path: string, query: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

// ---- Contract types (docs/admin-api.md) ----

export type LoginType = "password" | "entra";

export type RoleSource =
  | { kind: "default" }
  | { kind: "group"; groupId?: string | null; groupName?: string | null; mapping?: { group: MappedGroupRef | string; role: string } }
  | { kind: "kept"; reason?: string; computed?: string; since?: string }
  | { kind: "admin" };

export interface TeamRef {
  id: string;
  name: string;
}

export interface Me {
  user: {
    id: string;
    userName: string;
    displayName?: string | null;
    status: string;
    objectId?: string | null;
    loginTypes: LoginType[];
    role: string;
    roleSource?: RoleSource | null;
    teams: TeamRef[];
  };
  tenant: { id: string; name: string; entraTenantId?: string | null };
  isAdmin: boolean;
  csrfToken: string;
  tenantUrl?: string;
}

export interface Token {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  status: "active" | "expired" | "revoked";
  expiresSoon: boolean;
  expiresInDays: number | null;
  audience: string | null;
  revokedAt: string | null;
}

export interface UserSummary {
  id: string;
  userName: string;
  displayName?: string | null;
  status: "active" | "disconnected";
  loginTypes: LoginType[];
  objectId: string | null;
  role: string;
  teams: TeamRef[];
}

export interface AuditEvent {
  id: string;
  time: string;
  tokenName?: string | null;
  tokenId?: string | null;
  operation: string;
  resourceType?: string | null;
  resourceId?: string | null;
  changedAttributes?: string[] | null;
  /** The resource's name when the event happened (userName, group displayName) and a User's displayName. */
  resourceName?: string | null;
  resourceDisplayName?: string | null;
  /** Each changed attribute with its display name and, when the event kept them, old and new values. */
  changes?: AuditChange[] | null;
  /** Changed attributes beyond the event's cap, whose values were not kept. */
  changesOmitted?: number | null;
  members?: { added: number; removed: number } | null;
  status: number;
  detail?: string | null;
  ignoredAttributes?: string[] | null;
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

/** GET /api/admin/audit/operations: what the log's operation filter offers. */
export interface AuditOperationInfo {
  operation: string;
  group: string;
}

export interface UserDetail extends UserSummary {
  roleSource?: RoleSource | null;
  /** Per login type: whether the user can sign in with it now (active, its own credential, the type switched on). */
  canSignIn: Record<LoginType, boolean>;
  objectIdHolders?: string[];
  history?: AuditEvent[];
  /** Every stored SCIM attribute (core, and extensions under their URN), as Entra sent them. */
  attributes: Record<string, unknown>;
  manager: { id: string; userName: string | null; displayName: string | null } | null;
  groups: { id: string; displayName: string }[];
  meta: { created: string; lastModified: string };
}

/** A user deleted through SCIM, kept (read-only) until purgeAt. */
export interface DeletedUser {
  id: string;
  userName: string;
  displayName: string | null;
  status: "deleted";
  objectId: string | null;
  deletedAt: string | null;
  purgeAt: string | null;
}

export interface Group {
  id: string;
  displayName: string;
  externalId?: string | null;
  members: number;
}

/** How a stored role mapping names its group (RoleSource.mapping): by id (and object ID), or pending by name. */
export type MappedGroupRef = { id: string; externalId?: string } | { pending: string };

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
  source: "entra" | "product";
  members: number;
  groups: MappedGroup[];
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

export interface OAuthSecretExpiring {
  clientId: string;
  clientName: string;
  secretId: string;
  expiresAt: string;
  expiresInDays: number;
}

// ---- OAuth 2.0 (Integrations → Authentication) ----

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

export interface OAuthClient {
  clientId: string;
  name: string;
  createdAt: string;
  status: "active" | "revoked";
  revokedAt: string | null;
  accessTokenLifetimeMinutes: number;
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

export interface HourBucket {
  hour: string;
  requests: number;
  failures: number;
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
  | { kind: "mapping"; groupId: string; groupName: string | null; mapping: { group: MappedGroupRef | string; role: string } }
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
  demotable: boolean;
  refusal: string | null;
  afterDemotion: { role: string; reason: RoleReason } | null;
}

/** An open invite (`GET /api/admin/invites`): never its code or link. */
export interface InviteRow {
  id: string;
  userName: string | null;
  createdAt: string;
  expiresAt: string;
  createdBy: string | null;
}
