import type { HttpHandler, HttpRequest, HttpResponseInit } from "@azure/functions";
import { RateLimiter, clientIp, type RateLimit } from "../auth/rate-limit.js";
import type { Services } from "../operations/context.js";
import { OAuthError, TOKEN_PATH, issueAccessToken, type TokenRequest } from "../operations/oauth.js";
import { BodyError, bodyLimits, readBodyText } from "./body.js";
import { publicBaseUrl } from "./auth.js";
import { SCIM_PREFIX } from "./paths.js";
import { httpFunction, type HttpWrapper } from "./core.js";
import { securityHeaders } from "./security-headers.js";

/**
 * The token endpoint's HTTP side (RFC 6749 §3.2, §4.4, §5): a bounded
 * `application/x-www-form-urlencoded` body, client_secret_basic and client_secret_post, each
 * parameter at most once, answers with `Cache-Control: no-store`, errors as RFC 6749 §5.2 JSON
 * (never a 500 page), and rate limits per client address and per client ID.
 */

export const TOKEN_LIMITS = {
  /**
   * Failed client authentications per address: a burst of 60, then 60 a minute; past that a
   * failure is answered 429 instead of 401. A client that authenticates is never refused for its
   * address: Entra's requests for every customer come from Microsoft's shared addresses.
   */
  failuresPerIp: { capacity: 60, perMinute: 60 },
  /** Per client ID, counting requests that authenticated: a burst of 20, then 10 a minute. */
  perClient: { capacity: 20, perMinute: 10 },
} as const satisfies Record<string, RateLimit>;

const limiters = new WeakMap<Services, { failuresPerIp: RateLimiter; perClient: RateLimiter }>();

function limitersOf(svc: Services) {
  let l = limiters.get(svc);
  if (!l)
    limiters.set(
      svc,
      (l = {
        failuresPerIp: new RateLimiter(TOKEN_LIMITS.failuresPerIp),
        perClient: new RateLimiter(TOKEN_LIMITS.perClient),
      }),
    );
  return l;
}

const FORM_FIELDS = [
  "grant_type",
  "scope",
  "client_id",
  "client_secret",
  "client_assertion_type",
  "client_assertion",
] as const;

/** An RFC 6749 JSON answer; the core puts the API's security headers under it (tokenWrapper). */
function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      Pragma: "no-cache",
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

/** `Authorization: Basic` as RFC 6749 §2.3.1 sends it (each part form-urlencoded, then base64). */
function basicCredentials(header: string | null): TokenRequest["basic"] | "malformed" | undefined {
  if (!header) return undefined;
  const m = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) return /^basic\b/i.test(header) ? "malformed" : undefined;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return "malformed";
  try {
    const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return { clientId: unform(decoded.slice(0, colon)), clientSecret: unform(decoded.slice(colon + 1)) };
  } catch {
    return "malformed";
  }
}

/** Reads and checks the form; OAuthError invalid_request for anything but one well-formed form. */
async function readTokenRequest(request: HttpRequest, svc: Services, tenantUrl: string): Promise<TokenRequest> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded")
    throw new OAuthError(
      "invalid_request",
      `Send the token request as application/x-www-form-urlencoded (RFC 6749 §4.4.2), not ${type || "without a Content-Type"}.`,
    );
  const limits = bodyLimits("token", svc.config);
  let text: string;
  try {
    text = await readBodyText(request, limits);
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    const detail =
      error.status === 413
        ? `The token request is larger than ${limits.maxBytes} bytes; ${limits.hint}.`
        : error.detail;
    throw new OAuthError("invalid_request", detail, error.status);
  }
  const form = new URLSearchParams(text);
  const one = (name: (typeof FORM_FIELDS)[number]) => {
    const all = form.getAll(name);
    if (all.length > 1)
      throw new OAuthError("invalid_request", `The parameter ${name} is sent more than once (RFC 6749 §3.2).`);
    return all[0];
  };
  const basic = basicCredentials(request.headers.get("authorization"));
  if (basic === "malformed")
    throw Object.assign(
      new OAuthError(
        "invalid_client",
        "The Authorization header is not valid HTTP Basic (base64 of client_id:client_secret).",
      ),
      {
        basic: true,
      },
    );
  const value = (name: (typeof FORM_FIELDS)[number]) => one(name);
  const fields = Object.fromEntries(FORM_FIELDS.map((f) => [f, value(f)])) as Record<
    (typeof FORM_FIELDS)[number],
    string | undefined
  >;
  return {
    ...(fields.grant_type !== undefined ? { grantType: fields.grant_type } : {}),
    ...(fields.scope !== undefined ? { scope: fields.scope } : {}),
    ...(basic ? { basic } : {}),
    ...(fields.client_id !== undefined ? { clientId: fields.client_id } : {}),
    ...(fields.client_secret !== undefined ? { clientSecret: fields.client_secret } : {}),
    ...(fields.client_assertion_type !== undefined ? { assertionType: fields.client_assertion_type } : {}),
    ...(fields.client_assertion !== undefined ? { assertion: fields.client_assertion } : {}),
    tenantUrl,
  };
}

const limited = (seconds: number, who: "address" | "client") =>
  new OAuthError(
    "temporarily_unavailable",
    who === "client"
      ? `Too many token requests for this client; wait ${seconds} seconds and try again.`
      : `Too many failed client authentications from this address; check the Client ID and secret (or wait ${seconds} seconds).`,
    429,
    seconds,
  );

/**
 * The token endpoint: other methods get 405; a client that fails to authenticate is counted against
 * its address (429 once it has failed too often); every error is RFC 6749 §5.2 JSON, an unexpected
 * one or a store outage a 503 with the correlation id (never a 500 page).
 */
const tokenWrapper: HttpWrapper = {
  handle: async ({ request, svc, now }) => {
    if (request.method.toUpperCase() !== "POST") {
      return json(
        405,
        {
          error: "invalid_request",
          error_description:
            "The token endpoint takes POST with an application/x-www-form-urlencoded body (RFC 6749 §3.2).",
        },
        { Allow: "POST" },
      );
    }
    const req = await readTokenRequest(request, svc, `${publicBaseUrl(svc, request)}/${SCIM_PREFIX}`);
    // Counted only once the client has proved itself: someone who merely knows a client ID cannot use up its tokens.
    const admit = (clientId: string) => {
      const byClient = limitersOf(svc).perClient.take(`client:${clientId}`, now.getTime());
      if (!byClient.ok) throw limited(byClient.retryAfterSeconds, "client");
    };
    return json(200, await issueAccessToken(svc, req, now, admit));
  },
  own: (thrown, { request, context, svc, now }) => {
    let error = thrown;
    if (error instanceof OAuthError && error.error === "invalid_client") {
      const ip = clientIp(request.headers.get("x-forwarded-for"), svc.config.trustedProxyHops);
      const byIp = limitersOf(svc).failuresPerIp.take(`ip:${ip}`, now.getTime());
      if (!byIp.ok) error = limited(byIp.retryAfterSeconds, "address");
    }
    if (!(error instanceof OAuthError)) return undefined;
    if (error.status >= 500)
      context.warn(`Token request not served: ${error.error} (correlation id ${context.invocationId})`);
    // Basic when the request carries an `Authorization: Basic` header, well-formed or not.
    const viaHeader = /^basic\b/i.test(request.headers.get("authorization") ?? "");
    const headers: Record<string, string> = {
      ...(error.retryAfterSeconds !== undefined ? { "Retry-After": String(error.retryAfterSeconds) } : {}),
      ...(error.status === 401
        ? { "WWW-Authenticate": `${viaHeader ? "Basic" : "Bearer"} realm="scim-functions", error="${error.error}"` }
        : {}),
    };
    return json(error.status, { error: error.error, error_description: error.description }, headers);
  },
  refused: (known) => json(known.status, { error: "invalid_request", error_description: known.detail }, known.headers),
  failed: (correlationId, outage) =>
    json(
      503,
      {
        error: "temporarily_unavailable",
        error_description: `The token service is unavailable; try again shortly. Correlation id: ${correlationId}.`,
      },
      outage?.headers ?? { "Retry-After": "5" },
    ),
  headers: (request, svc) =>
    securityHeaders((svc?.config.publicBaseUrl ?? new URL(request.url).origin).startsWith("https:"), "api"),
};

/** Registers the token endpoint at /oauth2/token (one route for every tenant: the client ID names it); other methods get 405. */
export function tokenEndpointFunction(name: string): HttpHandler {
  return httpFunction(
    { name, methods: ["POST", "GET", "HEAD", "PUT", "PATCH", "DELETE"], route: TOKEN_PATH },
    tokenWrapper,
  );
}
