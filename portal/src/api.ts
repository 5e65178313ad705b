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
    (res.status >= 500
      ? `The server failed (${res.status}). Try again; if it persists, contact support.`
      : `The request was refused (${res.status}).`);
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

// ---- Contract types: declared once, in shared/contracts/admin-api.ts (the server's operations produce them) ----

export type {
  AdminDemoted,
  AdminGranted,
  AdminList,
  AdminRow,
  AuditChange,
  AuditEvent,
  AuditOperationInfo,
  DeletedUser,
  DeliveryList,
  DeliveryState,
  DeliveryView,
  EventContent,
  EventFormat,
  FederatedCredential,
  Group,
  Health,
  HourBucket,
  InviteRow,
  Job,
  JobState,
  LoginType,
  LoginTypes,
  MappedGroup,
  MappingChange,
  Me,
  OAuthClient,
  OAuthClientCreated,
  OAuthSecret,
  OAuthSecretCreated,
  OAuthSetup,
  RoleList,
  RoleMapping,
  RolePreview,
  RoleReason,
  RoleSource,
  SafetyNetView,
  SubscriptionCreated,
  SubscriptionView,
  Team,
  TeamDeletePreview,
  Token,
  TokenCreated,
  TokenList,
  UserDetail,
  UserSummary,
} from "../../shared/contracts/admin-api.js";
