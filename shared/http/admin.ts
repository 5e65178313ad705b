import type { HttpHandler, HttpMethod, HttpRequest, HttpResponseInit } from "@azure/functions";
import { endUserSessions, resolveSession, type ResolvedSession } from "../auth/browser-sessions.js";
import { checkCsrf, csrfFailureDetail } from "../auth/csrf.js";
import { clearSessionCookie } from "../auth/cookies.js";
import type { ScimError } from "../scim/errors.js";
import type { OperationContext, Services } from "../operations/context.js";
import { OperationError } from "../operations/errors.js";
import { sessionUser } from "../operations/sign-in.js";
import { isTenantAdmin } from "../operations/admins.js";
import { SCIM_PREFIX } from "./scim.js";
import { publicBaseUrl, sessionLifetimes, toCookie } from "./auth.js";
import { httpFunction, type HttpWrapper } from "./core.js";
import { isHttps, securityHeaders } from "./security-headers.js";
import { BodyError, bodyLimits, readJsonBody } from "./body.js";

/**
 * The wrapper of the portal's JSON API (`/api/me`, `/api/admin/...`): the session cookie, the
 * user still active, Origin + X-CSRF-Token on state-changing methods, the Admin role for
 * `/api/admin`, then the OperationContext with actor `portal:<userName>`. Every error is an
 * RFC 9457 problem (this file is the one mapping of OperationError, ScimError and store errors to
 * problem details).
 */

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Content Too Large",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
  507: "Insufficient Storage",
};

/** The headers of every API answer; apiWrapper adds Strict-Transport-Security when the request is https. */
const API_HEADERS = { "Cache-Control": "no-store", ...securityHeaders(false, "api") };

/** A problem details response (RFC 9457). */
function problem(
  status: number,
  detail: string,
  options: {
    errors?: { field: string; detail: string }[];
    headers?: Record<string, string>;
    clearSession?: string;
  } = {},
): HttpResponseInit {
  const body = {
    type: "about:blank",
    title: TITLES[status] ?? "Error",
    status,
    detail,
    ...(options.errors?.length ? { errors: options.errors } : {}),
  };
  return {
    status,
    headers: { ...API_HEADERS, "Content-Type": "application/problem+json", ...options.headers },
    body: JSON.stringify(body),
    ...(options.clearSession ? { cookies: [toCookie(clearSessionCookie(options.clearSession))] } : {}),
  };
}

/** 403 problem details unless a state-changing request carries this session's CSRF token and comes from this site (Origin). */
export function csrfRefusal(
  request: HttpRequest,
  session: ResolvedSession,
  base: string,
): HttpResponseInit | undefined {
  const failure = checkCsrf({
    method: request.method,
    origin: request.headers.get("origin"),
    csrfHeader: request.headers.get("x-csrf-token"),
    csrfToken: session.csrfToken,
    publicBaseUrl: base,
  });
  return failure ? problem(403, csrfFailureDetail[failure]) : undefined;
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** What an API function gets. */
interface ApiRequest {
  context: OperationContext;
  session: ResolvedSession;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The service's public origin (PUBLIC_BASE_URL, or the request's own), e.g. for the token endpoint's URL. */
  origin: string;
  /** The JSON body (an object); 400 problem when it is missing, not JSON or too large. */
  body(): Promise<Record<string, unknown>>;
}

interface ApiResult {
  status?: number;
  body?: unknown;
  /** A download instead of JSON (a CSV export): its text, Content-Type and file name (Content-Disposition: attachment). */
  file?: { text: string; contentType: string; fileName: string; headers?: Record<string, string> };
}

export type ApiHandler = (request: ApiRequest) => Promise<ApiResult>;

/** A string field of a JSON body: trimmed; 400 naming the field when required and missing, or not a string. */
export function stringField(
  body: Record<string, unknown>,
  field: string,
  options: { required: true; hint: string },
): string;
export function stringField(
  body: Record<string, unknown>,
  field: string,
  options: { required: false; hint: string },
): string | undefined;
export function stringField(
  body: Record<string, unknown>,
  field: string,
  options: { required: boolean; hint: string },
): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (options.required) throw new OperationError(400, `${field} is required: ${options.hint}`, field);
    return undefined;
  }
  if (typeof value !== "string") throw new OperationError(400, `${field} must be a string: ${options.hint}`, field);
  if (options.required && value.trim() === "")
    throw new OperationError(400, `${field} is required: ${options.hint}`, field);
  return value.trim();
}

/** A whole-number field of a JSON body; undefined when absent, 400 naming the field when it is not a whole number. */
export function integerField(body: Record<string, unknown>, field: string, hint: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "number" || !Number.isInteger(value))
    throw new OperationError(400, `${field} must be a whole number: ${hint}`, field);
  return value;
}

/** The JSON object of a request body, read by the one body reader (BODY_BOUNDS.admin); 400 when it is not an object. */
async function readJsonObject(request: HttpRequest, svc: Services): Promise<Record<string, unknown>> {
  const parsed = await readJsonBody(request, bodyLimits("admin", svc.config));
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new OperationError(400, "The request body must be a JSON object.");
  return parsed as Record<string, unknown>;
}

/**
 * An API function: every answer, error or not, carries the API's security headers (securityHeaders,
 * HSTS when the request is https); every thrown error is problem details (this is the one mapping
 * of OperationError, body refusals, ScimError and store errors to them), an unexpected one a 500
 * with the correlation id.
 */
function apiWrapper(handler: ApiHandler, options: { adminOnly: boolean }): HttpWrapper {
  return {
    handle: async ({ request, context, svc, now }) => {
      const base = publicBaseUrl(svc, request);
      const session = await resolveSession(
        svc.sessions,
        request.headers.get("cookie"),
        now,
        base,
        sessionLifetimes(svc),
      );
      if (!session)
        return problem(401, "You are not signed in, or your session has ended: sign in again at /auth/login.");
      const user = await sessionUser(svc, session.tenantId, session.userId, now);
      if ("ended" in session) {
        // Ended for its user (disconnected or deleted in Entra, Object ID removed): say why, once the
        // reason still holds; if it no longer does (reconnected since), signing in again is the way back.
        if ("refused" in user) return problem(403, user.refused, { clearSession: base });
        return problem(401, "Your session was ended by a change to your account; sign in again at /auth/login.", {
          clearSession: base,
        });
      }
      if ("refused" in user) {
        await endUserSessions(svc.sessions, session.tenantId, session.userId);
        return problem(403, user.refused, { clearSession: base });
      }
      const refused = csrfRefusal(request, session, base);
      if (refused) return refused;
      const ctx: OperationContext = {
        tenantId: session.tenantId,
        actor: { kind: "admin", id: session.userId, name: `portal:${user.userName}` },
        now,
        services: {
          ...svc,
          report: (message, error) => context.error(`${message} (correlation id ${context.invocationId}):`, error),
        },
        baseUrl: `${base}/${SCIM_PREFIX}`,
      };
      if (options.adminOnly && !(await isTenantAdmin(ctx, session.userId))) {
        return problem(
          403,
          "Only Admins of your organization's account can use this; ask an Admin to map a group of yours to the Admin role.",
        );
      }
      const result = await handler({
        context: ctx,
        session,
        params: request.params,
        query: new URL(request.url).searchParams,
        origin: base,
        body: () => readJsonObject(request, svc),
      });
      const status = result.status ?? 200;
      if (result.file) {
        const { text, contentType, fileName, headers } = result.file;
        return {
          status,
          headers: {
            ...API_HEADERS,
            ...headers,
            "Content-Type": contentType,
            "Content-Disposition": `attachment; filename="${fileName.replace(/[^\w.-]/g, "_")}"`,
          },
          body: text,
        };
      }
      return result.body === undefined
        ? { status, headers: API_HEADERS }
        : {
            status,
            headers: { ...API_HEADERS, "Content-Type": "application/json; charset=utf-8" },
            body: JSON.stringify(result.body),
          };
    },
    own: (error) => {
      if (error instanceof BodyError) return problem(error.status, error.detail);
      if (error instanceof OperationError)
        return problem(
          error.status,
          capital(error.detail),
          error.field ? { errors: [{ field: error.field, detail: capital(error.detail) }] } : {},
        );
      return undefined;
    },
    refused: knownProblem,
    failed: (correlationId, outage) =>
      outage
        ? knownProblem(outage)
        : problem(500, `Internal error; try again later. Correlation id: ${correlationId}.`),
    headers: (request, svc) => securityHeaders(isHttps(request.url, svc?.config.publicBaseUrl), "api"),
  };
}

/** A SCIM or store error (toScimError) as problem details, with its headers (Retry-After). */
const knownProblem = (error: ScimError) => problem(error.status, error.detail, { headers: error.headers });

/** Registers a portal API function: `api/<route>`; `adminOnly` (every `api/admin/...`) needs the Admin role. */
export function apiFunction(
  name: string,
  options: { methods: HttpMethod[]; route: string; adminOnly?: boolean },
  handler: ApiHandler,
): HttpHandler {
  const adminOnly = options.adminOnly ?? options.route.startsWith("admin/");
  return httpFunction(
    { name, methods: options.methods, route: `api/${options.route}` },
    apiWrapper(handler, { adminOnly }),
  );
}
