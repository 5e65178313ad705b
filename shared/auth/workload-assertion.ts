import { decodeJwt, errors, type JWTPayload } from "jose";
import { JwksCache, SignInError, verifyWithKeys } from "./id-token.js";
import { isGuid } from "./secrets.js";

/**
 * Workload identity federation (RFC 7523 §2.2 client assertions): Entra presents a JWT it issued
 * for a workload identity, and the client is authenticated when a federated credential of it
 * names that issuer and subject and the JWT verifies against the issuer's published keys.
 * Trusted issuers are Entra's (`https://login.microsoftonline.com/<tid>/v2.0`, and the v1 form
 * `https://sts.windows.net/<tid>/`) and, only where the local host runs it, the development provider.
 */

/** Only RS256, as Entra signs: `none` and HS256 keyed with a public key never verify. */
const ALGORITHMS = ["RS256"];
/** Skew allowed on `exp`, `nbf` and `iat`, in seconds. */
const ASSERTION_SKEW_SECONDS = 60;
/** The longest an assertion may still be valid: Entra's tokens live at most a day; a longer one is not Entra's. */
const MAX_ASSERTION_LIFETIME_SECONDS = 24 * 3600;
/** How long reading an issuer's keys may take. */
const KEYS_TIMEOUT_MS = 5000;

const ENTRA_V2 = /^https:\/\/login\.microsoftonline\.com\/([0-9a-f-]{36})\/v2\.0$/i;
const ENTRA_V1 = /^https:\/\/sts\.windows\.net\/([0-9a-f-]{36})\/$/i;

/** An issuer as a federated credential stores it: Entra's by tenant id (both token versions), or the development provider. */
export type TrustedIssuer = { kind: "entra"; tenantId: string; issuer: string } | { kind: "dev"; issuer: string };

/**
 * Reads an issuer an admin typed: an Entra issuer (either form) or the development provider's
 * when it runs; undefined for any other issuer.
 */
export function trustedIssuer(text: string, devIssuer: string | undefined): TrustedIssuer | undefined {
  const raw = text.trim();
  const entra = ENTRA_V2.exec(raw) ?? ENTRA_V1.exec(raw);
  if (entra && isGuid(entra[1])) {
    const tenantId = entra[1]!.toLowerCase();
    return { kind: "entra", tenantId, issuer: `https://login.microsoftonline.com/${tenantId}/v2.0` };
  }
  if (devIssuer && raw.replace(/\/+$/, "").toLowerCase() === devIssuer.toLowerCase())
    return { kind: "dev", issuer: devIssuer };
  return undefined;
}

/** A federated credential as the check needs it. */
export interface FederatedCredential {
  id: string;
  issuer: string;
  entraTenantId?: string;
  subject: string;
  audiences: string[];
}

/** Why an assertion does not authenticate the client: a code for tests and the log, a message an admin can act on. */
export class AssertionError extends Error {
  override readonly name = "AssertionError";
  constructor(
    readonly code:
      | "malformed"
      | "issuer"
      | "no_credential"
      | "signature"
      | "audience"
      | "expired"
      | "not_yet_valid"
      | "claims"
      | "keys_unavailable",
    message: string,
  ) {
    super(message);
  }
}

export interface VerifiedAssertion {
  credentialId: string;
  issuer: string;
  subject: string;
  /** The assertion's `jti`, when it has one (one-time use, RFC 7523 §3). */
  jti?: string;
  /** Until when the assertion is accepted: its `exp` plus the allowed skew. */
  expiresAt: Date;
}

/** The signing keys of trusted issuers, one cache per key set URL; a lookup of an unknown `kid` refreshes (at most every 5 min). */
export class IssuerKeys {
  private readonly caches = new Map<string, JwksCache>();

  constructor(
    private readonly fetchImpl: typeof fetch = (url, init) =>
      fetch(url, { ...init, signal: AbortSignal.timeout(KEYS_TIMEOUT_MS) }),
  ) {}

  /** Entra's keys are per tenant; the development provider serves its own at /jwks. */
  for(issuer: TrustedIssuer): JwksCache {
    const url =
      issuer.kind === "entra"
        ? `https://login.microsoftonline.com/${issuer.tenantId}/discovery/v2.0/keys`
        : `${issuer.issuer}/jwks`;
    let cache = this.caches.get(url);
    if (!cache) {
      if (this.caches.size >= 1000) this.caches.delete(this.caches.keys().next().value!);
      cache = new JwksCache(url, this.fetchImpl, 24 * 3600_000, 5 * 60_000);
      this.caches.set(url, cache);
    }
    return cache;
  }
}

/**
 * Verifies a client assertion for a client's federated credentials (RFC 7523 §3): a trusted
 * issuer, a credential naming that issuer (for Entra: the `tid` in the issuer, which `tid` must
 * repeat) and the `sub`, an RS256 signature by a key the issuer publishes, `aud` among the
 * credential's audiences, `exp`/`nbf`/`iat` within ASSERTION_SKEW_SECONDS. Replay of a `jti` is
 * the caller's to refuse (it needs the store). Throws AssertionError.
 */
export async function verifyAssertion(
  assertion: string,
  options: { credentials: FederatedCredential[]; devIssuer?: string; keys: IssuerKeys; now: Date },
): Promise<VerifiedAssertion> {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(assertion);
  } catch {
    throw new AssertionError("malformed", "The client_assertion is not a well-formed JWT.");
  }
  const iss = typeof claims.iss === "string" ? claims.iss : "";
  const issuer = trustedIssuer(iss, options.devIssuer);
  if (!issuer || (issuer.kind === "dev" && iss !== options.devIssuer)) {
    throw new AssertionError(
      "issuer",
      `The client_assertion's issuer (${iss.slice(0, 200) || "none"}) is not trusted: only Microsoft Entra ID issuers (https://login.microsoftonline.com/<tenant id>/v2.0) are.`,
    );
  }
  const sub = typeof claims.sub === "string" ? claims.sub : "";
  const matching = options.credentials.filter(
    (c) =>
      (issuer.kind === "entra" ? c.entraTenantId === issuer.tenantId : c.issuer === issuer.issuer) &&
      c.subject.toLowerCase() === sub.toLowerCase(),
  );
  const credential = matching[0];
  if (!credential) {
    throw new AssertionError(
      "no_credential",
      `No federated credential of this client trusts issuer ${iss} with subject ${sub.slice(0, 100) || "(none)"}: add one with that issuer and the workload identity's object ID as subject.`,
    );
  }
  const verifyOptions = {
    algorithms: ALGORITHMS,
    audience: credential.audiences,
    clockTolerance: ASSERTION_SKEW_SECONDS,
    currentDate: options.now,
    requiredClaims: ["iss", "sub", "aud", "exp", "iat"],
  };
  const jwks = options.keys.for(issuer);
  let payload: JWTPayload;
  try {
    payload = await verifyWithKeys(assertion, jwks, verifyOptions);
  } catch (error) {
    throw translate(error, credential);
  }
  const now = Math.floor(options.now.getTime() / 1000);
  if (typeof payload.iat !== "number" || payload.iat > now + ASSERTION_SKEW_SECONDS)
    throw new AssertionError("not_yet_valid", "The client_assertion was issued in the future (iat); check the clocks.");
  if (issuer.kind === "entra" && String(payload["tid"] ?? "").toLowerCase() !== issuer.tenantId)
    throw new AssertionError(
      "claims",
      `The client_assertion's tenant (tid) is not ${issuer.tenantId}, the tenant of its issuer.`,
    );
  const jti = typeof payload.jti === "string" && payload.jti !== "" ? payload.jti : undefined;
  if (payload.exp! - now > MAX_ASSERTION_LIFETIME_SECONDS)
    throw new AssertionError(
      "claims",
      `The client_assertion is valid for more than ${MAX_ASSERTION_LIFETIME_SECONDS / 3600} hours (exp); request a token with a shorter lifetime.`,
    );
  // Accepted until exp plus the skew: a jti stays spent that long.
  return {
    credentialId: credential.id,
    issuer: iss,
    subject: sub,
    ...(jti ? { jti } : {}),
    expiresAt: new Date((payload.exp! + ASSERTION_SKEW_SECONDS) * 1000),
  };
}

function translate(error: unknown, credential: FederatedCredential): AssertionError {
  if (error instanceof SignInError)
    return new AssertionError("keys_unavailable", "The issuer's signing keys could not be read; try again shortly.");
  if (error instanceof errors.JWTExpired)
    return new AssertionError("expired", "The client_assertion has expired (exp).");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud")
      return new AssertionError(
        "audience",
        `The client_assertion's audience (aud) is not one this credential accepts: ${credential.audiences.join(", ")}.`,
      );
    if (error.claim === "nbf")
      return new AssertionError("not_yet_valid", "The client_assertion is not valid yet (nbf).");
    return new AssertionError("claims", `The client_assertion's ${error.claim} claim is missing or malformed.`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return new AssertionError("signature", "The client_assertion's signing algorithm is not allowed (only RS256).");
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return new AssertionError("signature", "The client_assertion is signed with a key its issuer does not publish.");
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new AssertionError("signature", "The client_assertion's signature does not verify.");
  return new AssertionError("malformed", "The client_assertion could not be verified (malformed JWT).");
}
