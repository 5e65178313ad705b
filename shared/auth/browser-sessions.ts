import type { SessionDoc, SessionStore } from "../store/sessions.js";
import { clearSessionCookie, readCookie, sessionCookie, sessionCookieName } from "./cookies.js";
import { csrfTokenFor } from "./csrf.js";
import { randomSecret, sha256Hex } from "./secrets.js";

/**
 * Server-side sessions: the cookie carries a random 256-bit id, the store only its SHA-256.
 * Idle lifetime 8 h (a working day's pauses without signing in again), absolute 12 h (one working
 * day: every morning the user goes through Entra again, which re-applies Conditional Access, MFA
 * and a disabled account). Configurable as SESSION_IDLE_MINUTES and SESSION_ABSOLUTE_HOURS.
 */
export interface SessionLifetimes {
  idleMs: number;
  absoluteMs: number;
}

const DEFAULT_SESSION_LIFETIMES: SessionLifetimes = { idleMs: 8 * 3600_000, absoluteMs: 12 * 3600_000 };

/** The idle expiry is written at most this often per session. */
const SESSION_TOUCH_INTERVAL_MS = 60_000;

export type SessionDocs = Pick<
  SessionStore,
  "createSession" | "readSession" | "touchSession" | "deleteSession" | "endUserSessions"
>;

/** A session ended for its user (endUserSessions): never live again; the caller says why. */
export interface EndedSession {
  ended: true;
  /** The stored id (the hash), to delete it at logout. */
  id: string;
  tenantId: string;
  userId: string;
}

/** A live session as a request sees it. */
export interface ResolvedSession {
  tenantId: string;
  userId: string;
  /** The CSRF token state-changing requests must send (`X-CSRF-Token`); `GET /api/me` returns it. */
  csrfToken: string;
  createdAt: string;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
}

const ttlSeconds = (until: number, now: number) => Math.max(1, Math.ceil((until - now) / 1000));

/** Starts a session for a product user; returns the `Set-Cookie` header value (the only place the id appears). */
export async function createSession(
  store: SessionDocs,
  who: { tenantId: string; userId: string },
  now: Date,
  publicBaseUrl: string,
  lifetimes: SessionLifetimes = DEFAULT_SESSION_LIFETIMES,
): Promise<{ setCookie: string; session: ResolvedSession }> {
  const sessionId = randomSecret();
  const t = now.getTime();
  const idle = t + lifetimes.idleMs;
  const absolute = t + lifetimes.absoluteMs;
  const doc: SessionDoc = {
    id: sha256Hex(sessionId),
    kind: "session",
    tenantId: who.tenantId,
    userId: who.userId,
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    idleExpiresAt: new Date(Math.min(idle, absolute)).toISOString(),
    absoluteExpiresAt: new Date(absolute).toISOString(),
    ttl: ttlSeconds(Math.min(idle, absolute), t),
  };
  await store.createSession(doc);
  return {
    setCookie: sessionCookie(sessionId, publicBaseUrl, lifetimes.absoluteMs / 1000),
    session: toResolved(doc, sessionId),
  };
}

const toResolved = (doc: SessionDoc, sessionId: string): ResolvedSession => ({
  tenantId: doc.tenantId,
  userId: doc.userId,
  csrfToken: csrfTokenFor(sessionId),
  createdAt: doc.createdAt,
  idleExpiresAt: doc.idleExpiresAt,
  absoluteExpiresAt: doc.absoluteExpiresAt,
});

/**
 * The live session a `Cookie` header names, or undefined (no cookie, unknown, idle-expired or
 * past its absolute lifetime: an expired one is deleted). Moves the idle expiry forward at most
 * once a minute, never past the absolute expiry. The caller still checks that the user may sign in
 * (a disconnected user's sessions are ended by `endUserSessions`).
 */
export async function resolveSession(
  store: SessionDocs,
  cookieHeader: string | null | undefined,
  now: Date,
  publicBaseUrl: string,
  lifetimes: SessionLifetimes = DEFAULT_SESSION_LIFETIMES,
): Promise<ResolvedSession | EndedSession | undefined> {
  const sessionId = readCookie(cookieHeader, sessionCookieName(publicBaseUrl));
  if (!sessionId) return undefined;
  const id = sha256Hex(sessionId);
  const doc = await store.readSession(id);
  if (!doc) return undefined;
  if (doc.ended) return { ended: true, id, tenantId: doc.tenantId, userId: doc.userId };
  const t = now.getTime();
  const absolute = Date.parse(doc.absoluteExpiresAt);
  if (t >= Date.parse(doc.idleExpiresAt) || t >= absolute) {
    await store.deleteSession(id);
    return undefined;
  }
  if (t - Date.parse(doc.lastSeenAt) >= SESSION_TOUCH_INTERVAL_MS) {
    const idle = Math.min(t + lifetimes.idleMs, absolute);
    doc.lastSeenAt = now.toISOString();
    doc.idleExpiresAt = new Date(idle).toISOString();
    await store.touchSession(id, doc.lastSeenAt, doc.idleExpiresAt, ttlSeconds(idle, t));
  }
  return toResolved(doc, sessionId);
}

/** Ends the session a `Cookie` header names (if any); returns the `Set-Cookie` that clears it. */
export async function endSession(
  store: SessionDocs,
  cookieHeader: string | null | undefined,
  publicBaseUrl: string,
): Promise<{ setCookie: string; ended: boolean }> {
  const sessionId = readCookie(cookieHeader, sessionCookieName(publicBaseUrl));
  const ended = sessionId ? await store.deleteSession(sha256Hex(sessionId)) : false;
  return { setCookie: clearSessionCookie(publicBaseUrl), ended };
}

/** Ends every session of a user (logout everywhere; a SCIM disconnect or delete calls it). Returns how many. */
export const endUserSessions = (store: SessionDocs, tenantId: string, userId: string): Promise<number> =>
  store.endUserSessions(tenantId, userId);
