import { deriveSecret, sameSecret } from "./secrets.js";

/**
 * The CSRF token of a session: HMAC-SHA-256 of a fixed label keyed by the session id. Nothing to
 * store, no server key to manage, stable for the session's life, and unforgeable without the
 * session id (an HttpOnly cookie script cannot read). `GET /api/me` returns it.
 */
export const csrfTokenFor = (sessionId: string): string => deriveSecret(sessionId, "scimf csrf v1");

export type CsrfFailure = "origin-missing" | "origin-mismatch" | "token-missing" | "token-mismatch";

const METHODS_CHECKED = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Checks a state-changing request: `Origin` must equal the public base URL's origin and
 * `X-CSRF-Token` the session's token (both: the token stops forged requests, the Origin check
 * also stops a leaked token being used from another site). Safe methods pass. Returns the failure, or undefined.
 */
export function checkCsrf(input: {
  method: string;
  origin: string | null | undefined;
  csrfHeader: string | null | undefined;
  /** The session's token (`csrfTokenFor(sessionId)`, or a resolved session's `csrfToken`). */
  csrfToken: string;
  publicBaseUrl: string;
}): CsrfFailure | undefined {
  if (!METHODS_CHECKED.has(input.method.toUpperCase())) return undefined;
  if (!input.origin || input.origin === "null") return "origin-missing";
  if (input.origin !== new URL(input.publicBaseUrl).origin) return "origin-mismatch";
  if (!input.csrfHeader) return "token-missing";
  if (!sameSecret(input.csrfHeader, input.csrfToken)) return "token-mismatch";
  return undefined;
}

/** The problem detail for a CSRF failure (answered as 403). */
export const csrfFailureDetail: Record<CsrfFailure, string> = {
  "origin-missing": "The request has no Origin header; send it from the portal page.",
  "origin-mismatch": "The request comes from another site (its Origin is not this service's).",
  "token-missing": "The X-CSRF-Token header is missing; take csrfToken from GET /api/me.",
  "token-mismatch":
    "The X-CSRF-Token header does not match this session; reload the portal to get a fresh one from GET /api/me.",
};
