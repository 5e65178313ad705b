import { ScimError } from "../scim/errors.js";
import {
  ConflictError,
  NotFoundError,
  PageTooDeepError,
  PartitionFullError,
  PreconditionFailedError,
  QueryTooLargeError,
  ThrottledError,
  UnavailableError,
  fromCosmos,
} from "../store/errors.js";

/**
 * A request an admin operation refuses, with a detail a person can act on: 400 bad input (with the
 * field at fault), 403 not allowed, 404 unknown id, 409 conflict, 422 a rule refuses it. The CLI
 * prints the detail; the admin HTTP API answers it as problem details (RFC 9457).
 */
export class OperationError extends Error {
  override readonly name = "OperationError";
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 422,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }
}

export { UnavailableError };

const retryAfter = (ms: number) => ({ "Retry-After": String(Math.max(1, Math.ceil(ms / 1000))) });

/**
 * The one mapping of store failures to SCIM errors (RFC 7644 §3.12); SCIM and operation errors
 * keep theirs. Undefined for anything unexpected: the caller answers 500 with a correlation id.
 */
export function toScimError(error: unknown): ScimError | undefined {
  if (error instanceof ScimError) return error;
  if (error instanceof OperationError) return new ScimError(error.status === 422 ? 400 : error.status, error.detail);
  const e = fromCosmos(error);
  if (e instanceof NotFoundError)
    return new ScimError(404, `${e.what.charAt(0).toUpperCase()}${e.what.slice(1)} not found.`);
  if (e instanceof ConflictError) {
    const how = e.caseExact ? "" : " (compared case-insensitively)";
    return new ScimError(
      409,
      `${e.kind} ${e.attribute} '${e.value}' is already used by ${e.kind} ${e.holderId}; ${e.attribute} must be unique within the tenant${how}.`,
      "uniqueness",
    );
  }
  if (e instanceof PreconditionFailedError) {
    return new ScimError(
      412,
      e.wanted
        ? `If-Match ${e.wanted} does not match the current version ${e.current} of ${e.what}; read it again and retry.`
        : `${e.what} changed while the request ran; read it again and retry.`,
    );
  }
  if (e instanceof QueryTooLargeError) {
    return new ScimError(
      400,
      `sortBy over ${e.matches} matching resources is not supported (at most ${e.limit}); narrow the filter or leave out sortBy.`,
      "tooMany",
    );
  }
  if (e instanceof PageTooDeepError) {
    return new ScimError(
      400,
      `startIndex ${e.startIndex} is beyond the deepest index page this service serves (startIndex up to ${e.limit}); page with 'cursor' (RFC 9865), which has no such limit, or narrow the filter.`,
      "invalidValue",
    );
  }
  if (e instanceof ThrottledError)
    return new ScimError(
      429,
      "The store is busy; retry after the time in Retry-After.",
      undefined,
      retryAfter(e.retryAfterMs),
    );
  if (e instanceof UnavailableError)
    return new ScimError(
      503,
      `The service is temporarily unavailable (${e.reason}); retry after the time in Retry-After.`,
      undefined,
      retryAfter(e.retryAfterMs),
    );
  if (e instanceof PartitionFullError) {
    return new ScimError(
      507,
      "Insufficient storage: this tenant's data has reached the store's limit; nothing was written. The service's operators have been alerted.",
    );
  }
  return undefined;
}
