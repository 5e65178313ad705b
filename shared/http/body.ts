import type { HttpRequest } from "@azure/functions";

/**
 * The one reader of request bodies, for every route that takes one (SCIM, the admin API, the
 * sign-in forms, the token endpoint). It throws BodyError; each wrapper answers it in its own
 * shape (a SCIM error, problem details, a sign-in page, an OAuth error).
 */

/** The kinds of route that take a body; each has one row in BODY_BOUNDS. */
export type BodyRoute = "scim" | "admin" | "signInForm" | "token";

/**
 * The deepest nesting of JSON objects and arrays accepted. Entra's deepest body is a group PATCH
 * (`{Operations: [{value: [{value}]}]}`, 4 levels); a user with the enterprise manager is 3. 64
 * leaves room for any hand-written client, while every recursive step after parsing (validation,
 * `JSON.stringify`, the store's serialiser) stays far from the stack's limit.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The size of each route's bodies, in bytes, and what the 413 tells the client to do. SCIM's is
 * SCIM_MAX_BODY_BYTES (1 MiB by default: a PUT of a group with several thousand members); the
 * admin API takes small JSON objects (a team, a role mapping, a token's name and expiry); the
 * sign-in form carries an invite code and a returnTo; a token request its OAuth parameters (a
 * client assertion JWT is a few KiB). Every route has the same read timeout, SCIM_BODY_TIMEOUT_MS.
 */
export const BODY_BOUNDS: Record<BodyRoute, { maxBytes: number | "SCIM_MAX_BODY_BYTES"; hint: string }> = {
  scim: { maxBytes: "SCIM_MAX_BODY_BYTES", hint: "send fewer operations or members per request" },
  admin: { maxBytes: 64 * 1024, hint: "this API takes small JSON objects; send only the fields of the request" },
  signInForm: { maxBytes: 4 * 1024, hint: "open the invite link again exactly as you received it" },
  token: { maxBytes: 16 * 1024, hint: "send only the OAuth parameters" },
};

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
  /** Said in a 413, after the limit. */
  hint: string;
}

/** The limits of a route's bodies (BODY_BOUNDS), with the configured SCIM size and read timeout. */
export function bodyLimits(route: BodyRoute, config: { maxBodyBytes: number; bodyTimeoutMs: number }): BodyLimits {
  const { maxBytes, hint } = BODY_BOUNDS[route];
  return {
    maxBytes: maxBytes === "SCIM_MAX_BODY_BYTES" ? config.maxBodyBytes : maxBytes,
    timeoutMs: config.bodyTimeoutMs,
    hint,
  };
}

/** A body refused: 413 too large, 408 too slow, 400 malformed (bad Content-Length, empty, not JSON, nested too deep). */
export class BodyError extends Error {
  override readonly name = "BodyError";
  constructor(
    readonly status: 400 | 408 | 413,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const tooLarge = (limits: BodyLimits) =>
  new BodyError(413, `The request body is larger than the limit of ${limits.maxBytes} bytes; ${limits.hint}.`);

/**
 * Reads a request body as text, never more than `maxBytes`: a declared Content-Length over the
 * limit is refused before anything is read, and a body that grows past it while streaming is
 * refused at once and its stream cancelled (the rest is never read). A body that takes longer than
 * `timeoutMs` gets 408.
 */
export async function readBodyText(request: HttpRequest, limits: BodyLimits): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (!/^\d+$/.test(declared.trim()))
      throw new BodyError(400, `The Content-Length header is not a number of bytes (got "${declared}").`);
    if (Number(declared) > limits.maxBytes) throw tooLarge(limits);
  }
  const stream = request.body;
  if (!stream) return "";
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new BodyError(408, `The request body did not arrive within ${limits.timeoutMs / 1000} s; send it again.`),
        ),
      limits.timeoutMs,
    );
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) break;
      size += value.byteLength;
      if (size > limits.maxBytes) throw tooLarge(limits);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * How deeply a JSON text nests objects and arrays, counted up to `stopAbove + 1`: one pass over the
 * characters (no recursion, so no stack to overflow), skipping strings and their escapes. Text
 * that is not JSON gives some number; JSON.parse refuses it afterwards.
 */
export function jsonDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest && (deepest = depth) > stopAbove) return deepest;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/**
 * The body as JSON, read by readBodyText: 400 when it is empty, nests objects and arrays more than
 * MAX_JSON_DEPTH levels (checked before parsing, so nothing downstream recurses that deep) or is
 * not JSON.
 */
export async function readJsonBody(request: HttpRequest, limits: BodyLimits): Promise<unknown> {
  const text = await readBodyText(request, limits);
  if (text.trim() === "") throw new BodyError(400, "The request body is empty; send a JSON object.");
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new BodyError(
      400,
      `The request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep; send a flatter JSON object.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BodyError(400, `The request body is not valid JSON: ${(error as Error).message}`);
  }
}
