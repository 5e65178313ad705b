import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh 256-bit random secret, base64url (43 characters). */
export const randomSecret = (): string => randomBytes(32).toString("base64url");

/** SHA-256 of a secret, hex: what the store keeps instead of the secret (256-bit secrets need no salt). */
export const sha256Hex = (secret: string): string => createHash("sha256").update(secret, "utf8").digest("hex");

/** HMAC-SHA-256 keyed by a secret, base64url: derives a second secret from the first. */
export const deriveSecret = (key: string, purpose: string): string =>
  createHmac("sha256", key).update(purpose, "utf8").digest("base64url");

/** Constant-time comparison of two strings (false when the lengths differ). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Entra tenant and object ids are GUIDs. */
export const isGuid = (value: unknown): value is string => typeof value === "string" && GUID.test(value);
