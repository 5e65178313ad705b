import { credentialStatus, daysUntil, expiryState, type CredentialStatus } from "./tokens.js";

/**
 * The lifecycle rules of an OAuth client and its secrets: a secret's status and expiry warning
 * (the same rules as a SCIM token's, product/tokens.ts), whether a presented secret may be used,
 * and a client's status. Pure: time is passed in.
 */

/** A secret's dates as stored. */
export interface SecretDates {
  expiresAt: string;
  revokedAt?: string | null;
}

/** What a secret's dates say: its status, whether to rotate it soon (EXPIRY_WARNING_DAYS), and whole days until expiry (negative once expired). */
export interface SecretState {
  status: CredentialStatus;
  expiresSoon: boolean;
  expiresInDays: number;
}

export function secretState(secret: SecretDates, now: Date): SecretState {
  const { status, expiresSoon } = expiryState(secret, now);
  return { status, expiresSoon, expiresInDays: daysUntil(secret.expiresAt, now) };
}

/** Why a matching secret may not obtain a token (expired from `expiresAt` on, or revoked), or undefined when it may. */
export function secretRefusal(secret: SecretDates, now: Date): "expired" | "revoked" | undefined {
  const status = credentialStatus(secret, now);
  return status === "active" ? undefined : status;
}

/** A client is revoked once `revokedAt` is set (its secrets' dates do not matter then). */
export const clientStatus = (client: { revokedAt?: string | null }): "active" | "revoked" =>
  client.revokedAt ? "revoked" : "active";

/** The latest of the credentials' last uses (ISO times), or null if none was ever used. */
export function latestUse(uses: (string | null | undefined)[]): string | null {
  return (
    uses
      .filter((t): t is string => !!t)
      .sort()
      .pop() ?? null
  );
}
