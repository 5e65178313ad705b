/** Small helpers over plain JSON values, shared by the SCIM core. */

export type JsonObject = Record<string, unknown>;

/** A JSON object: not null, not an array. */
export const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Entra's default dialect sends booleans as strings ("True", "False"; spec §7); RFC clients send
 * true/false. Returns the boolean for "true"/"false" in any case, and every other value unchanged.
 */
export function coerceBoolean(value: unknown): unknown {
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  return value;
}
