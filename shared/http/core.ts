import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { ScimError } from "../scim/errors.js";
import type { Services } from "../operations/context.js";
import { toScimError } from "../operations/errors.js";
import { services } from "../services.js";
import { registerHttp, type HttpRegistration } from "../functions/registry.js";

/**
 * The steps every HTTP wrapper (SCIM, the admin API, sign-in, the token endpoint) shares: build the
 * services and take the time once, run the wrapper's handling, turn a thrown error into the
 * wrapper's answer (its own errors, then a SCIM or store refusal below 500, else a 5xx logged with
 * the invocation id as correlation id), put the wrapper's headers under every answer, and register
 * the function. What stays in each wrapper is its own: authentication, response shape, headers and
 * 5xx status.
 */

/** One request as a wrapper handles it: the services built once, the time taken once. */
interface HttpCall {
  request: HttpRequest;
  context: InvocationContext;
  svc: Services;
  now: Date;
}

export interface HttpWrapper {
  /** The answer to a request (authentication included); throws for any refusal. */
  handle(call: HttpCall): Promise<HttpResponseInit>;
  /** An error of the wrapper's own kind in its own shape (logging its own 5xx); undefined for any other. */
  own?(error: unknown, call: HttpCall): HttpResponseInit | undefined;
  /** A SCIM, operation or store error below 500 (toScimError: 400, 404, 409, 412, 429...) in the wrapper's shape. */
  refused(error: ScimError): HttpResponseInit;
  /**
   * The wrapper's 5xx, once the error is logged with the correlation id: for a store outage
   * (`outage`: 503, 507 with its headers) or anything unexpected (undefined), the services' own
   * construction included. It names the correlation id and nothing internal.
   */
  failed(correlationId: string, outage: ScimError | undefined): HttpResponseInit;
  /** Headers under every answer, errors included (the route's own win); `svc` is undefined when the services could not be built. */
  headers?(request: HttpRequest, svc: Services | undefined): Record<string, string>;
}

/** A wrapper as the Functions host calls it. */
export function httpHandler(wrapper: HttpWrapper): HttpHandler {
  return async (request, context) => {
    let call: HttpCall | undefined;
    let response: HttpResponseInit;
    try {
      const svc = services();
      call = { request, context, svc, now: svc.now() };
      response = await wrapper.handle(call);
    } catch (error) {
      response = answerError(wrapper, error, context, call);
    }
    if (!wrapper.headers) return response;
    return {
      ...response,
      headers: { ...wrapper.headers(request, call?.svc), ...(response.headers as Record<string, string> | undefined) },
    };
  };
}

/** Registers a wrapper as an HTTP function (anonymous: the wrapper authenticates). */
export function httpFunction(registration: Omit<HttpRegistration, "handler">, wrapper: HttpWrapper): HttpHandler {
  return registerHttp({ ...registration, handler: httpHandler(wrapper) });
}

/** Its own error in the wrapper's shape, a refusal below 500, else the wrapper's 5xx, logged with the correlation id (`call` is undefined when the services could not be built). */
function answerError(
  wrapper: HttpWrapper,
  error: unknown,
  context: InvocationContext,
  call: HttpCall | undefined,
): HttpResponseInit {
  const own = call && wrapper.own?.(error, call);
  if (own) return own;
  const known = toScimError(error);
  if (known && known.status < 500) return wrapper.refused(known);
  context.error(
    `${known ? "Store unavailable" : "Unhandled error"} in ${context.functionName} (correlation id ${context.invocationId}):`,
    error,
  );
  return wrapper.failed(context.invocationId, known);
}
