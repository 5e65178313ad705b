/**
 * The lifecycle rules of a credential Entra calls with (a SCIM token, an OAuth client secret):
 * when it is active, expired or revoked, when to warn about its expiry, and the expiry an admin
 * may give a new token. Pure: time is passed in.
 */

/** Credentials expiring within this many days are flagged (`token list`, Connection health, the daily expiry check). */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 24 * 3600 * 1000;

export type CredentialStatus = "active" | "expired" | "revoked";

/** What a credential's dates say: its status, whether to rotate it soon, and whole days until expiry. */
export interface ExpiryState {
  status: CredentialStatus;
  /** Active and expiring within EXPIRY_WARNING_DAYS: rotate it before Entra's job goes into quarantine. */
  expiresSoon: boolean;
  /** Whole days until expiry (negative once expired); null without an expiry. */
  expiresInDays: number | null;
}

/** Revoked once `revokedAt` is set; expired from `expiresAt` on; active otherwise (also without an expiry). */
export function credentialStatus(
  credential: { revokedAt?: string | null; expiresAt?: string | null },
  now: Date,
): CredentialStatus {
  if (credential.revokedAt) return "revoked";
  if (credential.expiresAt && Date.parse(credential.expiresAt) <= now.getTime()) return "expired";
  return "active";
}

/** Whole days from `now` until `iso` (rounded down; negative once past). */
export const daysUntil = (iso: string, now: Date) => Math.floor((Date.parse(iso) - now.getTime()) / DAY_MS);

export function expiryState(
  credential: { revokedAt?: string | null; expiresAt?: string | null },
  now: Date,
): ExpiryState {
  const status = credentialStatus(credential, now);
  const left = credential.expiresAt ? Date.parse(credential.expiresAt) - now.getTime() : undefined;
  return {
    status,
    expiresSoon: status === "active" && left !== undefined && left <= EXPIRY_WARNING_DAYS * DAY_MS,
    expiresInDays: credential.expiresAt ? daysUntil(credential.expiresAt, now) : null,
  };
}

/** A token's expiry when none is given: one year after its creation. */
export function defaultTokenExpiry(createdAt: Date): Date {
  const expiry = new Date(createdAt.getTime());
  expiry.setUTCFullYear(expiry.getUTCFullYear() + 1);
  return expiry;
}

const EXPIRY_FORM = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * The expiry an admin gives a new token (`token create --expires`, `POST /api/admin/tokens`
 * `expiresAt`): a date (`2027-01-31`, midnight UTC) or an ISO 8601 date-time with its time zone
 * (`2027-01-31T09:00:00Z`, `2027-01-31T09:00+02:00`), on a day the calendar has, in the future.
 * A date-time without a time zone is refused: it would depend on the server's. Throws an Error
 * whose message says what to give.
 */
export function parseTokenExpiry(text: string, now: Date): Date {
  const m = EXPIRY_FORM.exec(text);
  const [, y, mo, d, h = "0", mi = "0", s = "0", zone] = m ?? [];
  const day = m ? new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))) : undefined;
  const real =
    day !== undefined &&
    day.getUTCFullYear() === Number(y) &&
    day.getUTCMonth() === Number(mo) - 1 &&
    day.getUTCDate() === Number(d) &&
    Number(h) <= 23 &&
    Number(mi) <= 59 &&
    Number(s) <= 59 &&
    (zone === undefined || zone === "Z" || (Number(zone.slice(1, 3)) <= 23 && Number(zone.slice(4)) <= 59));
  const at = real ? Date.parse(zone === undefined ? `${text}T00:00:00Z` : text) : NaN;
  if (Number.isNaN(at)) {
    throw new Error(
      `a token's expiry must be a date such as 2027-01-31 (midnight UTC) or a date-time with its time zone such as 2027-01-31T09:00:00Z (got "${text}")`,
    );
  }
  if (at <= now.getTime()) throw new Error(`a token's expiry must be in the future (got "${text}")`);
  return new Date(at);
}
