import { ScimError } from "../scim/errors.js";
import { ConflictError } from "../store/errors.js";
import { ACCESS_TOKEN_PREFIX, CLIENT_SECRET_PREFIX } from "../store/oauth.js";
import { clientInfo, type ClientInfo } from "./oauth.js";
import { TOKEN_PREFIX, trimTenantUrl, type TokenRecord } from "../store/tokens.js";
import {
  daysUntil,
  defaultTokenExpiry,
  EXPIRY_WARNING_DAYS,
  expiryState,
  parseTokenExpiry,
  type ExpiryState,
} from "../product/tokens.js";
import type { OperationContext, Services } from "./context.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { requireTenant } from "./tenants.js";
import type { Token } from "../contracts/admin-api.js";

/**
 * SCIM tokens: created with a name and an expiry (default a year), optionally for one Tenant URL,
 * listed without their secret, revoked within 5 seconds everywhere. Several can be active at once.
 */

/** A token as the admin sees it: never the secret, never its hash; its status as of the operation's time. */
export type TokenInfo = TokenRecord & ExpiryState;

/** The SCIM client a token authenticates: the tenant, and the token by id and name (for the log). */
export interface Principal {
  tenantId: string;
  tokenId: string;
  tokenName: string;
}

/** A token that expires soon, as the daily expiry check reports it. */
export interface ExpiringToken {
  tenantId: string;
  tokenId: string;
  name: string;
  expiresAt: string;
  expiresInDays: number;
}

const tokenInfo = (record: TokenRecord, now: Date): TokenInfo => ({ ...record, ...expiryState(record, now) });

/**
 * The expiry an admin typed (`token create --expires`, `expiresAt` of `POST /api/admin/tokens`):
 * undefined when none was given (the default, a year), else the rule of product/tokens.ts, whose
 * refusal is OperationError 400 on `expiresAt` with the same detail for both clients.
 */
export function tokenExpiry(text: string | undefined, now: Date): Date | undefined {
  if (text === undefined || text === "") return undefined;
  try {
    return parseTokenExpiry(text, now);
  } catch (error) {
    throw new OperationError(400, (error as Error).message, "expiresAt");
  }
}

/**
 * Issues a token and returns its secret, shown this once. `secret` may be given (the local host's
 * SCIM_DEV_TOKEN). Bad input is OperationError 400 naming the field.
 */
export async function createToken(
  ctx: OperationContext,
  input: { name: string; expiresAt?: Date; audience?: string; secret?: string },
): Promise<{ token: TokenInfo; secret: string }> {
  await requireTenant(ctx.services, ctx.tenantId);
  const name = input.name.trim();
  if (name === "") throw new OperationError(400, "a token needs a name (for example entra-2026)", "name");
  if (name.length > 100) throw new OperationError(400, "a token's name is at most 100 characters", "name");
  const expiresAt = input.expiresAt ?? defaultTokenExpiry(ctx.now);
  if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= ctx.now.getTime())
    throw new OperationError(400, "a token's expiry must be a date-time in the future", "expiresAt");
  const audience = input.audience === undefined ? undefined : trimTenantUrl(input.audience);
  if (audience !== undefined && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i.test(audience)) {
    throw new OperationError(
      400,
      `a token's audience must be an http(s) Tenant URL such as https://contoso-scim.azurewebsites.net/scim/v2 (got "${input.audience}")`,
      "audience",
    );
  }
  if (
    input.secret !== undefined &&
    (!input.secret.startsWith(TOKEN_PREFIX) || input.secret.length < TOKEN_PREFIX.length + 32)
  ) {
    throw new OperationError(
      400,
      `a token must start with "${TOKEN_PREFIX}" and carry at least 32 more characters`,
      "secret",
    );
  }
  if (
    input.secret !== undefined &&
    (input.secret.startsWith(ACCESS_TOKEN_PREFIX) || input.secret.startsWith(CLIENT_SECRET_PREFIX))
  ) {
    throw new OperationError(
      400,
      `a Secret Token must not start with "${ACCESS_TOKEN_PREFIX}" or "${CLIENT_SECRET_PREFIX}" (those are OAuth access tokens and client secrets)`,
      "secret",
    );
  }
  return logged(
    ctx,
    { operation: "token-create", resourceType: "Token" },
    async (trail) => {
      const created = await ctx.services.tokens
        .create(ctx.tenantId, name, ctx.now, {
          expiresAt,
          ...(audience ? { audience } : {}),
          ...(input.secret ? { secret: input.secret } : {}),
        })
        .catch((error: unknown) => {
          throw error instanceof ConflictError
            ? new OperationError(409, "that secret is already in use by another token; give a different one", "secret")
            : error;
        });
      trail.resourceId = created.token.id;
      trail.changedAttributes = ["name", "expiresAt", ...(audience ? ["audience"] : [])];
      return { token: tokenInfo(created.token, ctx.now), secret: created.secret };
    },
    () => 201,
  );
}

export async function listTokens(ctx: OperationContext): Promise<TokenInfo[]> {
  await requireTenant(ctx.services, ctx.tenantId);
  return (await ctx.services.tokens.list(ctx.tenantId)).map((t) => tokenInfo(t, ctx.now));
}

/** Revokes a token: requests with it get 401 within 5 seconds. */
export async function revokeToken(ctx: OperationContext, tokenId: string): Promise<TokenInfo> {
  await requireTenant(ctx.services, ctx.tenantId);
  if (!(await ctx.services.tokens.list(ctx.tenantId)).some((t) => t.id === tokenId)) {
    throw new OperationError(
      404,
      `tenant ${ctx.tenantId} has no token with id ${tokenId} (see: token list --tenant ${ctx.tenantId})`,
      "id",
    );
  }
  return logged(ctx, { operation: "token-revoke", resourceType: "Token", resourceId: tokenId }, async (trail) => {
    trail.changedAttributes = ["revokedAt"];
    return tokenInfo(await ctx.services.tokens.revoke(ctx.tenantId, tokenId, ctx.now), ctx.now);
  });
}

/** A token as the portal shows it (never a secret or a hash). */
export const tokenView = ({ tenantId: _t, ...token }: TokenInfo): Token => token;

/** The tenant's SCIM tokens and OAuth clients (revoked and expired too) and their ids: events by one of them are Entra's requests. */
export async function entraCredentials(
  ctx: OperationContext,
): Promise<{ tokens: TokenInfo[]; clients: ClientInfo[]; ids: Set<string> }> {
  const [records, stored] = await Promise.all([
    ctx.services.tokens.list(ctx.tenantId),
    ctx.services.oauth.list(ctx.tenantId),
  ]);
  const tokens = records.map((t) => tokenInfo(t, ctx.now));
  const clients = stored.map((c) => clientInfo(c, ctx.now));
  return { tokens, clients, ids: new Set([...tokens.map((t) => t.id), ...clients.map((c) => c.clientId)]) };
}

export { EXPIRY_WARNING_DAYS };

/** Active tokens of every tenant expiring within `withinDays` (the daily check: 30), soonest first. */
export async function expiringTokens(
  services: Services,
  now: Date,
  withinDays = EXPIRY_WARNING_DAYS,
): Promise<ExpiringToken[]> {
  return (await services.tokens.expiring(now, withinDays)).map((t) => ({
    ...t,
    expiresInDays: daysUntil(t.expiresAt, now),
  }));
}

/** Tenant URLs compare case-insensitively, ignoring a trailing slash and any query. */
const sameTenantUrl = (a: string, b: string) => trimTenantUrl(a).toLowerCase() === trimTenantUrl(b).toLowerCase();

/**
 * Authenticates a SCIM request's bearer secret at a Tenant URL: a Secret Token or an OAuth access
 * token (operations/oauth.ts), the same tenant binding and audience rule for both. The principal,
 * or 401 with a detail that says what to do (Entra shows it to the admin).
 */
export async function authenticate(
  services: Services,
  secret: string | undefined,
  now: Date,
  tenantUrl?: string,
): Promise<Principal> {
  if (secret?.startsWith(ACCESS_TOKEN_PREFIX)) return authenticateAccessToken(services, secret, now, tenantUrl);
  if (secret?.startsWith(CLIENT_SECRET_PREFIX)) {
    throw new ScimError(
      401,
      "This is an OAuth client secret, not a bearer token: in Entra choose the authentication method 'OAuth2 client credentials grant' and paste it as Client secret, with the token endpoint from the admin portal.",
    );
  }
  if (!secret)
    throw new ScimError(401, "Authentication required: send the SCIM token as 'Authorization: Bearer <token>'.");
  if (!secret.startsWith(TOKEN_PREFIX))
    throw new ScimError(
      401,
      `The bearer token is not a SCIM token of this service (they start with "${TOKEN_PREFIX}").`,
    );
  const token = await services.tokens.find(secret, now);
  if (!token)
    throw new ScimError(
      401,
      "The bearer token is unknown. Create a token in the admin portal or with the admin CLI and paste it into Entra.",
    );
  const { status } = expiryState(token, now);
  if (status === "revoked")
    throw new ScimError(401, `The token '${token.name}' was revoked. Create a new token and update Entra.`);
  if (status === "expired")
    throw new ScimError(
      401,
      `The token '${token.name}' expired at ${token.expiresAt}. Create a new token and update Entra.`,
    );
  if (token.audience !== null && (tenantUrl === undefined || !sameTenantUrl(token.audience, tenantUrl))) {
    throw new ScimError(
      401,
      `The token '${token.name}' is for the Tenant URL ${token.audience}, not ${tenantUrl ?? "this one"}. Set that Tenant URL in Entra, or create a token for this one.`,
    );
  }
  await services.tokens.recordUse(secret, now);
  return { tenantId: token.tenantId, tokenId: token.id, tokenName: token.name };
}

async function authenticateAccessToken(
  services: Services,
  token: string,
  now: Date,
  tenantUrl: string | undefined,
): Promise<Principal> {
  const result = await services.oauth.authenticate(token, now, tenantUrl);
  if ("principal" in result)
    return {
      tenantId: result.principal.tenantId,
      tokenId: result.principal.clientId,
      tokenName: result.principal.clientName,
    };
  const r = result.rejected;
  switch (r.reason) {
    case "unknown":
      throw new ScimError(
        401,
        "The access token is unknown or has expired. Entra requests a new one from the token endpoint; check the OAuth settings in Entra.",
      );
    case "expired":
      throw new ScimError(
        401,
        `The access token of OAuth client '${r.clientName}' expired at ${r.expiresAt}; request a new one from the token endpoint.`,
      );
    case "revoked":
      throw new ScimError(
        401,
        r.what === "client"
          ? `The OAuth client '${r.clientName}' was revoked. Create a new client in the admin portal and update Entra.`
          : `The client secret or federated credential this access token came from was revoked (OAuth client '${r.clientName}'). Update Entra with a current one.`,
      );
    case "audience":
      throw new ScimError(
        401,
        `The access token of OAuth client '${r.clientName}' is for the Tenant URL ${r.audience}, not ${tenantUrl ?? "this one"}. Set that Tenant URL in Entra.`,
      );
  }
}
