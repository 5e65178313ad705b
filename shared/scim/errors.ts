import { URN } from "./urns.js";

/**
 * The one SCIM error type (RFC 7644 §3.12). Every failure that reaches a client is one of these;
 * foreign errors are translated into it in shared/http.
 */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive"
  | "invalidCursor"
  | "expiredCursor"
  | "invalidCount";

/** Which scimType values RFC 7644 §3.12 (and RFC 9865 §2 for cursors and count) allows with which status. */
const ALLOWED: Record<ScimType, readonly number[]> = {
  invalidFilter: [400],
  tooMany: [400],
  uniqueness: [409],
  mutability: [400],
  invalidSyntax: [400],
  invalidPath: [400],
  noTarget: [400],
  invalidValue: [400],
  invalidVers: [400],
  sensitive: [400],
  invalidCursor: [400],
  expiredCursor: [400],
  invalidCount: [400],
};

export class ScimError extends Error {
  readonly status: number;
  readonly scimType?: ScimType;
  readonly detail: string;
  /** Extra response headers, e.g. WWW-Authenticate on 401. */
  readonly headers?: Record<string, string>;

  constructor(status: number, detail: string, scimType?: ScimType, headers?: Record<string, string>) {
    super(detail);
    if (scimType && !ALLOWED[scimType].includes(status)) {
      throw new Error(`scimType ${scimType} is not valid with status ${status}`);
    }
    this.name = "ScimError";
    this.status = status;
    this.scimType = scimType;
    this.detail = detail;
    this.headers = headers;
  }

  /** The wire body (RFC 7644 §3.12): status as a string, scimType only when set. */
  toJSON(): Record<string, unknown> {
    return {
      schemas: [URN.error],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}

export const badRequest = (scimType: ScimType, detail: string) => new ScimError(400, detail, scimType);
export const notFound = (detail: string) => new ScimError(404, detail);

/** 405: the resource exists but not with this method (RFC 9110 §15.5.6 requires `Allow`). */
export const methodNotAllowed = (detail: string, allowed: string[]) =>
  new ScimError(405, detail, undefined, { Allow: allowed.join(", ") });
