import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyOptions } from "jose";
import { isGuid } from "./secrets.js";

/** Why sign-in could not go on: a code for tests and logs, a message without any secret. */
export class SignInError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = "SignInError";
  }
}

/** Only RS256: Entra signs ID tokens with it. `none` and HS* (a public key used as HMAC secret) never pass. */
const ID_TOKEN_ALGORITHMS = ["RS256"] as const;
/** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. */
export const CLOCK_SKEW_SECONDS = 120;

/** The claims of a validated ID token that sign-in uses. */
export interface IdTokenClaims {
  tid: string;
  oid: string;
  preferredUsername: string | null;
  name: string | null;
  iss: string;
  sub: string | null;
}

/**
 * The issuer's signing keys (JWKS), fetched with the given `fetch` and cached for `maxAgeMs`.
 * A token whose `kid` is unknown makes it fetch again (Entra rotates keys), at most once per
 * `cooldownMs`, so an attacker's random kids cannot turn into a request flood.
 */
export class JwksCache {
  private keys?: { set: ReturnType<typeof createLocalJWKSet>; fetchedAt: number };
  private inFlight?: Promise<void>;

  constructor(
    private readonly jwksUri: string,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly maxAgeMs = 24 * 3600_000,
    private readonly cooldownMs = 5 * 60_000,
  ) {}

  private async refresh(now: number): Promise<void> {
    this.inFlight ??= (async () => {
      try {
        const response = await this.fetchImpl(this.jwksUri, { headers: { accept: "application/json" } }).catch(() => {
          throw new SignInError(
            "jwks_unavailable",
            "The identity provider's signing keys could not be read (no answer).",
            502,
          );
        });
        if (!response.ok)
          throw new SignInError(
            "jwks_unavailable",
            `The identity provider's signing keys could not be read (HTTP ${response.status}).`,
            502,
          );
        const jwks = (await response.json()) as JSONWebKeySet;
        if (!Array.isArray(jwks?.keys))
          throw new SignInError("jwks_unavailable", "The identity provider's signing keys are not a JWKS.", 502);
        this.keys = { set: createLocalJWKSet(jwks), fetchedAt: now };
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  /** The key set to verify with at time `now` (ms); refetched when older than maxAgeMs. */
  async keySet(now: number, forceIfOlderThanCooldown = false) {
    if (
      !this.keys ||
      now - this.keys.fetchedAt >= this.maxAgeMs ||
      (forceIfOlderThanCooldown && now - this.keys.fetchedAt >= this.cooldownMs)
    ) {
      try {
        await this.refresh(now);
      } catch (error) {
        // Keys already known stay usable while the provider cannot be reached.
        if (!this.keys) throw error;
      }
    }
    return this.keys!.set;
  }
}

/**
 * Verifies a JWT with the issuer's keys at `now`; a token signed with a key not (yet) known makes
 * the cache read the keys again (at most once per cooldown) and verify once more. jose's errors go
 * to the caller to translate.
 */
export async function verifyWithKeys(
  jwt: string,
  jwks: JwksCache,
  options: JWTVerifyOptions & { currentDate: Date },
): Promise<JWTPayload> {
  const at = options.currentDate.getTime();
  try {
    return (await jwtVerify(jwt, await jwks.keySet(at), options)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
    return (await jwtVerify(jwt, await jwks.keySet(at, true), options)).payload;
  }
}

export interface IdTokenExpectations {
  /**
   * The issuer the token must carry: a template with `{tid}` (Entra: `https://login.microsoftonline.com/{tid}/v2.0`,
   * substituted with the token's own tid) or a fixed issuer (the development provider).
   */
  issuer: string;
  /** The client id: the only accepted audience. */
  clientId: string;
  /** The nonce stored for this login. */
  nonce: string;
  now: Date;
}

function invalid(reason: string, message: string): SignInError {
  return new SignInError(`id_token_${reason}`, `The sign-in token was refused: ${message}`, 401);
}

/** The issuer `iss` must equal for a token of tenant `tid`. */
export const expectedIssuer = (template: string, tid: string) => template.split("{tid}").join(tid);

/**
 * Normalises a discovery document's `issuer` into the rule above: Entra's multi-tenant document
 * says `{tenantid}` where the token's tid goes.
 */
export const issuerRuleFromDiscovery = (issuer: string) => issuer.split("{tenantid}").join("{tid}");

/**
 * Validates an ID token (OpenID Connect Core §3.1.3.7): RS256 signature by a key of the issuer's
 * JWKS, `iss` (per-tid template or fixed), `aud` containing the client id, `azp` = client id when
 * present and required when `aud` names several audiences, `nonce`,
 * `exp`/`nbf`/`iat` within CLOCK_SKEW_SECONDS, and GUID-shaped `tid` and `oid`.
 * Throws SignInError with code `id_token_<reason>`.
 */
export async function validateIdToken(
  idToken: string,
  jwks: JwksCache,
  expect: IdTokenExpectations,
): Promise<IdTokenClaims> {
  const options = {
    algorithms: [...ID_TOKEN_ALGORITHMS],
    audience: expect.clientId,
    clockTolerance: CLOCK_SKEW_SECONDS,
    currentDate: expect.now,
    requiredClaims: ["iss", "aud", "exp", "iat", "nonce"],
  };
  let payload: JWTPayload;
  try {
    payload = await verifyWithKeys(idToken, jwks, options);
  } catch (error) {
    throw translateJoseError(error);
  }
  const now = Math.floor(expect.now.getTime() / 1000);
  if (typeof payload.iat !== "number" || payload.iat > now + CLOCK_SKEW_SECONDS)
    throw invalid("not_yet_valid", "it was issued in the future (iat).");
  if (!isGuid(payload["tid"])) throw invalid("claims", "it has no tenant id (tid) in GUID form.");
  if (!isGuid(payload["oid"])) throw invalid("claims", "it has no object id (oid) in GUID form.");
  const tid = payload["tid"];
  if (payload.iss !== expectedIssuer(expect.issuer, tid))
    throw invalid("issuer", "it was issued by an unexpected issuer.");
  // §3.1.3.7 (3)-(5): with several audiences the token must name the client as its authorized party.
  const severalAudiences = Array.isArray(payload.aud) && payload.aud.length > 1;
  if (severalAudiences && payload["azp"] === undefined)
    throw invalid("audience", "it names several audiences but no authorized party (azp).");
  if (payload["azp"] !== undefined && payload["azp"] !== expect.clientId)
    throw invalid("audience", "it was issued to another application (azp).");
  if (typeof payload["nonce"] !== "string" || payload["nonce"] !== expect.nonce)
    throw invalid("nonce", "it does not belong to this sign-in (nonce).");
  const text = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : null);
  return {
    tid,
    oid: payload["oid"] as string,
    preferredUsername: text(payload["preferred_username"]),
    name: text(payload["name"]),
    iss: payload.iss,
    sub: text(payload.sub),
  };
}

function translateJoseError(error: unknown): Error {
  if (error instanceof SignInError) return error;
  if (error instanceof errors.JWTExpired) return invalid("expired", "it has expired (exp).");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return invalid("audience", "it was issued to another application (aud).");
    if (error.claim === "nbf") return invalid("not_yet_valid", "it is not valid yet (nbf).");
    if (error.claim === "iat") return invalid("not_yet_valid", "its issue time is not valid (iat).");
    return invalid("claims", `its ${error.claim} claim is missing or malformed.`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return invalid("algorithm", "its signing algorithm is not allowed.");
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return invalid("unknown_key", "it is signed with a key the identity provider does not publish.");
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return invalid("signature", "its signature does not verify.");
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return invalid("malformed", "it is not a well-formed JWT.");
  return invalid("malformed", "it could not be verified.");
}
