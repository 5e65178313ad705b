import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Container } from "@azure/cosmos";
import { ScimError } from "../scim/errors.js";
import { cosmosStatus, isConflict, isPreconditionFailed } from "./errors.js";

/** A customer company. Everything else is partitioned by its id. */
export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

/** A token record. The secret itself is never stored: `id` is its SHA-256. */
interface TokenDoc {
  id: string;
  tokenId: string;
  tenantId: string;
  name: string;
  createdAt: string;
  /** Set on every token issued now (default: a year after creation); absent only on older records. */
  expiresAt?: string;
  /** The Tenant URL the token is for; absent: any Tenant URL of this service accepts it. */
  audience?: string;
  /** When the token last authenticated a request; written at most once a minute. */
  lastUsedAt?: string;
  revokedAt?: string;
  _etag?: string;
}

/** A token as the admin sees it: never the secret, never its hash. */
export interface TokenInfo {
  id: string;
  tenantId: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  /** When the token last authenticated a request (to the minute); null if never. */
  lastUsedAt: string | null;
  status: "active" | "expired" | "revoked";
  /** Active and expiring within EXPIRY_WARNING_DAYS: rotate it before Entra's job goes into quarantine. */
  expiresSoon: boolean;
  /** Whole days until expiry (negative once expired); null without an expiry. */
  expiresInDays: number | null;
  /** The only Tenant URL that accepts the token; null when any Tenant URL of this service does. */
  audience: string | null;
  revokedAt: string | null;
}

/** A token that expires soon, as the daily expiry check reports it. */
export interface ExpiringToken {
  tenantId: string;
  tokenId: string;
  name: string;
  expiresAt: string;
  expiresInDays: number;
}

export interface Principal {
  tenantId: string;
  tokenId: string;
  tokenName: string;
}

/** Every token starts with this, so it is recognisable (and findable by secret scanners). */
export const TOKEN_PREFIX = "scimf_";

/** Tokens expiring within this many days are flagged by `token list` and the daily expiry check. */
export const EXPIRY_WARNING_DAYS = 30;

/** `lastUsedAt` is written at most this often per token. */
export const LAST_USED_INTERVAL_MS = 60_000;

const DAY_MS = 24 * 3600 * 1000;

/** A token's expiry when none is given: one year after its creation. */
export function defaultTokenExpiry(createdAt: Date): Date {
  const expiry = new Date(createdAt.getTime());
  expiry.setUTCFullYear(expiry.getUTCFullYear() + 1);
  return expiry;
}

/** SHA-256 of the secret. Tokens are 256 random bits, so an unsalted hash is safe to store. */
export const hashToken = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");

/** Thrown by `revokeToken` for a token id the tenant does not have. */
export class UnknownTokenError extends Error {
  constructor(
    readonly tenantId: string,
    readonly tokenId: string,
  ) {
    super(`Tenant ${tenantId} has no token with id ${tokenId}`);
    this.name = "UnknownTokenError";
  }
}

function statusOf(doc: TokenDoc, now: Date): TokenInfo["status"] {
  if (doc.revokedAt) return "revoked";
  if (doc.expiresAt && Date.parse(doc.expiresAt) <= now.getTime()) return "expired";
  return "active";
}

const daysUntil = (iso: string, now: Date) => Math.floor((Date.parse(iso) - now.getTime()) / DAY_MS);

function toInfo(doc: TokenDoc, now: Date): TokenInfo {
  const status = statusOf(doc, now);
  const left = doc.expiresAt ? Date.parse(doc.expiresAt) - now.getTime() : undefined;
  return {
    id: doc.tokenId,
    tenantId: doc.tenantId,
    name: doc.name,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt ?? null,
    lastUsedAt: doc.lastUsedAt ?? null,
    status,
    expiresSoon: status === "active" && left !== undefined && left <= EXPIRY_WARNING_DAYS * DAY_MS,
    expiresInDays: doc.expiresAt ? daysUntil(doc.expiresAt, now) : null,
    audience: doc.audience ?? null,
    revokedAt: doc.revokedAt ?? null,
  };
}

/** A Tenant URL without query, fragment or trailing slash. */
const trimTenantUrl = (url: string) => url.trim().replace(/[?#].*$/s, "").replace(/\/+$/, "");

/** Tenant URLs compare case-insensitively, ignoring a trailing slash and any query. */
const sameTenantUrl = (a: string, b: string) => trimTenantUrl(a).toLowerCase() === trimTenantUrl(b).toLowerCase();

const unauthorized = (detail: string) =>
  new ScimError(401, detail, undefined, { "WWW-Authenticate": 'Bearer realm="scim", error="invalid_token"' });

/**
 * A store failure on a token record, without the store's message: its request URLs name the
 * record, whose id is the token's hash. Keeps the status (and retry hint) the HTTP wrapper maps.
 */
function tokenStoreError(action: string, error: unknown): Error {
  const status = cosmosStatus(error);
  const retryAfterInMs = (error as { retryAfterInMs?: unknown } | undefined)?.retryAfterInMs;
  return Object.assign(new Error(`${action} failed: the store answered ${status ?? "with an error"}`), {
    ...(status !== undefined ? { code: status } : {}),
    ...(typeof retryAfterInMs === "number" ? { retryAfterInMs } : {}),
  });
}

interface CachedToken {
  principal: Principal;
  /** The cache entry is used until then (at most `cacheMs`: the revocation delay). */
  until: number;
  expiresAt?: number;
  audience?: string;
  /** The last recorded use; once it is a minute old the record is read (and written) again. */
  lastUsedAt: number;
}

/** Tenants and their bearer tokens. */
export class TenantStore {
  private readonly cache = new Map<string, CachedToken>();

  constructor(
    private readonly tenants: Container,
    private readonly tokens: Container,
    private readonly cacheMs = 5000,
    /** Where non-fatal problems go (never with a secret or hash); the Functions host collects console output. */
    private readonly warn: (line: string) => void = (line) => console.warn(line),
  ) {}

  async createTenant(name: string, now: Date, id: string = randomUUID()): Promise<Tenant> {
    const tenant: Tenant = { id, name, createdAt: now.toISOString() };
    await this.tenants.items.create(tenant);
    return tenant;
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const { resource } = await this.tenants.item(id, id).read<Tenant>();
    return resource ? { id: resource.id, name: resource.name, createdAt: resource.createdAt } : undefined;
  }

  async listTenants(): Promise<Tenant[]> {
    const { resources } = await this.tenants.items
      .query<Tenant>("SELECT c.id, c.name, c.createdAt FROM c ORDER BY c.createdAt")
      .fetchAll();
    return resources;
  }

  /**
   * Issues a token for a tenant and returns its secret; the secret is not stored and cannot be
   * shown again. It expires at `expiresAt` (default: a year from `now`). With `audience` (a Tenant
   * URL) only requests to that Tenant URL accept it. `secret` may be given (the local host's
   * SCIM_DEV_TOKEN).
   */
  async createToken(
    tenantId: string,
    name: string,
    now: Date,
    options: { expiresAt?: Date; secret?: string; audience?: string } = {},
  ): Promise<{ token: TokenInfo; secret: string }> {
    if (!(await this.getTenant(tenantId))) throw new Error(`No tenant with id ${tenantId}`);
    const expiresAt = options.expiresAt ?? defaultTokenExpiry(now);
    if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= now.getTime()) {
      throw new Error("A token's expiry must be a date-time in the future");
    }
    const audience = options.audience === undefined ? undefined : trimTenantUrl(options.audience);
    if (audience !== undefined && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i.test(audience)) {
      throw new Error(`A token's audience must be an http(s) Tenant URL such as https://contoso-scim.azurewebsites.net/scim/v2 (got "${options.audience}")`);
    }
    const secret = options.secret ?? TOKEN_PREFIX + randomBytes(32).toString("base64url");
    if (!secret.startsWith(TOKEN_PREFIX) || secret.length < TOKEN_PREFIX.length + 32) {
      throw new Error(`A token must start with "${TOKEN_PREFIX}" and carry at least 32 more characters`);
    }
    const doc: TokenDoc = {
      id: hashToken(secret),
      tokenId: `tok_${randomBytes(9).toString("base64url")}`,
      tenantId,
      name,
      createdAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
      ...(audience !== undefined ? { audience } : {}),
    };
    try {
      await this.tokens.items.create(doc);
    } catch (error) {
      if (isConflict(error)) throw new Error("That secret is already in use by another token; give a different one");
      throw tokenStoreError("Storing the token", error);
    }
    return { token: toInfo(doc, now), secret };
  }

  /** A tenant's tokens, oldest first. */
  async listTokens(tenantId: string, now: Date): Promise<TokenInfo[]> {
    return (await this.tenantTokens(tenantId)).map((doc) => toInfo(doc, now));
  }

  /**
   * Revokes a tenant's token (again: keeps the first revocation time). Requests with it get 401
   * at once in this process and within `cacheMs` (at most 5 s) everywhere else.
   * Throws UnknownTokenError when the tenant has no token with that id.
   */
  async revokeToken(tenantId: string, tokenId: string, now: Date): Promise<TokenInfo> {
    const found = (await this.tenantTokens(tenantId)).find((doc) => doc.tokenId === tokenId);
    if (!found) throw new UnknownTokenError(tenantId, tokenId);
    let doc = found;
    if (!doc.revokedAt) {
      try {
        const { resource } = await this.tokens.item(doc.id, doc.id).patch<TokenDoc>({
          condition: "FROM c WHERE NOT IS_DEFINED(c.revokedAt)",
          operations: [{ op: "set", path: "/revokedAt", value: now.toISOString() }],
        });
        doc = resource ?? { ...doc, revokedAt: now.toISOString() };
      } catch (error) {
        if (!isPreconditionFailed(error)) throw tokenStoreError(`Revoking token ${tokenId}`, error);
        doc = (await this.readToken(doc.id)) ?? doc;
      }
    }
    this.cache.delete(doc.id);
    return toInfo(doc, now);
  }

  /**
   * Active tokens of every tenant that expire within `withinDays` of `now`, soonest first
   * (a cross-partition query: the daily expiry check runs it once).
   */
  async expiringTokens(now: Date, withinDays = EXPIRY_WARNING_DAYS): Promise<ExpiringToken[]> {
    let docs: Pick<TokenDoc, "tenantId" | "tokenId" | "name" | "expiresAt" | "revokedAt">[];
    try {
      ({ resources: docs } = await this.tokens.items
        .query<TokenDoc>({
          query: "SELECT c.tenantId, c.tokenId, c.name, c.expiresAt, c.revokedAt FROM c WHERE c.expiresAt > @now AND c.expiresAt <= @until",
          parameters: [
            { name: "@now", value: now.toISOString() },
            { name: "@until", value: new Date(now.getTime() + withinDays * DAY_MS).toISOString() },
          ],
        })
        .fetchAll());
    } catch (error) {
      throw tokenStoreError("Listing expiring tokens", error);
    }
    return docs
      .filter((doc) => !doc.revokedAt && doc.expiresAt)
      .map((doc) => ({
        tenantId: doc.tenantId,
        tokenId: doc.tokenId,
        name: doc.name,
        expiresAt: doc.expiresAt!,
        expiresInDays: daysUntil(doc.expiresAt!, now),
      }))
      .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.tenantId.localeCompare(b.tenantId) || a.tokenId.localeCompare(b.tokenId));
  }

  /**
   * Resolves a bearer secret to its tenant: one point read, cached for at most `cacheMs`
   * so that a revocation takes effect within that time. A token with an audience is accepted
   * only at that Tenant URL. Records the use at most once a minute. Throws 401 otherwise.
   */
  async authenticate(secret: string | undefined, now: Date, tenantUrl?: string): Promise<Principal> {
    if (!secret) throw unauthorized("Authentication required: send the SCIM token as 'Authorization: Bearer <token>'.");
    if (!secret.startsWith(TOKEN_PREFIX)) {
      throw unauthorized(`The bearer token is not a SCIM token of this service (they start with "${TOKEN_PREFIX}").`);
    }
    const hash = hashToken(secret);
    const t = now.getTime();
    const cached = this.cache.get(hash);
    if (
      cached &&
      cached.until > t &&
      (cached.expiresAt === undefined || cached.expiresAt > t) &&
      t - cached.lastUsedAt < LAST_USED_INTERVAL_MS
    ) {
      checkAudience(cached.principal.tokenName, cached.audience, tenantUrl);
      return cached.principal;
    }
    const doc = await this.readToken(hash);
    if (!doc) throw unauthorized("The bearer token is unknown. Create a token with the admin CLI and paste it into Entra.");
    const status = statusOf(doc, now);
    if (status === "revoked") throw unauthorized(`The token '${doc.name}' was revoked. Create a new token and update Entra.`);
    if (status === "expired") {
      throw unauthorized(`The token '${doc.name}' expired at ${doc.expiresAt}. Create a new token and update Entra.`);
    }
    checkAudience(doc.name, doc.audience, tenantUrl);
    const lastUsedAt = await this.recordUse(doc, now);
    const principal: Principal = { tenantId: doc.tenantId, tokenId: doc.tokenId, tokenName: doc.name };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, {
      principal,
      until: t + this.cacheMs,
      expiresAt: doc.expiresAt ? Date.parse(doc.expiresAt) : undefined,
      audience: doc.audience,
      lastUsedAt,
    });
    return principal;
  }

  private async readToken(hash: string): Promise<TokenDoc | undefined> {
    try {
      return (await this.tokens.item(hash, hash).read<TokenDoc>()).resource;
    } catch (error) {
      throw tokenStoreError("Reading the token", error);
    }
  }

  /** A tenant's token records, oldest first (the tenant condition is in the query: tokens are partitioned by hash). */
  private async tenantTokens(tenantId: string): Promise<TokenDoc[]> {
    try {
      const { resources } = await this.tokens.items
        .query<TokenDoc>({
          query: "SELECT * FROM c WHERE c.tenantId = @tenantId",
          parameters: [{ name: "@tenantId", value: tenantId }],
        })
        .fetchAll();
      return resources.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.tokenId.localeCompare(b.tokenId));
    } catch (error) {
      throw tokenStoreError("Listing tokens", error);
    }
  }

  /**
   * Writes `lastUsedAt` unless the stored one is less than a minute old; returns the time now
   * recorded. Only that field is written, and only if the record is unchanged since it was read
   * (another instance may just have written it). A failure is logged and the request goes on.
   */
  private async recordUse(doc: TokenDoc, now: Date): Promise<number> {
    const stored = doc.lastUsedAt ? Date.parse(doc.lastUsedAt) : undefined;
    if (stored !== undefined && now.getTime() - stored < LAST_USED_INTERVAL_MS) return stored;
    try {
      await this.tokens
        .item(doc.id, doc.id)
        .patch(
          [{ op: "set", path: "/lastUsedAt", value: now.toISOString() }],
          doc._etag ? { accessCondition: { type: "IfMatch", condition: doc._etag } } : {},
        );
    } catch (error) {
      if (!isPreconditionFailed(error)) {
        const status = cosmosStatus(error);
        this.warn(
          `Could not record the last use of token ${doc.tokenId} of tenant ${doc.tenantId} ` +
            `(the store answered ${status ?? "with an error"}); the request goes on.`,
        );
      }
    }
    return now.getTime();
  }
}

function checkAudience(tokenName: string, audience: string | undefined, tenantUrl: string | undefined): void {
  if (audience === undefined || (tenantUrl !== undefined && sameTenantUrl(audience, tenantUrl))) return;
  throw unauthorized(
    `The token '${tokenName}' is for the Tenant URL ${audience}, not ${tenantUrl ?? "this one"}. ` +
      "Set that Tenant URL in Entra, or create a token for this one.",
  );
}
