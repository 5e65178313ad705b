import type { HttpHandler, HttpMethod, HttpResponseInit } from "@azure/functions";
import { ScimError } from "../scim/errors.js";
import type { ResourceTypeName } from "../scim/schemas.js";
import { parseProjection, parseResource, type Projection } from "../scim/resource.js";
import { parsePatchRequest } from "../scim/patch.js";
import { withCanonicalManager } from "../scim/manager.js";
import { parseListParams, parseSearchRequest, type ListParams } from "../scim/list.js";
import type { OperationContext, Services } from "../operations/context.js";
import { authenticate } from "../operations/tokens.js";
import {
  createResource,
  deleteResource,
  getResource,
  listResources,
  patchDialectOf,
  patchResource,
  replaceResource,
  searchAll,
  type WriteResult,
} from "../operations/resources.js";
import { logged, type AuditTrail } from "../operations/audit-trail.js";
import { httpFunction, httpHandler, type HttpWrapper } from "./core.js";
import { SCIM_PREFIX } from "./paths.js";
import { BodyError, bodyLimits, readJsonBody } from "./body.js";
import { RateLimiter, clientIp } from "../auth/rate-limit.js";

export { SCIM_PREFIX };

/** What a SCIM function gets: the operation context (tenant, token, time, services) and the parsed request. */
export interface ScimRequest {
  context: OperationContext;
  params: Record<string, string>;
  method: string;
  /** The If-Match header (RFC 7232), if sent. */
  ifMatch?: string;
  config: Services["config"];
  /** attributes / excludedAttributes (RFC 7644 §3.4.2.5). */
  projection(type: ResourceTypeName): Projection;
  /** filter, sortBy, sortOrder, startIndex, count, attributes (RFC 7644 §3.4.2). */
  listParams(type: ResourceTypeName): ListParams;
  /** The same from a POST /.search body (RFC 7644 §3.4.3); the body is read once. */
  searchParams(type: ResourceTypeName): Promise<ListParams>;
  /** The body, read once: 413 over the size limit, 408 when it is sent too slowly, 400 invalidSyntax when it is not JSON. */
  body(): Promise<unknown>;
  /** The Tenant URL carried Entra's `aadOptscim062020` flag (its RFC 7644 PATCH dialect). */
  rfcPatchFlag: boolean;
}

/** What a SCIM function answers: the status, the body, and the version (ETag) and Location of the resource. */
export interface ScimResponse {
  status: number;
  body?: unknown;
  version?: string;
  location?: string;
}

export type ScimHandler = (request: ScimRequest) => Promise<ScimResponse>;

const CONTENT_TYPE = "application/scim+json; charset=utf-8";

function response(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return {
    status,
    headers: { ...(text !== undefined ? { "Content-Type": CONTENT_TYPE } : {}), ...headers },
    ...(text !== undefined ? { body: text } : {}),
  };
}

function outcomeResponse(outcome: ScimResponse): HttpResponseInit {
  return response(outcome.status, outcome.body, {
    ...(outcome.version ? { ETag: outcome.version } : {}),
    ...(outcome.location ? { Location: outcome.location } : {}),
  });
}

function errorResponse(error: ScimError): HttpResponseInit {
  const challenge: Record<string, string> =
    error.status === 401 ? { "WWW-Authenticate": 'Bearer realm="scim", error="invalid_token"' } : {};
  return response(error.status, error.toJSON(), { ...error.headers, ...challenge });
}

/** A refused body as a SCIM error: 413, 408, or 400 invalidSyntax (RFC 7644 §3.12). */
function rethrowAsScim(error: unknown): never {
  if (error instanceof BodyError)
    throw new ScimError(error.status, error.detail, error.status === 400 ? "invalidSyntax" : undefined);
  throw error;
}

/**
 * Failed authentications per client address: a burst of 60, then 30 a minute; past that a failed
 * authentication is answered 429 with Retry-After instead of 401, so a client that keeps sending a
 * bad token backs off. A valid token is never refused for its address: Entra's requests for every
 * customer come from Microsoft's shared addresses, and one customer's broken connection must not
 * stop the others. Unknown tokens are remembered for 5 s (stores/tokens.ts, store/oauth.ts), so
 * repeating one costs no store read. Per instance (see auth/rate-limit.ts).
 */
export const FAILED_AUTH_LIMIT = { capacity: 60, perMinute: 30 } as const;

const failedAuth = new WeakMap<Services, RateLimiter>();

function failures(svc: Services): RateLimiter {
  let f = failedAuth.get(svc);
  if (!f) failedAuth.set(svc, (f = new RateLimiter(FAILED_AUTH_LIMIT)));
  return f;
}

const tooManyFailures = (seconds: number) =>
  new ScimError(
    429,
    `Too many requests with an invalid token from this address; send a valid token (or wait ${seconds} seconds).`,
    undefined,
    {
      "Retry-After": String(seconds),
    },
  );

/** Authenticates, counting a refusal against the client's address (429 instead of 401 once it has failed too often). */
async function authenticateCounted(
  svc: Services,
  request: Parameters<HttpHandler>[0],
  secret: string | undefined,
  now: Date,
  baseUrl: string,
) {
  try {
    return await authenticate(svc, secret, now, baseUrl);
  } catch (error) {
    if (error instanceof ScimError && error.status === 401) {
      const decision = failures(svc).take(
        clientIp(request.headers.get("x-forwarded-for"), svc.config.trustedProxyHops),
        now.getTime(),
      );
      if (!decision.ok) throw tooManyFailures(decision.retryAfterSeconds);
    }
    throw error;
  }
}

/**
 * The one wrapper every SCIM function goes through: authenticates the bearer token (the token
 * names the tenant), builds the operation context and the parsed request, and answers every thrown
 * error as a SCIM error (an unexpected one a 500 with the correlation id). No page security headers:
 * SCIM answers Entra, not a browser.
 */
function scimWrapper(handler: ScimHandler): HttpWrapper {
  return {
    handle: async ({ request, context, svc, now }) => {
      const header = request.headers.get("authorization") ?? "";
      const secret = /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, "").trim() : undefined;
      const url = new URL(request.url);
      // The public origin when configured (behind a proxy or custom domain the request URL may differ).
      const baseUrl = `${svc.config.publicBaseUrl ?? url.origin}/${SCIM_PREFIX}`;
      const principal = await authenticateCounted(svc, request, secret, now, baseUrl);
      const ctx: OperationContext = {
        tenantId: principal.tenantId,
        actor: { kind: "token", tokenId: principal.tokenId, tokenName: principal.tokenName },
        now,
        services: {
          ...svc,
          report: (message, error) => context.error(`${message} (correlation id ${context.invocationId}):`, error),
        },
        baseUrl,
      };
      const query = url.searchParams;
      const projection = (type: ResourceTypeName) =>
        parseProjection(query.get("attributes"), query.get("excludedAttributes"), type);
      let body: Promise<unknown> | undefined;
      const readBody = () => (body ??= readJsonBody(request, bodyLimits("scim", svc.config)).catch(rethrowAsScim));
      const outcome = await handler({
        context: ctx,
        params: request.params,
        method: request.method,
        ifMatch: request.headers.get("if-match") ?? undefined,
        config: svc.config,
        projection,
        listParams: (type) => parseListParams(query, type, svc.config.maxResults),
        searchParams: async (type) => parseSearchRequest(await readBody(), type, svc.config.maxResults),
        body: readBody,
        rfcPatchFlag: [...query.keys()].some((k) => k.toLowerCase() === "aadoptscim062020"),
      });
      return outcomeResponse(outcome);
    },
    refused: errorResponse,
    failed: (correlationId, outage) =>
      errorResponse(outage ?? new ScimError(500, `Internal error; retry later. Correlation id: ${correlationId}.`)),
  };
}

/** A SCIM function as the Functions host calls it (tests call it directly). */
export const wrapScim = (handler: ScimHandler): HttpHandler => httpHandler(scimWrapper(handler));

/** Registers a SCIM operation as an Azure Function under /scim/v2/<route>. */
export function scimFunction(
  name: string,
  options: { methods: HttpMethod[]; route: string },
  handler: ScimHandler,
): HttpHandler {
  return httpFunction(
    { name, methods: options.methods, route: `${SCIM_PREFIX}/${options.route}` },
    scimWrapper(handler),
  );
}

/**
 * A write under its provisioning-log trail: the trail starts before the body is parsed, so a body
 * refused (400, 408, 413) is logged as a failed write like any other, and records `status`, the
 * status a success answers, when the write ends.
 */
function loggedWrite(
  req: ScimRequest,
  operation: "create" | "replace" | "patch" | "delete",
  type: ResourceTypeName,
  status: number,
  run: (trail: AuditTrail) => Promise<WriteResult>,
): Promise<ScimResponse> {
  const about = {
    operation,
    resourceType: type,
    ...(req.params.id !== undefined ? { resourceId: req.params.id } : {}),
  };
  return logged(req.context, about, run, () => status).then((result) => answer(result, status));
}

/** The answer to a write: its status, the resource (when one was rendered), its ETag, and the Location of a created resource. */
function answer(result: WriteResult, status: number): ScimResponse {
  if (result.kind === "deleted") return { status };
  const location =
    result.kind === "created" ? (result.resource?.meta as { location?: string } | undefined)?.location : undefined;
  return { status, body: result.resource, version: result.version, ...(location ? { location } : {}) };
}

/** A POST or PUT body as a resource of `type` (RFC 7643), its manager in the stored form. */
const resourceOf = (body: unknown, type: ResourceTypeName) => parseResource(withCanonicalManager(body, type), type);

/** GET /Users, /Groups (RFC 7644 §3.4.2): 200 with the ListResponse. */
export async function scimList(req: ScimRequest, type: ResourceTypeName): Promise<ScimResponse> {
  return { status: 200, body: await listResources(req.context, type, req.listParams(type)) };
}

/** POST /Users/.search, /Groups/.search (RFC 7644 §3.4.3): 200 with the same results as the GET. */
export async function scimSearch(req: ScimRequest, type: ResourceTypeName): Promise<ScimResponse> {
  return { status: 200, body: await listResources(req.context, type, await req.searchParams(type)) };
}

/** POST /.search at the root (RFC 7644 §3.4.3): 200 with Users, then Groups. */
export async function scimSearchAll(req: ScimRequest): Promise<ScimResponse> {
  return { status: 200, body: await searchAll(req.context, (type) => req.searchParams(type)) };
}

/** GET /Users/{id}, /Groups/{id}: 200 with the resource and its ETag. */
export async function scimGet(req: ScimRequest, type: ResourceTypeName): Promise<ScimResponse> {
  const { body, version } = await getResource(req.context, type, req.params.id!, req.projection(type));
  return { status: 200, body, version };
}

/** POST /Users, /Groups (RFC 7644 §3.3): 201 with the resource, its ETag and Location. */
export function scimCreate(req: ScimRequest, type: ResourceTypeName): Promise<ScimResponse> {
  const projection = req.projection(type);
  return loggedWrite(req, "create", type, 201, async (trail) => {
    const body = await req.body();
    trail.name(body);
    return createResource(req.context, trail, type, resourceOf(body, type), { status: 201, projection });
  });
}

/** PUT /Users/{id}, /Groups/{id} (RFC 7644 §3.5.1): 200 with the resource. */
export function scimReplace(req: ScimRequest, type: ResourceTypeName): Promise<ScimResponse> {
  const projection = req.projection(type);
  return loggedWrite(req, "replace", type, 200, async (trail) => {
    const input = resourceOf(await req.body(), type);
    return replaceResource(req.context, trail, type, req.params.id!, input, {
      status: 200,
      projection,
      ifMatch: req.ifMatch,
    });
  });
}

/** PATCH /Users/{id} answers 200 with the resource; PATCH /Groups/{id} answers 204, as Entra prefers (RFC 7644 §3.5.2). */
export function scimPatch(req: ScimRequest, type: ResourceTypeName): Promise<ScimResponse> {
  const status = type === "Group" ? 204 : 200;
  const projection = req.projection(type);
  return loggedWrite(req, "patch", type, status, async (trail) => {
    const body = await req.body();
    trail.patchDialect = patchDialectOf(body, req.rfcPatchFlag);
    const ops = parsePatchRequest(body);
    return patchResource(req.context, trail, type, req.params.id!, ops, {
      status,
      ifMatch: req.ifMatch,
      ...(status === 200 ? { projection } : {}),
    });
  });
}

/** DELETE /Users/{id}, /Groups/{id} (RFC 7644 §3.6): 204. */
export function scimDelete(req: ScimRequest, type: ResourceTypeName): Promise<ScimResponse> {
  return loggedWrite(req, "delete", type, 204, (trail) =>
    deleteResource(req.context, trail, type, req.params.id!, { status: 204, ifMatch: req.ifMatch }),
  );
}
