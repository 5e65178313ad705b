/**
 * The cookies of sign-in: the session cookie and the short-lived login-binding cookie that ties
 * a callback to the browser that started the login (no login CSRF with someone else's code).
 */

/** Over https: `__Host-` prefix, so the browser insists on Secure, Path=/ and no Domain. */
const SESSION_COOKIE_HTTPS = "__Host-scimf_session";
/** On plain-http localhost a browser rejects `__Host-`/Secure cookies, so this name is used there. */
const SESSION_COOKIE_HTTP = "scimf_session";
const LOGIN_COOKIE_HTTPS = "__Host-scimf_login";
const LOGIN_COOKIE_HTTP = "scimf_login";

/** Whether the public base URL is https; plain http is accepted only for localhost (development). */
export function isSecureBaseUrl(publicBaseUrl: string): boolean {
  const url = new URL(publicBaseUrl);
  if (url.protocol === "https:") return true;
  if (url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)) return false;
  throw new Error(`PUBLIC_BASE_URL must be https (or http://localhost for development), got ${url.origin}`);
}

export const sessionCookieName = (publicBaseUrl: string) =>
  isSecureBaseUrl(publicBaseUrl) ? SESSION_COOKIE_HTTPS : SESSION_COOKIE_HTTP;
export const loginCookieName = (publicBaseUrl: string) =>
  isSecureBaseUrl(publicBaseUrl) ? LOGIN_COOKIE_HTTPS : LOGIN_COOKIE_HTTP;

function serialize(name: string, value: string, publicBaseUrl: string, maxAgeSeconds: number): string {
  const parts = [
    `${name}=${value}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
  ];
  if (isSecureBaseUrl(publicBaseUrl)) parts.push("Secure");
  return parts.join("; ");
}

/**
 * `Set-Cookie` for a session. Max-Age is the absolute lifetime; the server enforces idle expiry.
 * SameSite=Lax (not Strict): the browser arrives from Entra's redirect, a cross-site top-level GET.
 */
export const sessionCookie = (sessionId: string, publicBaseUrl: string, maxAgeSeconds: number) =>
  serialize(sessionCookieName(publicBaseUrl), sessionId, publicBaseUrl, maxAgeSeconds);

export const clearSessionCookie = (publicBaseUrl: string) =>
  serialize(sessionCookieName(publicBaseUrl), "", publicBaseUrl, 0);

/** `Set-Cookie` for the login binding: lives as long as a pending login (10 minutes). */
export const loginCookie = (binding: string, publicBaseUrl: string, maxAgeSeconds: number) =>
  serialize(loginCookieName(publicBaseUrl), binding, publicBaseUrl, maxAgeSeconds);

export const clearLoginCookie = (publicBaseUrl: string) =>
  serialize(loginCookieName(publicBaseUrl), "", publicBaseUrl, 0);

/** One cookie's value from a `Cookie` header; undefined when absent, empty or not a plain token. */
export function readCookie(cookieHeader: string | null | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{20,200}$/.test(value) ? value : undefined;
  }
  return undefined;
}
