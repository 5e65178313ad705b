import { createHash, randomBytes } from "node:crypto";
import type { Container } from "@azure/cosmos";
import { ConflictError, NotFoundError, call, cosmosStatus, fromCosmos } from "./errors.js";
import { read } from "./retry.js";

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

/** The SCIM client a token authenticates: the tenant, and the token by id and name (for the log). */
export interface Principal {
  tenantId: string;
  tokenId: string;
  tokenName: string;
}

/** Why a bearer secret does not authenticate. */
export type Rejection =
  | { reason: "missing" | "malformed" | "unknown" }
  | { reason: "revoked"; tokenName: string }
  | { reason: "expired"; tokenName: string; expiresAt: string }
  | { reason: "audience"; tokenName: string; audience: string };

/** Every token starts with this, so it is recognisable (and findable by secret scanners). */
export const TOKEN_PREFIX = "scimf_";

/**
 * A new Secret Token: the prefix and 256 random bits, never beginning like an OAuth access token
 * (`scimf_at_`) or client secret (`scimf_cs_`), which are told apart by those prefixes.
 */
export function newTokenSecret(): string {
  for (;;) {
    const secret = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    if (!/^scimf_(at|cs)_/.test(secret)) return secret;
  }
}

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
export const trimTenantUrl = (url: string) =>
  url
    .trim()
    .replace(/[?#].*$/s, "")
    .replace(/\/+$/, "");

/** Tenant URLs compare case-insensitively, ignoring a trailing slash and any query. */
const sameTenantUrl = (a: string, b: string) => trimTenantUrl(a).toLowerCase() === trimTenantUrl(b).toLowerCase();

interface CachedToken {
  principal: Principal;
  /** The cache entry is used until then (at most `cacheMs`: the revocation delay). */
  until: number;
  expiresAt?: number;
  audience?: string;
  /** The last recorded use; once it is a minute old the record is read (and written) again. */
  lastUsedAt: number;
}

/** Bearer tokens of every tenant, partitioned by their hash (authentication is one point read). */
export class TokenStore {
  private readonly cache = new Map<string, CachedToken>();
  /** Hashes no token has, until when: an unknown token costs one store read per `cacheMs`, not one per request. */
  private readonly unknown = new Map<string, number>();

  constructor(
    private readonly tokens: Container,
    private readonly cacheMs = 5000,
    /** Where non-fatal problems go (never with a secret or hash); the Functions host collects console output. */
    private readonly warn: (line: string) => void = (line) => console.warn(line),
  ) {}

  /**
   * Stores a token for a tenant (the caller has checked the tenant and the inputs) and returns
   * its secret, which is not stored and cannot be shown again. `secret` may be given (the local
   * host's SCIM_DEV_TOKEN); a secret already in use is ConflictError.
   */
  async create(
    tenantId: string,
    name: string,
    now: Date,
    options: { expiresAt: Date; secret?: string; audience?: string },
  ): Promise<{ token: TokenInfo; secret: string }> {
    const secret = options.secret ?? newTokenSecret();
    const doc: TokenDoc = {
      id: hashToken(secret),
      tokenId: `tok_${randomBytes(9).toString("base64url")}`,
      tenantId,
      name,
      createdAt: now.toISOString(),
      expiresAt: options.expiresAt.toISOString(),
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
    };
    try {
      await this.tokens.items.create(doc);
    } catch (error) {
      if (cosmosStatus(error) === 409) throw new ConflictError("Token", "secret", "(hidden)", "another token", true);
      throw fromCosmos(error);
    }
    this.unknown.delete(doc.id);
    return { token: toInfo(doc, now), secret };
  }

  /** A tenant's tokens, oldest first. */
  async list(tenantId: string, now: Date): Promise<TokenInfo[]> {
    return (await this.tenantTokens(tenantId)).map((doc) => toInfo(doc, now));
  }

  /**
   * Revokes a tenant's token (again: keeps the first revocation time). Requests with it are
   * refused at once in this process and within `cacheMs` (at most 5 s) everywhere else.
   * NotFoundError when the tenant has no token with that id.
   */
  async revoke(tenantId: string, tokenId: string, now: Date): Promise<TokenInfo> {
    const found = (await this.tenantTokens(tenantId)).find((doc) => doc.tokenId === tokenId);
    if (!found) throw new NotFoundError(`token ${tokenId}`);
    let doc = found;
    if (!doc.revokedAt) {
      try {
        const { resource } = await this.tokens.item(doc.id, doc.id).patch<TokenDoc>({
          condition: "FROM c WHERE NOT IS_DEFINED(c.revokedAt)",
          operations: [{ op: "set", path: "/revokedAt", value: now.toISOString() }],
        });
        doc = resource ?? { ...doc, revokedAt: now.toISOString() };
      } catch (error) {
        if (cosmosStatus(error) !== 412) throw fromCosmos(error);
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
  async expiring(now: Date, withinDays = EXPIRY_WARNING_DAYS): Promise<ExpiringToken[]> {
    const docs = await call(
      async () =>
        (
          await this.tokens.items
            .query<TokenDoc>(
              {
                query: "SELECT c.tenantId, c.tokenId, c.name, c.expiresAt, c.revokedAt FROM c WHERE c.expiresAt > @now AND c.expiresAt <= @until",
                parameters: [
                  { name: "@now", value: now.toISOString() },
                  { name: "@until", value: new Date(now.getTime() + withinDays * DAY_MS).toISOString() },
                ],
              },
              { maxItemCount: 1000 },
            )
            .fetchAll()
        ).resources,
    );
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
   * Resolves a bearer secret to its tenant: one point read, cached for at most `cacheMs` so that
   * a revocation takes effect within that time. A token with an audience is accepted only at that
   * Tenant URL. Records the use at most once a minute. Returns why it does not authenticate otherwise.
   */
  async authenticate(secret: string | undefined, now: Date, tenantUrl?: string): Promise<{ principal: Principal } | { rejected: Rejection }> {
    if (!secret) return { rejected: { reason: "missing" } };
    if (!secret.startsWith(TOKEN_PREFIX)) return { rejected: { reason: "malformed" } };
    const hash = hashToken(secret);
    const t = now.getTime();
    const cached = this.cache.get(hash);
    if (cached && cached.until > t && (cached.expiresAt === undefined || cached.expiresAt > t) && t - cached.lastUsedAt < LAST_USED_INTERVAL_MS) {
      return audienceOk(cached.audience, tenantUrl)
        ? { principal: cached.principal }
        : { rejected: { reason: "audience", tokenName: cached.principal.tokenName, audience: cached.audience! } };
    }
    if ((this.unknown.get(hash) ?? 0) > t) return { rejected: { reason: "unknown" } };
    const doc = await this.readToken(hash);
    if (!doc) {
      if (this.unknown.size > 10_000) this.unknown.clear();
      this.unknown.set(hash, t + this.cacheMs);
      return { rejected: { reason: "unknown" } };
    }
    const status = statusOf(doc, now);
    if (status === "revoked") return { rejected: { reason: "revoked", tokenName: doc.name } };
    if (status === "expired") return { rejected: { reason: "expired", tokenName: doc.name, expiresAt: doc.expiresAt! } };
    if (!audienceOk(doc.audience, tenantUrl)) return { rejected: { reason: "audience", tokenName: doc.name, audience: doc.audience! } };
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
    return { principal };
  }

  private readToken(hash: string): Promise<TokenDoc | undefined> {
    return read(() => this.tokens.item(hash, hash).read<TokenDoc>());
  }

  /** A tenant's token records, oldest first (the tenant condition is in the query: tokens are partitioned by hash). */
  private async tenantTokens(tenantId: string): Promise<TokenDoc[]> {
    const docs = await call(
      async () =>
        (
          await this.tokens.items
            .query<TokenDoc>(
              { query: "SELECT * FROM c WHERE c.tenantId = @tenantId", parameters: [{ name: "@tenantId", value: tenantId }] },
              { maxItemCount: 1000 },
            )
            .fetchAll()
        ).resources,
    );
    return docs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.tokenId.localeCompare(b.tokenId));
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
        .patch([{ op: "set", path: "/lastUsedAt", value: now.toISOString() }], doc._etag ? { accessCondition: { type: "IfMatch", condition: doc._etag } } : {});
    } catch (error) {
      if (cosmosStatus(error) !== 412) {
        this.warn(
          `Could not record the last use of token ${doc.tokenId} of tenant ${doc.tenantId} (the store answered ${cosmosStatus(error) ?? "with an error"}); the request goes on.`,
        );
      }
    }
    return now.getTime();
  }
}

const audienceOk = (audience: string | undefined, tenantUrl: string | undefined) =>
  audience === undefined || (tenantUrl !== undefined && sameTenantUrl(audience, tenantUrl));
