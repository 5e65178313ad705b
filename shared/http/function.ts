import azureFunctions from "@azure/functions";
import type { HttpHandler, HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { ScimError } from "../scim/errors.js";
import type { Principal } from "../store/tenants.js";
import { cosmosStatus } from "../store/errors.js";
import { services, type Services } from "./services.js";
import { AuditTrail } from "../service/audit.js";

/** The route prefix of every SCIM endpoint; host.json sets the same (a test keeps them equal). */
export const ROUTE_PREFIX = "scim/v2";

/** What a SCIM operation gets: the authenticated tenant, its request, and the services. */
export interface ScimContext {
  request: HttpRequest;
  params: Record<string, string>;
  query: URLSearchParams;
  principal: Principal;
  tenantId: string;
  /** The Tenant URL as the client sees it, e.g. https://host/scim/v2 (for meta.location). */
  baseUrl: string;
  services: Services;
  now: Date;
  /** The provisioning log entry of this request (write operations fill it in). */
  audit: AuditTrail;
  /** The request body as JSON: 413 over the size limit, 400 invalidSyntax when it is not JSON. */
  json(): Promise<unknown>;
}

export interface ScimResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type ScimHandler = (ctx: ScimContext) => Promise<ScimResult>;

export interface Registration {
  name: string;
  methods: HttpMethod[];
  route: string;
  handler: HttpHandler;
}

/** Every function registered in this process, in order; the local host serves these. */
export const registrations: Registration[] = [];

const CONTENT_TYPE = "application/scim+json; charset=utf-8";

export function scimResponse(result: ScimResult): HttpResponseInit {
  const body = result.body === undefined ? undefined : JSON.stringify(result.body);
  return {
    status: result.status,
    headers: { ...(body !== undefined ? { "Content-Type": CONTENT_TYPE } : {}), ...result.headers },
    ...(body !== undefined ? { body } : {}),
  };
}

function errorResponse(error: ScimError): HttpResponseInit {
  return scimResponse({ status: error.status, body: error.toJSON(), headers: error.headers });
}

async function readJson(request: HttpRequest, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  const tooLarge = () => new ScimError(413, `The request body is larger than the limit of ${maxBytes} bytes; send fewer operations or members per request.`);
  if (declared > maxBytes) throw tooLarge();
  const text = await request.text();
  if (Buffer.byteLength(text, "utf8") > maxBytes) throw tooLarge();
  if (text.trim() === "") throw new ScimError(400, "The request body is empty; a JSON object is required.", "invalidSyntax");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ScimError(400, `The request body is not valid JSON: ${(error as Error).message}`, "invalidSyntax");
  }
}

/** Maps anything thrown into a SCIM error; unexpected errors become a 5xx with a correlation id. */
function toScimError(error: unknown, context: InvocationContext): ScimError {
  if (error instanceof ScimError) return error;
  const status = cosmosStatus(error);
  if (status === 429) {
    const retryMs = Number((error as { retryAfterInMs?: number }).retryAfterInMs ?? 1000);
    return new ScimError(429, "The store is busy; retry after the time in Retry-After.", undefined, {
      "Retry-After": String(Math.max(1, Math.ceil(retryMs / 1000))),
    });
  }
  context.error(`Unhandled error in ${context.functionName} (correlation id ${context.invocationId}):`, error);
  const unavailable = status === 503 || status === 408 || status === 449;
  return new ScimError(
    unavailable ? 503 : 500,
    `${unavailable ? "The store is temporarily unavailable" : "Internal error"}; retry later. Correlation id: ${context.invocationId}.`,
  );
}

/**
 * The one wrapper every function goes through: authenticates the bearer token (the token names
 * the tenant), hands the operation its context, and turns every thrown error into a SCIM error.
 */
export function wrap(handler: ScimHandler): HttpHandler {
  return async (request, context) => {
    let audit: AuditTrail | undefined;
    try {
      const svc = services();
      const now = svc.now();
      const header = request.headers.get("authorization") ?? "";
      const secret = /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, "").trim() : undefined;
      const url = new URL(request.url);
      const baseUrl = `${url.origin}/${ROUTE_PREFIX}`;
      const principal = await svc.tenants.authenticate(secret, now, baseUrl);
      audit = new AuditTrail(svc, principal, now);
      const result = await handler({
        request,
        params: request.params,
        query: url.searchParams,
        principal,
        tenantId: principal.tenantId,
        baseUrl,
        services: svc,
        now,
        audit,
        json: () => readJson(request, svc.config.maxBodyBytes),
      });
      // The change has landed: a log failure is reported to the operators, not to Entra as a failed write.
      await audit.finish(result.status).catch((e) => context.error(`Could not write the provisioning log (correlation id ${context.invocationId}):`, e));
      return scimResponse(result);
    } catch (error) {
      const scimError = toScimError(error, context);
      await audit?.finish(scimError.status, scimError.detail).catch((e) => context.error("Could not write the provisioning log:", e));
      return errorResponse(scimError);
    }
  };
}

/** Registers a SCIM operation as an Azure Function (v4 model) and in `registrations`. */
export function scimFunction(name: string, options: { methods: HttpMethod[]; route: string }, handler: ScimHandler): HttpHandler {
  const wrapped = wrap(handler);
  registrations.push({ name, methods: options.methods, route: options.route, handler: wrapped });
  azureFunctions.app.http(name, { methods: options.methods, route: options.route, authLevel: "anonymous", handler: wrapped });
  return wrapped;
}
