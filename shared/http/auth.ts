import type { Cookie, HttpHandler, HttpMethod, HttpRequest, HttpResponseInit } from "@azure/functions";
import type { Services } from "../operations/context.js";
import { SignInError, JwksCache, issuerRuleFromDiscovery } from "../auth/id-token.js";
import { discover, managedIdentityAssertion, type ClientAuth, type ProviderMetadata } from "../auth/oidc.js";
import type { LoginContext } from "../auth/login-flow.js";
import { signInErrorPage } from "../auth/login-flow.js";
import { AUTH_RESPONSE_HEADERS, renderRefusal, type HtmlResponse, type RefusalPage } from "../auth/pages.js";
import { RateLimiter, SIGN_IN_LIMITS, clientIp } from "../auth/rate-limit.js";
import type { SessionLifetimes } from "../auth/browser-sessions.js";
import { httpFunction } from "./core.js";
import { isHttps, securityHeaders } from "./security-headers.js";
import { BodyError, bodyLimits, readBodyText } from "./body.js";

/**
 * What the sign-in routes (`/auth/*`) and the admin API share: the public base URL, the provider
 * (discovered once per process and cached), the rate limiters, session lifetimes, and responses
 * (`Set-Cookie` strings of the core as the Functions host's `cookies`).
 */

/** The public origin: PUBLIC_BASE_URL, or the request's own origin where it is not set (local, tests). */
export const publicBaseUrl = (svc: Services, request: HttpRequest): string =>
  svc.config.publicBaseUrl ?? new URL(request.url).origin;

export const sessionLifetimes = (svc: Services): SessionLifetimes => ({
  idleMs: svc.config.sessions.idleMinutes * 60_000,
  absoluteMs: svc.config.sessions.absoluteHours * 3600_000,
});

interface Runtime {
  provider?: Promise<{ metadata: ProviderMetadata; issuerRule: string; jwks: JwksCache }>;
  clientAuth?: ClientAuth;
  perIp: RateLimiter;
  perTenant: RateLimiter;
}

/** One runtime per services object (a process has one; each test host has its own). */
const runtimes = new WeakMap<Services, Runtime>();

function runtime(svc: Services): Runtime {
  let r = runtimes.get(svc);
  if (!r) {
    r = { perIp: new RateLimiter(SIGN_IN_LIMITS.perIp), perTenant: new RateLimiter(SIGN_IN_LIMITS.perTenant) };
    runtimes.set(svc, r);
  }
  return r;
}

/** The login context of a request at `now`; 503 when sign-in is not configured or the provider cannot be reached. */
export async function loginContext(svc: Services, request: HttpRequest, now: Date): Promise<LoginContext> {
  const settings = svc.config.signIn;
  if (!settings)
    throw new SignInError(
      "sign_in_not_configured",
      "Sign-in is not configured on this service (ENTRA_CLIENT_ID is not set).",
      503,
    );
  const r = runtime(svc);
  r.provider ??= discover(settings.authority).then((metadata) => ({
    metadata,
    issuerRule: issuerRuleFromDiscovery(metadata.issuer),
    jwks: new JwksCache(metadata.jwksUri),
  }));
  const provider = await r.provider.catch((error: unknown) => {
    r.provider = undefined; // try again on the next sign-in
    throw error instanceof SignInError
      ? error
      : new SignInError("discovery_unavailable", "The identity provider could not be reached.", 502);
  });
  const a = settings.clientAuth;
  r.clientAuth ??=
    a.kind === "federated"
      ? { kind: "assertion", getAssertion: managedIdentityAssertion(a.managedIdentityClientId) }
      : a.kind === "secret"
        ? { kind: "secret", secret: a.secret }
        : { kind: "none" };
  const isEntra = /^https:\/\/login\.microsoftonline\.com\//i.test(settings.authority);
  return {
    config: { clientId: settings.clientId, publicBaseUrl: publicBaseUrl(svc, request), clientAuth: r.clientAuth },
    metadata: provider.metadata,
    issuerRule: provider.issuerRule,
    jwks: provider.jwks,
    store: svc.sessions,
    ...(isEntra ? { prompt: "select_account" as const } : {}),
    now,
  };
}

/**
 * Takes one attempt of the client IP's bucket (and of the Entra tenant's, given `tid`); a 429
 * SignInError when empty. The client IP is the `X-Forwarded-For` entry TRUSTED_PROXY_HOPS from the
 * right (clientIp), so a client cannot pick its own bucket by sending the header itself.
 */
export function rateLimit(svc: Services, request: HttpRequest, now: Date, tid?: string): void {
  const r = runtime(svc);
  const decision = tid
    ? r.perTenant.take(`tid:${tid.toLowerCase()}`, now.getTime())
    : r.perIp.take(
        `ip:${clientIp(request.headers.get("x-forwarded-for"), svc.config.trustedProxyHops)}`,
        now.getTime(),
      );
  if (!decision.ok) throw new RateLimited(decision.retryAfterSeconds);
}

class RateLimited extends SignInError {
  constructor(readonly retryAfterSeconds: number) {
    super("rate_limited", `Too many sign-in attempts from here; wait ${retryAfterSeconds} seconds and try again.`, 429);
  }
}

/** A core `Set-Cookie` string (name=value; Path; HttpOnly; SameSite; Max-Age; Secure) as the host's Cookie. */
export function toCookie(setCookie: string): Cookie {
  const [pair, ...attributes] = setCookie.split(";").map((p) => p.trim());
  const eq = pair!.indexOf("=");
  const cookie: Cookie = { name: pair!.slice(0, eq), value: pair!.slice(eq + 1) };
  for (const attribute of attributes) {
    const [k, v] = attribute.split("=") as [string, string | undefined];
    switch (k.toLowerCase()) {
      case "path":
        cookie.path = v;
        break;
      case "httponly":
        cookie.httpOnly = true;
        break;
      case "secure":
        cookie.secure = true;
        break;
      case "samesite":
        cookie.sameSite = v as Cookie["sameSite"];
        break;
      case "max-age":
        cookie.maxAge = Number(v);
        break;
    }
  }
  return cookie;
}

/**
 * A sign-in form (`application/x-www-form-urlencoded`), read by the one body reader
 * (BODY_BOUNDS.signInForm: 4 KiB, refused from Content-Length or as soon as it passes the limit); a
 * refusal is a SignInError (413 form_too_large, 408 form_timeout, 400 form_invalid).
 */
export async function readForm(request: HttpRequest, svc: Services): Promise<URLSearchParams> {
  try {
    return new URLSearchParams(await readBodyText(request, bodyLimits("signInForm", svc.config)));
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    const code = error.status === 413 ? "form_too_large" : error.status === 408 ? "form_timeout" : "form_invalid";
    throw new SignInError(code, error.detail, error.status);
  }
}

/** An HTML page of the sign-in core as a response, with its cookies. */
function htmlResponse(
  page: HtmlResponse,
  setCookies: string[] = [],
  extraHeaders: Record<string, string> = {},
): HttpResponseInit {
  return {
    status: page.status,
    headers: { ...page.headers, ...extraHeaders },
    body: page.body,
    cookies: setCookies.map(toCookie),
  };
}

/** A redirect from a sign-in route (302, or 303 after a form post). */
export function redirect(location: string, setCookies: string[] = [], status = 302): HttpResponseInit {
  return { status, headers: { ...AUTH_RESPONSE_HEADERS, Location: location }, cookies: setCookies.map(toCookie) };
}

export const refusal = (page: RefusalPage, status: number, setCookies: string[] = []) =>
  htmlResponse(renderRefusal(page, status), setCookies);

/**
 * The wrapper of the sign-in routes: every response carries the page security headers
 * (securityHeaders, HSTS when the request is https) and AUTH_RESPONSE_HEADERS, under whatever the
 * route sets itself; a SignInError becomes its refusal page (429 with Retry-After); anything else a
 * 500/503 page with a correlation id (logged, without the request's URL: it may carry a code).
 */
export function authFunction(
  name: string,
  options: { methods: HttpMethod[]; route: string },
  handler: (request: HttpRequest, svc: Services, now: Date) => Promise<HttpResponseInit>,
): HttpHandler {
  return httpFunction(
    { name, methods: options.methods, route: options.route },
    {
      handle: ({ request, svc, now }) => handler(request, svc, now),
      own: (error, { context }) => {
        if (error instanceof RateLimited)
          return htmlResponse(renderRefusal(signInErrorPage(error), 429), [], {
            "Retry-After": String(error.retryAfterSeconds),
          });
        if (!(error instanceof SignInError)) return undefined;
        if (error.status >= 500)
          context.error(
            `Sign-in failed in ${context.functionName}: ${error.code} (correlation id ${context.invocationId})`,
          );
        return htmlResponse(renderRefusal(signInErrorPage(error), error.status));
      },
      refused: (error) =>
        htmlResponse(
          renderRefusal(
            {
              code: "request_refused",
              title: "Sign-in did not complete",
              why: error.detail,
              whatToDo: "Start the sign-in again.",
            },
            error.status,
          ),
          [],
          // A throttled store (429) says when to try again, as on every other route.
          error.headers?.["Retry-After"] ? { "Retry-After": error.headers["Retry-After"] } : {},
        ),
      failed: (correlationId, outage) => {
        const page: RefusalPage = {
          code: outage ? "store_unavailable" : "internal_error",
          title: "Sign-in is not available right now",
          why: `Something went wrong on our side (correlation id ${correlationId}).`,
          whatToDo: "Try again in a few minutes. If it keeps failing, tell your administrator the correlation id.",
        };
        return htmlResponse(renderRefusal(page, outage ? 503 : 500), [], outage?.headers ?? {});
      },
      headers: (request, svc) => ({
        ...securityHeaders(isHttps(request.url, svc?.config.publicBaseUrl), "page"),
        ...AUTH_RESPONSE_HEADERS,
      }),
    },
  );
}
