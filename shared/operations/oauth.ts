import { AssertionError, IssuerKeys, trustedIssuer, verifyAssertion } from "../auth/workload-assertion.js";
import { RateLimiter } from "../auth/rate-limit.js";
import { isGuid } from "../auth/secrets.js";
import { NotFoundError } from "../store/errors.js";
import {
  CLIENT_SECRET_PREFIX,
  clientRecord,
  newSecret,
  type ClientDoc,
  type ClientRecord,
  type FederatedRecord,
} from "../store/oauth.js";
import { withRetry } from "./retry.js";
import type { FederatedCredential, OAuthClient, OAuthSecret } from "../contracts/admin-api.js";
import { EXPIRY_WARNING_DAYS, daysUntil } from "../product/tokens.js";
import { clientStatus, latestUse, secretRefusal, secretState } from "../product/oauth.js";
import { randomBytes } from "node:crypto";
import type { OperationContext, Services } from "./context.js";
import { OperationError } from "./errors.js";
import { AuditTrail, logged } from "./audit-trail.js";
import { requireTenant } from "./tenants.js";

/**
 * OAuth 2.0 for Entra provisioning: per-tenant clients with rotating secrets (client credentials,
 * RFC 6749 §4.4) and federated credentials (workload identity federation, RFC 7523), and the
 * token endpoint's grant. Access tokens are opaque, stored as hashes, and accepted on every SCIM
 * route exactly as Secret Tokens are (operations/tokens.ts).
 */

/** The one scope this service grants: the SCIM API of the client's tenant. */
const OAUTH_SCOPE = "scim";
/** The token endpoint's path under the service's origin (one route for every tenant). */
export const TOKEN_PATH = "oauth2/token";
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

const LIFETIME_MINUTES = { min: 60, max: 360, default: 60 } as const;
const SECRET_YEARS = { min: 1, max: 3, default: 2 } as const;

/**
 * A value of the request quoted back in an error (and so in the provisioning log): never one that
 * looks like a secret of this service (an admin who pasted the client secret into Entra's Scope or
 * Client ID field), and never long.
 */
function quoted(value: string, max = 64): string {
  if (/scimf_/i.test(value))
    return "a value that looks like a client secret or token of this service (not repeated here)";
  return `"${value.length > max ? `${value.slice(0, max)}…` : value}"`;
}

/** A client as the operations answer it: what the admin sees, and its tenant. */
export type ClientInfo = OAuthClient & { tenantId: string };

/** A stored client with its status, its secrets' status and expiry warning, and its latest use (product/oauth.ts). */
export function clientInfo(record: ClientRecord, now: Date): ClientInfo {
  return {
    clientId: record.id,
    tenantId: record.tenantId,
    name: record.name,
    createdAt: record.createdAt,
    status: clientStatus(record),
    revokedAt: record.revokedAt ?? null,
    accessTokenLifetimeMinutes: record.accessTokenLifetimeMinutes,
    lastUsedAt: latestUse([...record.secrets.map((s) => s.lastUsedAt), ...record.federated.map((f) => f.lastUsedAt)]),
    secrets: record.secrets.map((s): OAuthSecret => {
      const { status, expiresSoon, expiresInDays } = secretState(s, now);
      return {
        id: s.id,
        createdAt: s.createdAt,
        expiresAt: s.expiresAt,
        lastUsedAt: s.lastUsedAt ?? null,
        status,
        revokedAt: s.revokedAt ?? null,
        expiresSoon,
        expiresInDays,
      };
    }),
    federatedCredentials: record.federated.map((f): FederatedCredential => ({
      id: f.id,
      issuer: f.issuer,
      entraTenantId: f.entraTenantId ?? null,
      subject: f.subject,
      audiences: f.audiences,
      createdAt: f.createdAt,
      lastUsedAt: f.lastUsedAt ?? null,
    })),
  };
}

/** An OAuth client as the portal shows it (never a secret or a hash). */
export const clientView = ({ tenantId: _t, ...client }: ClientInfo): OAuthClient => client;

/** Active secrets of active clients of every tenant expiring within `withinDays` (the daily check: 30), soonest first. */
export async function expiringOAuthSecrets(services: Services, now: Date, withinDays = EXPIRY_WARNING_DAYS) {
  return (await services.oauth.expiringSecrets(now, withinDays)).map((s) => ({
    ...s,
    expiresInDays: daysUntil(s.expiresAt, now),
  }));
}

/** The values an admin pastes into Entra. */
export const oauthEndpoints = (origin: string) => ({ tokenEndpoint: `${origin}/${TOKEN_PATH}`, scope: OAUTH_SCOPE });

const yearsFrom = (now: Date, years: number) => {
  const d = new Date(now.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
};

function clientName(raw: string): string {
  const name = raw.trim();
  if (name === "")
    throw new OperationError(400, "an OAuth client needs a name (for example entra-provisioning)", "name");
  if (name.length > 100) throw new OperationError(400, "an OAuth client's name is at most 100 characters", "name");
  return name;
}

function lifetime(minutes: number | undefined): number {
  const m = minutes ?? LIFETIME_MINUTES.default;
  if (!Number.isInteger(m) || m < LIFETIME_MINUTES.min || m > LIFETIME_MINUTES.max)
    throw new OperationError(
      400,
      `the access token lifetime must be a whole number of minutes from ${LIFETIME_MINUTES.min} to ${LIFETIME_MINUTES.max}, as Entra expects (got ${minutes})`,
      "accessTokenLifetimeMinutes",
    );
  return m;
}

function secretYears(years: number | undefined): number {
  const y = years ?? SECRET_YEARS.default;
  if (!Number.isInteger(y) || y < SECRET_YEARS.min || y > SECRET_YEARS.max)
    throw new OperationError(
      400,
      `a client secret lasts ${SECRET_YEARS.min} to ${SECRET_YEARS.max} whole years (got ${years})`,
      "lifetimeYears",
    );
  return y;
}

const notFound = (ctx: OperationContext, clientId: string) =>
  new OperationError(
    404,
    `tenant ${ctx.tenantId} has no OAuth client ${clientId} (see: oauth client list --tenant ${ctx.tenantId})`,
    "clientId",
  );

/**
 * Load → plan → write of a client: `plan` gives the next client document from the one loaded (pure;
 * the same document leaves it as it is, and a refusal throws before anything is written), written
 * only if nobody changed the client meanwhile; a lost race plans again (retry.ts). The store's
 * "no such client" becomes a 404 that names the tenant.
 */
async function changeClient(
  ctx: OperationContext,
  clientId: string,
  plan: (doc: ClientDoc) => ClientDoc,
): Promise<ClientInfo> {
  const { oauth } = ctx.services;
  const record = await withRetry(
    `changing OAuth client ${clientId}`,
    () => oauth.loadClient(ctx.tenantId, clientId),
    plan,
    (next, loaded) => (next === loaded ? Promise.resolve(clientRecord(loaded)) : oauth.writeClient(next, loaded)),
    undefined,
    5,
  ).catch((error: unknown) => {
    throw error instanceof NotFoundError ? notFound(ctx, clientId) : error;
  });
  return clientInfo(record, ctx.now);
}

/** Creates a client and its first secret (shown this once). */
export async function createOAuthClient(
  ctx: OperationContext,
  input: { name: string; accessTokenLifetimeMinutes?: number; lifetimeYears?: number },
): Promise<{ client: ClientInfo; clientSecret: string; secretExpiresAt: string }> {
  await requireTenant(ctx.services, ctx.tenantId);
  const name = clientName(input.name);
  const minutes = lifetime(input.accessTokenLifetimeMinutes);
  const secretExpiresAt = yearsFrom(ctx.now, secretYears(input.lifetimeYears));
  return logged(
    ctx,
    { operation: "oauth-client-create", resourceType: "OAuthClient" },
    async (trail) => {
      const { client, secret } = await ctx.services.oauth.createClient(
        ctx.tenantId,
        { name, accessTokenLifetimeMinutes: minutes, secretExpiresAt },
        ctx.now,
      );
      trail.resourceId = client.id;
      trail.changedAttributes = ["name", "accessTokenLifetimeMinutes", "secrets"];
      return {
        client: clientInfo(client, ctx.now),
        clientSecret: secret,
        secretExpiresAt: secretExpiresAt.toISOString(),
      };
    },
    () => 201,
  );
}

export async function listOAuthClients(ctx: OperationContext): Promise<ClientInfo[]> {
  await requireTenant(ctx.services, ctx.tenantId);
  return (await ctx.services.oauth.list(ctx.tenantId)).map((c) => clientInfo(c, ctx.now));
}

/** Adds a secret (rotation without downtime: the others stay active until revoked). */
export async function addOAuthSecret(
  ctx: OperationContext,
  clientId: string,
  input: { lifetimeYears?: number } = {},
): Promise<{ client: ClientInfo; clientSecret: string; secret: OAuthSecret }> {
  await requireTenant(ctx.services, ctx.tenantId);
  const expiresAt = yearsFrom(ctx.now, secretYears(input.lifetimeYears));
  return logged(
    ctx,
    { operation: "oauth-secret-add", resourceType: "OAuthClient", resourceId: clientId },
    async (trail) => {
      const refuseRevoked = (doc: { revokedAt?: string }) => {
        if (doc.revokedAt)
          throw new OperationError(409, `OAuth client ${clientId} is revoked; create a new client`, "clientId");
      };
      // Drawn once, outside the plan: a rerun after a lost race adds the same secret.
      const { record: added, secret } = newSecret(expiresAt, ctx.now);
      const client = await changeClient(ctx, clientId, (doc) => {
        refuseRevoked(doc);
        return { ...doc, secrets: [...doc.secrets, added] };
      });
      trail.changedAttributes = ["secrets"];
      return { client, clientSecret: secret, secret: client.secrets.find((s) => s.id === added.id)! };
    },
    () => 201,
  );
}

/** Revokes one secret: tokens issued from it stop working within 5 seconds everywhere. */
export async function revokeOAuthSecret(
  ctx: OperationContext,
  clientId: string,
  secretId: string,
): Promise<ClientInfo> {
  await requireTenant(ctx.services, ctx.tenantId);
  return logged(
    ctx,
    { operation: "oauth-secret-revoke", resourceType: "OAuthClient", resourceId: clientId },
    async (trail) => {
      trail.changedAttributes = ["secrets"];
      const stamp = ctx.now.toISOString();
      const client = await changeClient(ctx, clientId, (doc) => {
        const secret = doc.secrets.find((s) => s.id === secretId);
        if (!secret) throw new OperationError(404, `OAuth client ${clientId} has no secret ${secretId}`, "secretId");
        if (secret.revokedAt) return doc;
        return { ...doc, secrets: doc.secrets.map((s) => (s.id === secretId ? { ...s, revokedAt: stamp } : s)) };
      });
      ctx.services.oauth.forgetClient(clientId);
      return client;
    },
  );
}

/** Revokes a client: every token issued to it stops working within 5 seconds, and it gets no more. */
export async function revokeOAuthClient(ctx: OperationContext, clientId: string): Promise<ClientInfo> {
  await requireTenant(ctx.services, ctx.tenantId);
  return logged(
    ctx,
    { operation: "oauth-client-revoke", resourceType: "OAuthClient", resourceId: clientId },
    async (trail) => {
      trail.changedAttributes = ["revokedAt"];
      const client = await changeClient(ctx, clientId, (doc) =>
        doc.revokedAt ? doc : { ...doc, revokedAt: ctx.now.toISOString() },
      );
      ctx.services.oauth.forgetClient(clientId);
      return client;
    },
  );
}

/**
 * Adds a federated credential: Entra's issuer for the customer's directory (either token version's
 * form), the workload identity's object ID as subject, and the audiences its tokens may carry
 * (default: `api://<clientId>` and the bare client ID, both seen from Entra).
 */
export async function addFederatedCredential(
  ctx: OperationContext,
  clientId: string,
  input: { issuer: string; subject: string; audiences?: string[] },
): Promise<ClientInfo> {
  await requireTenant(ctx.services, ctx.tenantId);
  const issuer = trustedIssuer(input.issuer, ctx.services.config.oauth.devIssuer);
  if (!issuer)
    throw new OperationError(
      400,
      `the issuer must be Microsoft Entra ID's for your directory, https://login.microsoftonline.com/<directory tenant id>/v2.0 (or https://sts.windows.net/<tenant id>/) (got "${input.issuer.slice(0, 200)}")`,
      "issuer",
    );
  const subject = input.subject.trim();
  if (issuer.kind === "entra" ? !isGuid(subject) : subject === "" || subject.length > 200)
    throw new OperationError(
      400,
      `the subject is the workload identity's object ID, a GUID (got "${subject.slice(0, 100)}")`,
      "subject",
    );
  const audiences = [
    ...new Set((input.audiences ?? [`api://${clientId}`, clientId]).map((a) => a.trim()).filter((a) => a !== "")),
  ];
  if (audiences.length === 0 || audiences.length > 5 || audiences.some((a) => a.length > 200))
    throw new OperationError(400, `give 1 to 5 audiences, such as api://${clientId} and ${clientId}`, "audiences");
  return logged(
    ctx,
    { operation: "oauth-federation-add", resourceType: "OAuthClient", resourceId: clientId },
    async (trail) => {
      trail.changedAttributes = ["federatedCredentials"];
      const record: FederatedRecord = {
        id: `fic_${randomBytes(9).toString("base64url")}`,
        issuer: issuer.issuer,
        ...(issuer.kind === "entra" ? { entraTenantId: issuer.tenantId } : {}),
        subject: issuer.kind === "entra" ? subject.toLowerCase() : subject,
        audiences,
        createdAt: ctx.now.toISOString(),
      };
      return changeClient(ctx, clientId, (doc) => {
        if (doc.revokedAt)
          throw new OperationError(409, `OAuth client ${clientId} is revoked; create a new client`, "clientId");
        if (
          doc.federated.some(
            (f) => f.issuer === record.issuer && f.subject.toLowerCase() === record.subject.toLowerCase(),
          )
        )
          throw new OperationError(
            409,
            `OAuth client ${clientId} already trusts subject ${record.subject} of ${record.issuer}`,
            "subject",
          );
        if (doc.federated.length >= 20)
          throw new OperationError(422, "an OAuth client has at most 20 federated credentials", "federatedCredentials");
        return { ...doc, federated: [...doc.federated, record] };
      });
    },
  );
}

/** Removes a federated credential: tokens issued through it stop working within 5 seconds. */
export async function removeFederatedCredential(
  ctx: OperationContext,
  clientId: string,
  credentialId: string,
): Promise<ClientInfo> {
  await requireTenant(ctx.services, ctx.tenantId);
  return logged(
    ctx,
    { operation: "oauth-federation-remove", resourceType: "OAuthClient", resourceId: clientId },
    async (trail) => {
      trail.changedAttributes = ["federatedCredentials"];
      const client = await changeClient(ctx, clientId, (doc) => {
        if (!doc.federated.some((f) => f.id === credentialId))
          throw new OperationError(
            404,
            `OAuth client ${clientId} has no federated credential ${credentialId}`,
            "credentialId",
          );
        return { ...doc, federated: doc.federated.filter((f) => f.id !== credentialId) };
      });
      ctx.services.oauth.forgetClient(clientId);
      return client;
    },
  );
}

// ---------------------------------------------------------------------------------------------
// The token endpoint (RFC 6749 §4.4 client credentials; RFC 7523 §2.2 client assertions)

/** An RFC 6749 §5.2 error: the code, a description an admin can act on, and the status. */
export class OAuthError extends Error {
  override readonly name = "OAuthError";
  constructor(
    readonly error:
      | "invalid_request"
      | "invalid_client"
      | "invalid_grant"
      | "unauthorized_client"
      | "unsupported_grant_type"
      | "invalid_scope"
      | "temporarily_unavailable",
    readonly description: string,
    readonly status = error === "invalid_client" ? 401 : error === "temporarily_unavailable" ? 503 : 400,
    readonly retryAfterSeconds?: number,
  ) {
    super(description);
  }
}

/** A token request as the adapter parsed it (form fields and the Basic header, never logged). */
export interface TokenRequest {
  grantType?: string;
  scope?: string;
  /** Credentials from `Authorization: Basic` (client_secret_basic). */
  basic?: { clientId: string; clientSecret: string };
  /** Form fields (client_secret_post, client assertions). */
  clientId?: string;
  clientSecret?: string;
  assertionType?: string;
  assertion?: string;
  /** The Tenant URL the access token is for (the service's origin + /scim/v2). */
  tenantUrl: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
}

/** A client as the token endpoint uses it: what the provisioning log names, and the workload identities it trusts. */
interface TokenClient {
  info: ClientInfo;
  federated: FederatedRecord[];
}

/** One IssuerKeys per services object (a process has one). */
const keysOf = new WeakMap<object, IssuerKeys>();

/** The client and the credential that authenticated, or an OAuthError saying why not. */
async function authenticateClient(
  services: Services,
  req: TokenRequest,
  now: Date,
): Promise<{
  client: TokenClient;
  credentialId: string;
  via: "secret" | "assertion";
  assertionJti?: { issuer: string; jti: string; expiresAt: Date };
}> {
  const hasSecret = req.basic !== undefined || req.clientSecret !== undefined;
  const hasAssertion = req.assertion !== undefined || req.assertionType !== undefined;
  if (hasSecret && hasAssertion)
    throw new OAuthError(
      "invalid_request",
      "Send either a client secret or a client_assertion, not both (RFC 6749 §2.3: one authentication method per request).",
    );
  if (req.basic && req.clientId !== undefined && req.clientId !== req.basic.clientId)
    throw new OAuthError(
      "invalid_request",
      "The client_id in the body differs from the one in the Authorization header.",
    );
  if (req.basic && req.clientSecret !== undefined && req.clientSecret !== req.basic.clientSecret)
    throw new OAuthError(
      "invalid_client",
      "The client secret in the body differs from the one in the Authorization header.",
    );
  const clientId = req.basic?.clientId ?? req.clientId;
  if (!clientId) {
    throw new OAuthError(
      "invalid_client",
      "No client authentication: send the Client ID and Client secret (HTTP Basic or client_id and client_secret in the body), or client_id with a client_assertion.",
    );
  }
  if (hasAssertion) {
    if (req.assertionType !== JWT_BEARER)
      throw new OAuthError(
        "invalid_request",
        `client_assertion_type must be ${JWT_BEARER} (got ${quoted(req.assertionType ?? "", 100)}).`,
      );
    if (!req.assertion)
      throw new OAuthError("invalid_request", "client_assertion is empty: send the workload identity's token.");
  } else if (!req.basic && !req.clientSecret) {
    throw new OAuthError(
      "invalid_client",
      "No client secret: send it in the Authorization header (client_secret_basic) or as client_secret (client_secret_post).",
    );
  }
  const found = await services.oauth.client(clientId);
  const client: TokenClient | undefined = found && {
    info: clientInfo(found.client, now),
    federated: found.client.federated,
  };
  if (!found || !client || client.info.status === "revoked") {
    throw new OAuthError(
      "invalid_client",
      client
        ? `The OAuth client ${clientId} was revoked; create a new client in the admin portal and update Entra.`
        : `The client ID ${quoted(clientId)} is not known here; copy the Client ID from the admin portal's Authentication page.`,
    );
  }
  if (!hasAssertion) {
    const secret = found.findSecret(req.basic?.clientSecret ?? req.clientSecret!);
    const refusal = secret ? secretRefusal(secret, now) : "no-match";
    if (!secret || refusal) {
      const why =
        refusal === "expired"
          ? "The client secret has expired; add a new secret in the admin portal and paste it into Entra."
          : refusal === "revoked"
            ? "The client secret was revoked; add a new secret in the admin portal and paste it into Entra."
            : `The client secret is wrong for client ${clientId}; copy it again (secrets start with "${CLIENT_SECRET_PREFIX}").`;
      throw Object.assign(new OAuthError("invalid_client", why), { client });
    }
    return { client, credentialId: secret.id, via: "secret" };
  }
  let keys = keysOf.get(services);
  if (!keys) keysOf.set(services, (keys = new IssuerKeys()));
  try {
    const verified = await verifyAssertion(req.assertion!, {
      credentials: client.federated,
      devIssuer: services.config.oauth.devIssuer,
      keys,
      now,
    });
    return {
      client,
      credentialId: verified.credentialId,
      via: "assertion",
      ...(verified.jti
        ? { assertionJti: { issuer: verified.issuer, jti: verified.jti, expiresAt: verified.expiresAt } }
        : {}),
    };
  } catch (error) {
    if (!(error instanceof AssertionError)) throw error;
    if (error.code === "keys_unavailable")
      throw Object.assign(new OAuthError("temporarily_unavailable", error.message, 503, 5), { client });
    throw Object.assign(new OAuthError("invalid_client", error.message), { client });
  }
}

function checkScope(scope: string | undefined): void {
  if (scope === undefined || scope.trim() === "") return;
  const asked = scope.trim().split(/\s+/);
  const unknown = asked.filter((s) => s !== OAUTH_SCOPE);
  if (unknown.length > 0)
    throw new OAuthError(
      "invalid_scope",
      `This service grants only the scope "${OAUTH_SCOPE}" (got ${quoted(unknown.join(" "), 100)}); set Scope to ${OAUTH_SCOPE} in Entra, or leave it empty.`,
    );
}

/**
 * The client credentials grant: authenticates the client (secret or client assertion), checks the
 * scope, refuses a replayed assertion `jti`, and issues an access token for the Tenant URL. Every
 * outcome for a known client is in its tenant's provisioning log (never the secret or the
 * assertion). Throws OAuthError.
 */
export async function issueAccessToken(
  services: Services,
  req: TokenRequest,
  now: Date,
  /** Called once the client has authenticated, before a token is issued: the per-client rate limit (throws OAuthError). */
  admit: (clientId: string) => void = () => {},
): Promise<TokenResponse> {
  if (!req.grantType)
    throw new OAuthError("invalid_request", "grant_type is missing: send grant_type=client_credentials.");
  let authenticated: Awaited<ReturnType<typeof authenticateClient>> | undefined;
  try {
    authenticated = await authenticateClient(services, req, now);
    if (req.grantType !== "client_credentials")
      throw new OAuthError(
        "unsupported_grant_type",
        `This token endpoint supports only grant_type=client_credentials (got ${quoted(req.grantType)}).`,
      );
    checkScope(req.scope);
    const { client, credentialId, assertionJti } = authenticated;
    // A spent assertion is refused before it can count against the client's budget.
    if (
      assertionJti &&
      !(await services.oauth.rememberAssertion(assertionJti.issuer, assertionJti.jti, assertionJti.expiresAt, now))
    )
      throw new OAuthError(
        "invalid_grant",
        "This client_assertion was already used (its jti is spent); request a new token from the identity provider.",
      );
    admit(client.info.clientId);
    const lifetimeSeconds = client.info.accessTokenLifetimeMinutes * 60;
    const issued = await services.oauth.issueAccessToken(
      { tenantId: client.info.tenantId, clientId: client.info.clientId, credentialId },
      req.tenantUrl,
      lifetimeSeconds,
      now,
    );
    if (!(await services.oauth.recordUse(client.info.clientId, credentialId, now)))
      services.report(
        `Could not record the last use of a credential of OAuth client ${client.info.clientId}; the token was issued.`,
      );
    await audit(
      services,
      client,
      now,
      200,
      `Access token issued (${authenticated.via === "secret" ? "client secret" : "workload identity federation"}), valid ${client.info.accessTokenLifetimeMinutes} minutes.`,
    );
    return { access_token: issued.token, token_type: "Bearer", expires_in: lifetimeSeconds, scope: OAUTH_SCOPE };
  } catch (error) {
    const client = authenticated?.client ?? (error as { client?: TokenClient }).client;
    if (client && error instanceof OAuthError)
      await audit(services, client, now, error.status, `${error.error}: ${error.description}`);
    throw error;
  }
}

/** Refusals logged per client: a burst of 10, then 6 a minute (client IDs are not secret: failures must not flood the log). */
const REFUSALS_LOGGED = { capacity: 10, perMinute: 6 } as const;
const refusalLog = new WeakMap<Services, RateLimiter>();

async function audit(
  services: Services,
  client: TokenClient,
  now: Date,
  status: number,
  detail: string,
): Promise<void> {
  if (status >= 400) {
    let limiter = refusalLog.get(services);
    if (!limiter) refusalLog.set(services, (limiter = new RateLimiter(REFUSALS_LOGGED)));
    if (!limiter.take(client.info.clientId, now.getTime()).ok) return;
  }
  const ctx: OperationContext = {
    tenantId: client.info.tenantId,
    actor: { kind: "token", tokenId: client.info.clientId, tokenName: client.info.name },
    now,
    services,
    baseUrl: "",
  };
  const trail = new AuditTrail(ctx, "oauth-token", "OAuthClient", client.info.clientId);
  await trail.finish(status, detail).catch((e) => services.report("Could not write the provisioning log", e));
}
