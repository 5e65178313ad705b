import type { HttpRequest } from "@azure/functions";
import { ScimError } from "../scim/errors.js";

const tooLarge = (maxBytes: number) =>
  new ScimError(413, `The request body is larger than the limit of ${maxBytes} bytes; send fewer operations or members per request.`);

/**
 * Reads a request body as text, never more than `maxBytes`: a declared Content-Length over the
 * limit is refused before anything is read, and a body that grows past it while streaming is
 * refused at once (the rest is never read). A body that takes longer than `timeoutMs` gets 408.
 */
export async function readBodyText(request: HttpRequest, limits: { maxBytes: number; timeoutMs: number }): Promise<string> {
  const { maxBytes, timeoutMs } = limits;
  const declared = request.headers.get("content-length");
  if (declared !== null && (!/^\d+$/.test(declared.trim()) || Number(declared) > maxBytes)) {
    throw /^\d+$/.test(declared.trim())
      ? tooLarge(maxBytes)
      : new ScimError(400, `The Content-Length header is not a number of bytes (got "${declared}").`, "invalidSyntax");
  }
  const stream = request.body;
  if (!stream) return "";
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ScimError(408, `The request body did not arrive within ${timeoutMs / 1000} s; send it again.`)), timeoutMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw tooLarge(maxBytes);
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

/** The body as JSON: 413 over the size limit, 400 invalidSyntax when it is empty or not JSON. */
export async function readJsonBody(request: HttpRequest, limits: { maxBytes: number; timeoutMs: number }): Promise<unknown> {
  const text = await readBodyText(request, limits);
  if (text.trim() === "") throw new ScimError(400, "The request body is empty; a JSON object is required.", "invalidSyntax");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ScimError(400, `The request body is not valid JSON: ${(error as Error).message}`, "invalidSyntax");
  }
}
