import type { HttpHandler, HttpRequest, HttpResponseInit } from "@azure/functions";
import { RateLimiter, clientIp, type RateLimit } from "../auth/rate-limit.js";
import type { Services } from "../operations/context.js";
import { MAX_POLL_EVENTS, PollUnauthorizedError, pollEvents, type PollRequest } from "../operations/events.js";
import { BodyError, MAX_JSON_DEPTH, bodyLimits, jsonDepth, readBodyText } from "./body.js";
import { httpFunction, type HttpWrapper } from "./core.js";
import { isHttps, securityHeaders } from "./security-headers.js";

/**
 * The RFC 8936 poll endpoint's HTTP side: `POST /events/poll`, `Authorization: Bearer <secret of a
 * poll subscription>`, a JSON poll request (§2.4: `ack`, `setErrs`, `maxEvents`,
 * `returnImmediately`), answered `{sets, moreAvailable}`. Errors are JSON `{err, description}` (the
 * RFC 8935 §2.3 shape), 401 with `WWW-Authenticate: Bearer`, never a 500 page; an address whose
 * secrets keep failing is answered 429.
 */

/** Failed authentications per address: a burst of 30, then 30 a minute; past that 429. */
const FAILURES_PER_IP: RateLimit = { capacity: 30, perMinute: 30 };
/** jtis one poll may acknowledge or report. */
const MAX_ACKS = 1000;

const limiters = new WeakMap<Services, RateLimiter>();
const limiterOf = (svc: Services) => {
  let l = limiters.get(svc);
  if (!l) limiters.set(svc, (l = new RateLimiter(FAILURES_PER_IP)));
  return l;
};

/** A refusal of the request itself (400, 405, 413, 429), answered as `{err, description}`. */
class PollError extends Error {
  constructor(
    readonly status: number,
    readonly err: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

const invalid = (description: string) => new PollError(400, "invalid_request", description);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The poll request (RFC 8936 §2.4), checked field by field; an empty body is `{}` (a plain poll). */
async function readPoll(request: HttpRequest, svc: Services): Promise<PollRequest> {
  let text: string;
  try {
    text = await readBodyText(request, bodyLimits("admin", svc.config));
  } catch (error) {
    if (error instanceof BodyError) throw new PollError(error.status, "invalid_request", error.detail);
    throw error;
  }
  let body: unknown = {};
  if (text.trim()) {
    if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw invalid("The poll request nests too deeply.");
    try {
      body = JSON.parse(text);
    } catch {
      throw invalid("The poll request is not valid JSON (RFC 8936 §2.4).");
    }
  }
  if (!isObject(body)) throw invalid("The poll request must be a JSON object (RFC 8936 §2.4).");
  const ack = body.ack ?? [];
  if (!Array.isArray(ack) || !ack.every((j) => typeof j === "string" && j.length > 0 && j.length <= 200))
    throw invalid("ack must be an array of jti strings.");
  const setErrs = body.setErrs ?? {};
  if (
    !isObject(setErrs) ||
    !Object.values(setErrs).every(
      (e) =>
        isObject(e) && typeof e.err === "string" && (e.description === undefined || typeof e.description === "string"),
    )
  )
    throw invalid('setErrs must map each jti to {"err": "<code>", "description": "<text>"}.');
  if (ack.length + Object.keys(setErrs).length > MAX_ACKS)
    throw invalid(`A poll may acknowledge or report at most ${MAX_ACKS} SETs.`);
  const maxEvents = body.maxEvents;
  if (maxEvents !== undefined && !(Number.isInteger(maxEvents) && (maxEvents as number) >= 0))
    throw invalid(`maxEvents must be a whole number from 0 (at most ${MAX_POLL_EVENTS} are returned).`);
  if (body.returnImmediately !== undefined && typeof body.returnImmediately !== "boolean")
    throw invalid("returnImmediately must be true or false.");
  return {
    ack: ack as string[],
    setErrs: setErrs as PollRequest["setErrs"],
    ...(maxEvents !== undefined ? { maxEvents: maxEvents as number } : {}),
    returnImmediately: body.returnImmediately !== false,
  };
}

const bearer = (header: string | null) => /^bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1] ?? "";

const pollWrapper: HttpWrapper = {
  handle: async ({ request, svc }) => {
    if (request.method.toUpperCase() !== "POST")
      throw new PollError(405, "invalid_request", "The poll endpoint takes POST (RFC 8936 §2.4).", { Allow: "POST" });
    const secret = bearer(request.headers.get("authorization"));
    const poll = await readPoll(request, svc);
    return json(200, await pollEvents(svc, secret, poll));
  },
  own: (error, { request, svc, now }) => {
    if (error instanceof PollUnauthorizedError) {
      const ip = clientIp(request.headers.get("x-forwarded-for"), svc.config.trustedProxyHops);
      const decision = limiterOf(svc).take(`ip:${ip}`, now.getTime());
      if (!decision.ok)
        return json(
          429,
          { err: "too_many_requests", description: "Too many failed poll authentications from this address." },
          { "Retry-After": String(decision.retryAfterSeconds) },
        );
      return json(
        401,
        { err: "authentication_failed", description: "Send the poll subscription's secret as a Bearer token." },
        { "WWW-Authenticate": 'Bearer realm="scim-functions-events", error="invalid_token"' },
      );
    }
    if (error instanceof PollError)
      return json(error.status, { err: error.err, description: error.description }, error.headers);
    return undefined;
  },
  refused: (known) => json(known.status, { err: "invalid_request", description: known.detail }, known.headers),
  failed: (correlationId, outage) =>
    json(
      503,
      {
        err: "unavailable",
        description: `The event feed is unavailable; poll again shortly. Correlation id: ${correlationId}.`,
      },
      outage?.headers ?? { "Retry-After": "5" },
    ),
  headers: (request, svc) => securityHeaders(isHttps(request.url, svc?.config.publicBaseUrl), "api"),
};

/** Registers the poll endpoint (one route for every tenant: the secret names the subscription); other methods get 405. */
export function pollFunction(name: string, route: string): HttpHandler {
  return httpFunction({ name, methods: ["POST", "GET", "PUT", "PATCH", "DELETE"], route }, pollWrapper);
}
