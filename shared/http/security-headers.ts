/**
 * The security headers of every response outside SCIM: the portal's JSON API (`/api/*`), the
 * sign-in routes (`/auth/*`) and the portal's static files (`/portal/*`). SCIM answers Entra,
 * not a browser, and keeps its own headers.
 */

/**
 * HTTP Strict Transport Security (RFC 6797 §6.1): a year, subdomains included. No `preload`:
 * that is a decision for whoever owns the domain, and hard to undo.
 */
export const HSTS = "max-age=31536000; includeSubDomains";

/** The CSP of JSON: nothing may load, nothing may frame it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * The CSP of an HTML page (the portal and the sign-in pages): scripts, styles, fetches and
 * forms only from this site, no plugins, no `<base>` elsewhere, no framing.
 * - `script-src 'self'`: the Vite build loads its modules from /portal/assets (no inline script;
 *   the modulepreload polyfill is off), the invite page from /auth/invite.js.
 * - `style-src 'unsafe-inline'`: Fluent UI (Griffel) inserts `<style>` elements at run time, and the
 *   sign-in pages carry `style` attributes. Styles cannot run code.
 * - `img-src`/`font-src data:`: Fluent UI's inline icons and fonts.
 * `extraFormActions` widens `form-action` for a page whose form is answered with a redirect to
 * another site (browsers check `form-action` on every redirect of a form's navigation).
 */
export function pageContentSecurityPolicy(extraFormActions: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    ["form-action 'self'", ...extraFormActions].join(" "),
    "base-uri 'self'",
  ].join("; ");
}

/**
 * The security headers of a response: `Content-Security-Policy` (for `api`: nothing loads; for a
 * `page`: see pageContentSecurityPolicy), `Referrer-Policy: no-referrer` (addresses such as
 * `/auth/callback?code=...` never reach another site), `X-Content-Type-Options: nosniff`, and
 * `Strict-Transport-Security` when the request came over https (RFC 6797 §7.2: a host sends it
 * over secure transport only).
 */
export function securityHeaders(https: boolean, kind: "api" | "page"): Record<string, string> {
  return {
    "Content-Security-Policy": kind === "api" ? API_CSP : pageContentSecurityPolicy(),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    ...(https ? { "Strict-Transport-Security": HSTS } : {}),
  };
}

/**
 * Whether a request is served over https: its own URL says so, or the configured public base URL
 * (PUBLIC_BASE_URL) is https (behind App Service's front end the worker may see plain http).
 */
export function isHttps(requestUrl: string, publicBaseUrl: string | undefined): boolean {
  if (publicBaseUrl?.toLowerCase().startsWith("https://")) return true;
  try {
    return new URL(requestUrl).protocol === "https:";
  } catch {
    return false;
  }
}
